source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  properties = {
    ApiToken = encrypted("syncctl:v1:c2hvcnQ") # ERROR: Invalid function argument
  }
}
