source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  pool {
    max_sise = 8 # ERROR: Unsupported argument
  }
}
