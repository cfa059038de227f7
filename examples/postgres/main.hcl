# Two Acumatica tenants into PostgreSQL, with a model on top.
#
#   export ACUMATICA_USER=admin ACUMATICA_PASSWORD=...
#   syncctl apply --var instance_url=https://erp.example.com \
#     --var postgres_url=postgres://syncctl@db.example.com/analytics

variable "instance_url" {
  type        = string
  description = "Base URL of the Acumatica instance."
}

variable "postgres_url" {
  type        = string
  default     = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  sensitive   = true
  description = "Connection string of the warehouse; it may hold a password."
}

variable "schema" {
  type    = string
  default = "acumatica"
}

locals {
  tenants = toset(["Company", "Sub Co"])
}

source "acumatica" "erp" {
  for_each = local.tenants

  url    = var.instance_url
  tenant = each.value

  auth "basic" {
    username = env("ACUMATICA_USER")
    password = env("ACUMATICA_PASSWORD")
  }
}

destination "postgres" "warehouse" {
  url    = var.postgres_url
  schema = var.schema
}

table "sales_orders" {
  for_each    = source.acumatica.erp
  source      = each.value
  entity      = "SalesOrders"
  destination = destination.postgres.warehouse
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
  destination = destination.postgres.warehouse
  primary_key = ["CustomerID"]

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "5m"
  }
}

# Refreshed after both tables it names are loaded.
model "open_orders_by_customer" {
  destination = destination.postgres.warehouse
  sql         = <<-SQL
    SELECT o._tenant, c."CustomerID", c."CustomerName",
           count(*) AS open_orders, sum(o."OrderTotal") AS open_total
    FROM ${table.sales_orders.name} o
    JOIN ${table.customers.name} c
      ON c._tenant = o._tenant AND c."CustomerID" = o."CustomerID"
    WHERE o."Status" = 'Open'
    GROUP BY 1, 2, 3
  SQL
}
