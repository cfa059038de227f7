destination "duckdb" "d" {
  for_each = toset(["a", "b"]) # ERROR: for_each is not supported on destinations
  path     = "x.duckdb"
}
