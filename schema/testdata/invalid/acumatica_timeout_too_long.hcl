source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  timeout = "2h" # ERROR: Duration out of range
}
