source "netsuite" "erp" { # ERROR: Unknown source type "netsuite"
  url = "https://erp.example.com"
}
