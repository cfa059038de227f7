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
  source      = destination.duckdb.d # ERROR: Invalid source reference
  destination = destination.duckdb.d
  entity      = "SalesOrders"
}
