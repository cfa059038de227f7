source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
}

table "orders" {
  source      = source.acumatica.erp
  destination = destination.duckdb.nowhere # ERROR: Reference to undeclared destination
  entity      = "SalesOrders"
}
