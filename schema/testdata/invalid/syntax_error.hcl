source "acumatica" "erp" {
  url = "https://erp.example.com" "extra" # ERROR: Missing newline after argument
}
