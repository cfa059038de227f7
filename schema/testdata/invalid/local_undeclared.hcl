locals {
  url = "https://${local.host}" # ERROR: Reference to undeclared local value
}
