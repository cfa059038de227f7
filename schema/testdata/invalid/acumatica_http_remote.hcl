source "acumatica" "erp" {
  url    = "http://erp.example.com" # WARNING: Credentials over plain http
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
  batch_size  = 0 # ERROR: Batch size out of range
}
