source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" { # ERROR: Missing password
    username = "admin"
  }
}
