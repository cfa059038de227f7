variable "page_size" { # ERROR: Invalid value for variable
  type    = number
  default = 50000
  validation {
    condition     = var.page_size <= 10000
    error_message = "Acumatica pages hold at most 10000 rows."
  }
}
