source "acumatica" "erp" {
  url = "https://erp.example.com
} # ERROR: Invalid multi-line string
