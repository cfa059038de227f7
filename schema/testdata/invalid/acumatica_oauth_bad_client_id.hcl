source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "oauth2" {
    client_id     = "syncctl-app@Company" # ERROR: Invalid client ID
    client_secret = env("ACUMATICA_CLIENT_SECRET")
    grant         = "password"
    username      = "admin"
    password      = env("ACUMATICA_PASSWORD")
  }
}
