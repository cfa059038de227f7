source "acumatica" "erp" {
  url    = var.instance # ERROR: Unsupported attribute
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
}
