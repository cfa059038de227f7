source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "ntlm" { # ERROR: Unsupported authentication type
    username = "admin"
  }
}
