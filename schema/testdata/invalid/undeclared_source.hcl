destination "duckdb" "d" {
  path = "x.duckdb"
}

table "orders" {
  source      = source.acumatica.missing # ERROR: Reference to undeclared source
  destination = destination.duckdb.d
  entity      = "SalesOrders"
}
