sources "acumatica" "erp" { # ERROR: Unsupported block type
  url = "https://erp.example.com"
}
