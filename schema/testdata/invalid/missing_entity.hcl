source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
}

destination "duckdb" "d" {
  path = "x.duckdb"
}

table "orders" { # ERROR: Missing required argument
  source      = source.acumatica.erp
  destination = destination.duckdb.d
}
