destination "duckdb" "d" {
  path = "x.duckdb"
}

model "loop" { # ERROR: Model depends on itself
  destination = destination.duckdb.d
  sql         = "select 1"
  depends_on  = [model.loop]
}
