source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
}

destination "duckdb" "a" {
  path = "a.duckdb"
}

destination "duckdb" "b" {
  path = "b.duckdb"
}

table "terms" {
  source      = source.acumatica.erp
  destination = destination.duckdb.a
  entity      = "PaymentTerms"
}

model "report" { # ERROR: Model reads a table of another destination
  destination = destination.duckdb.b
  sql         = "select * from ${table.terms.name}"
}
