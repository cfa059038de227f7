source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
}

table "orders" {
  source      = source.acumatica.erp
  destination = destination.duckdb.nowhere # ERROR: Reference to undeclared destination
  entity      = "SalesOrders"
}
