source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  pool {
    max_size = 2
  }
  pool { # ERROR: Duplicate pool block
    max_size = 3
  }
}
