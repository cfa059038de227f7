variable "tenant" {
  type = string
}

variable "tenant" { # ERROR: Duplicate variable tenant
  type = string
}
