source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  properties = {
    ApiToken = encrypted("hunter2") # ERROR: Invalid function argument
  }
}
