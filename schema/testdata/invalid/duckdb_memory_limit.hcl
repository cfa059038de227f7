destination "duckdb" "d" {
  path         = "x.duckdb"
  memory_limit = "lots" # ERROR: Invalid memory limit
}
