source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  endpoint = "dac"
  format   = "atom" # ERROR: ATOM needs the OData v3 endpoint
}
