source "acumatica" "erp" {
  for_each = ["Company", "Sub Co"] # ERROR: Invalid for_each argument
  url      = "https://erp.example.com"
  tenant   = each.value
}
