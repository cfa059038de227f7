variable "a" {
  type    = number
  default = 1
}

variable "b" {
  type    = number
  default = 2
  validation {
    condition     = var.b > var.a # ERROR: Invalid validation condition
    error_message = "b must exceed a."
  }
}
