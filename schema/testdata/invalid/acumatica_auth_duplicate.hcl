source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  auth "oauth2" { # ERROR: Duplicate auth block
    client_id     = "88358B02-A48D-A50E-F710-39C1636C30F6@Company"
    client_secret = "x"
  }
}
