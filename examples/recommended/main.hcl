# The recommended Acumatica set-up: per tenant, one connection for
# date-tracked (incremental) tables and one for small tables reloaded in
# full, all tenants in one DuckDB file.
#
#   export ACUMATICA_USER=... ACUMATICA_PASSWORD=...
#   syncctl plan --var instance_url=https://erp.example.com

variable "instance_url" {
  type        = string
  description = "Base URL of the Acumatica instance."
}

variable "tenants" {
  type        = set(string)
  default     = ["Company", "Sub Co"]
  description = "Tenant login names."

  validation {
    condition     = length(var.tenants) > 0
    error_message = "Name at least one tenant."
  }
}

locals {
  time_zone = "America/Toronto" # the Acumatica user's profile zone
}

# Incremental reads: small pages, a short timeout.
source "acumatica" "tracked" {
  for_each = var.tenants

  description = "Date-tracked tables of ${each.value}"
  url         = var.instance_url
  tenant      = each.value
  time_zone   = local.time_zone
  page_size   = 1000
  timeout     = "60s"

  auth "basic" {
    username = env("ACUMATICA_USER")
    password = env("ACUMATICA_PASSWORD")
  }
}

# Full reloads of small reference tables: bigger pages.
source "acumatica" "full" {
  for_each = var.tenants

  description = "Reference tables of ${each.value}, reloaded in full"
  url         = var.instance_url
  tenant      = each.value
  time_zone   = local.time_zone
  page_size   = 5000

  auth "basic" {
    username = env("ACUMATICA_USER")
    password = env("ACUMATICA_PASSWORD")
  }
}

destination "duckdb" "local" {
  path         = "erp.duckdb"
  memory_limit = "512MB"
}

table "sales_orders" {
  for_each    = source.acumatica.tracked
  source      = each.value
  entity      = "SalesOrders"
  destination = destination.duckdb.local
  primary_key = ["OrderType", "OrderNbr"]
  exclude     = ["Description"]
  rename      = { BranchID = "Branch" }
  where       = "Status != 'Cancelled'"

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "10m"
  }

  column "open_amount" {
    expr = "OrderTotal - PaidTotal"
  }

  column "customer" {
    expr = "trim(CustomerID)"
  }
}

table "customers" {
  for_each    = source.acumatica.tracked
  source      = each.value
  entity      = "Customers"
  destination = destination.duckdb.local
  primary_key = ["CustomerID"]
  batch_size  = 5000

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "10m"
  }
}

table "payment_terms" {
  for_each    = source.acumatica.full
  source      = each.value
  entity      = "PaymentTerms"
  destination = destination.duckdb.local

  tracking {
    type = "none"
  }
}

model "open_orders" {
  destination = destination.duckdb.local
  sql         = <<-SQL
    SELECT o._tenant, o.customer, c."CustomerName", o."OrderNbr", o.open_amount
    FROM ${table.sales_orders.name} o
    JOIN ${table.customers.name} c
      ON c._tenant = o._tenant AND c."CustomerID" = o."CustomerID"
    WHERE o.open_amount > 0
  SQL
}
