source "acumatica" "erp" {
  url    = "https://admin:hunter2@erp.example.com" # ERROR: Credentials in the instance URL
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
}
