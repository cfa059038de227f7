source "acumatica" "erp" {
  url    = "https://erp.example.com"
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACUMATICA_PASSWORD")
  }
  time_zone = "Mars/Olympus_Mons" # ERROR: Unknown time zone
}
