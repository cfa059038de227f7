source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  pool {
    max_size = 65 # ERROR: Invalid pool size
  }
}
