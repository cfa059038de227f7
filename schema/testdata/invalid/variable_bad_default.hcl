variable "page" {
  type    = number
  default = "many" # ERROR: Invalid default value for variable
}
