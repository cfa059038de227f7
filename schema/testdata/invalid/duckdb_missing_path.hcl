destination "duckdb" "d" { # ERROR: Missing required argument
  threads = 2
}
