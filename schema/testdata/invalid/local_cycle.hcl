locals {
  a = local.b # ERROR: Cycle between local values
  b = local.a
}
