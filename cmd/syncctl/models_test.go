package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
	"github.com/syncctl/syncctl/connectors/duckdb"
)

const modelsConfig = `
variable "instance_url" {
  type = string
}

source "acumatica" "erp" {
  url    = var.instance_url
  tenant = "Company"
  auth "basic" {
    username = "admin"
    password = env("ACU_PASSWORD")
  }
}

destination "duckdb" "local" {
  path = "out.duckdb"
}

table "orders" {
  source      = source.acumatica.erp
  destination = destination.duckdb.local
  entity      = "SalesOrders"
}

model "open_orders" {
  destination = destination.duckdb.local
  sql         = "SELECT * FROM ${table.orders.name} WHERE \"Status\" = 'Open'"
}

model "open_count" {
  destination  = destination.duckdb.local
  materialized = "table"
  sql          = "SELECT count(*) AS n FROM ${model.open_orders.name}"
}

model "broken" {
  destination = destination.duckdb.local
  sql         = "SELECT \"NoSuchColumn\" FROM ${table.orders.name}"
}
`

// TestModels applies models after their tables, in dependency order, and
// reports a failing model as a partial failure (exit 3).
func TestModels(t *testing.T) {
	svc, url := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 300, Password: "pw"})
	t.Setenv("ACU_PASSWORD", "pw")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(modelsConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "--chdir", dir, "apply", "--auto-approve", "--var", "instance_url="+url)
	if code != exitPartial {
		t.Fatalf("apply with a broken model exited %d; want %d\n%s\n%s", code, exitPartial, out, errOut)
	}
	for _, want := range []string{"model.open_orders: view refreshed", "model.open_count: table refreshed",
		"model.broken: failed", "1 of 3 models failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "model.broken") || !strings.Contains(errOut, "NoSuchColumn") {
		t.Errorf("stderr does not explain the failure:\n%s", errOut)
	}

	// The models hold what their SQL says.
	status := -1
	for i, c := range svc.Columns("SalesOrders") {
		if c.Name == "Status" {
			status = i
		}
	}
	open := int64(0)
	for _, r := range svc.Rows("Company", "SalesOrders") {
		if r[status] == "Open" {
			open++
		}
	}
	d, err := duckdb.OpenPath(context.Background(), filepath.Join(dir, "out.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int64
	if err := d.DB().QueryRow("SELECT n FROM open_count").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != open || open == 0 {
		t.Errorf("open_count.n = %d; the fake has %d open orders", n, open)
	}
}
