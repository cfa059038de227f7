source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
}

destination "duckdb" "d" {
  path = "x.duckdb"
}

table "orders" {
  source      = source.acumatica.erp
  destination = destination.duckdb.d
  entity      = "SalesOrders"
  primary_keys = ["OrderNbr"] # ERROR: Unsupported argument
}
