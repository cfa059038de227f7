table "sales orders" { # ERROR: Invalid table name
  source      = source.acumatica.erp
  destination = destination.duckdb.d
  entity      = "SalesOrders"
}

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
