source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "oauth2" {
    client_id     = "88358B02-A48D-A50E-F710-39C1636C30F6@Company"
    client_secret = env("ACUMATICA_CLIENT_SECRET")
    callback_url  = "localhost:8765" # ERROR: Invalid callback URL
  }
}
