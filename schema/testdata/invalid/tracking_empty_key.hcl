source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
}

destination "duckdb" "d" {
  path = "x.duckdb"
}

table "orders" {
  source      = source.acumatica.erp
  destination = destination.duckdb.d
  entity      = "SalesOrders"
  primary_key = []
  tracking { # ERROR: Date tracking requires a primary key
    type   = "date"
    column = "LastModifiedDateTime"
  }
}
