source "acumatica" "erp" {
  for_each = 3 # ERROR: Invalid for_each argument
  url      = "https://erp.example.com"
  tenant   = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
}
