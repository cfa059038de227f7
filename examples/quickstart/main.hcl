# Quickstart: two Acumatica tenants into one local DuckDB file.
#
#   export ACUMATICA_USER=admin ACUMATICA_PASSWORD=...
#   syncctl plan --var instance_url=https://erp.example.com
#   syncctl apply --var instance_url=https://erp.example.com

variable "instance_url" {
  type        = string
  description = "Base URL of the Acumatica instance."
}

variable "tenants" {
  type        = set(string)
  default     = ["Company", "Sub Co"]
  description = "Tenant login names to read; each becomes a source instance."
}

variable "duckdb_path" {
  type    = string
  default = "quickstart.duckdb"
}

source "acumatica" "erp" {
  for_each = var.tenants

  url    = var.instance_url
  tenant = each.value

  auth "basic" {
    username = env("ACUMATICA_USER")
    password = env("ACUMATICA_PASSWORD")
  }

  page_size = 1000
}

destination "duckdb" "local" {
  path = var.duckdb_path
}

table "sales_orders" {
  for_each    = source.acumatica.erp
  source      = each.value
  entity      = "SalesOrders"
  destination = destination.duckdb.local
  primary_key = ["OrderType", "OrderNbr"]

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "5m"
  }
}

table "customers" {
  for_each    = source.acumatica.erp
  source      = each.value
  entity      = "Customers"
  destination = destination.duckdb.local
  primary_key = ["CustomerID"]

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "5m"
  }
}

# A small reference table without a last-modified column: reloaded in
# full on every run and swapped in atomically.
table "payment_terms" {
  for_each    = source.acumatica.erp
  source      = each.value
  entity      = "PaymentTerms"
  destination = destination.duckdb.local

  tracking {
    type = "none"
  }
}
