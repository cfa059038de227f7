package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

// v3Config loads the three inquiries from the legacy OData v3 endpoint,
// as ATOM, with wall times in Toronto, 50 rows a page.
const v3Config = `
variable "instance_url" {
  type = string
}

variable "duckdb_path" {
  type = string
}

source "acumatica" "erp" {
  url       = var.instance_url
  tenant    = "Company"
  endpoint  = "odata-v3"
  format    = "atom"
  time_zone = "America/Toronto"
  page_size = 50

  auth "basic" {
    username = env("ACUMATICA_USER")
    password = env("ACUMATICA_PASSWORD")
  }
}

destination "duckdb" "local" {
  path = var.duckdb_path
}

table "sales_orders" {
  source      = source.acumatica.erp
  destination = destination.duckdb.local
  entity      = "SalesOrders"
  primary_key = ["OrderType", "OrderNbr"]

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "1m"
  }
}

table "customers" {
  source      = source.acumatica.erp
  destination = destination.duckdb.local
  entity      = "Customers"
  primary_key = ["CustomerID"]

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "1m"
  }
}

table "payment_terms" {
  source      = source.acumatica.erp
  destination = destination.duckdb.local
  entity      = "PaymentTerms"
  primary_key = ["TermsID"]
}
`

// TestODataV3ATOMToDuckDB loads from the v3 endpoint in ATOM into DuckDB
// and checks every value against the fake: exact decimals, and instants
// to the microsecond. OData v3 carries wall times only, so a row stamped
// in the second pass of a fall-back's repeated hour arrives as the first
// pass of that wall time; the check expects exactly that, and that no
// row of either pass is missing.
func TestODataV3ATOMToDuckDB(t *testing.T) {
	loc, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Skip(err)
	}
	svc, url := acumaticatest.NewServer(t, acumaticatest.Options{
		Rows: 600, User: fakeUser, Password: fakePassword,
		FractionDigits: 7, Location: loc})
	t.Setenv("ACUMATICA_USER", fakeUser)
	t.Setenv("ACUMATICA_PASSWORD", fakePassword)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(v3Config), 0o644); err != nil {
		t.Fatal(err)
	}
	wh := duckdbWarehouse(t)
	args := func(cmd ...string) []string {
		return append(append([]string{"--chdir", dir}, cmd...),
			"--var", "instance_url="+url, wh.vars[0], wh.vars[1])
	}
	apply := func() string {
		t.Helper()
		code, out, errOut := runCLI(t, args("apply", "--auto-approve")...)
		if code != 0 {
			t.Fatalf("apply exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		return out
	}

	code, out, _ := runCLI(t, args("plan")...)
	if code != 0 || !strings.Contains(out, "/odata/Company/SalesOrders?") ||
		strings.Contains(out, "$format=json") {
		t.Fatalf("plan exited %d; want v3 requests without $format=json:\n%s", code, out)
	}
	apply()
	checkV3EqualsFake(t, wh, svc, loc)
	for _, r := range svc.Requests() {
		if strings.Contains(r, "/SalesOrders?") && strings.Contains(r, "$format") {
			t.Fatalf("ATOM load asked for another format: %s", r)
		}
	}

	// Changes, then an incremental run with datetime'...' literals.
	svc.Touch("Company", "SalesOrders", 40)
	svc.Insert("Company", "SalesOrders", 5)
	svc.Touch("Company", "Customers", 3)
	before := len(svc.Requests())
	out = apply()
	if !strings.Contains(out, "5 inserted, 40 updated") {
		t.Errorf("incremental apply did not report 5 inserted, 40 updated:\n%s", out)
	}
	incremental := false
	for _, r := range svc.Requests()[before:] {
		incremental = incremental || strings.Contains(r,
			"LastModifiedDateTime%20ge%20datetime'2026-11-02T")
	}
	if !incremental {
		t.Errorf("no incremental request with a datetime literal: %v",
			svc.Requests()[before:])
	}
	checkV3EqualsFake(t, wh, svc, loc)
}

// checkV3EqualsFake compares every table with the fake, date-times as
// the instant their wall time in loc names (the first pass, when it
// names two).
func checkV3EqualsFake(t *testing.T, wh *warehouse, svc *acumaticatest.Service, loc *time.Location) {
	t.Helper()
	db := wh.open(t)
	secondPass := 0
	for _, qt := range wh.tables {
		cols := svc.Columns(qt.entity)
		var sel, keys []string
		for _, c := range cols {
			expr := fmt.Sprintf("%q", c.Name)
			switch c.Type {
			case "Edm.Decimal", "Edm.Guid":
				expr = fmt.Sprintf("CAST(%q AS VARCHAR)", c.Name)
			case "Edm.DateTimeOffset":
				expr = wh.epochUS(c.Name)
			}
			sel = append(sel, expr)
			if c.Key {
				keys = append(keys, fmt.Sprintf("%q", c.Name))
			}
		}
		q := fmt.Sprintf("SELECT %s FROM %q ORDER BY %s",
			strings.Join(sel, ", "), qt.table, strings.Join(keys, ", "))
		got := queryRows(t, db, q)
		want := svc.Rows("Company", qt.entity)
		if len(got) != len(want) {
			t.Fatalf("%s: destination has %d rows, the fake %d", qt.table, len(got), len(want))
		}
		for i := range want {
			for j, c := range cols {
				w := want[i][j]
				if at, ok := w.(time.Time); ok {
					wall := at.In(loc)
					named := time.Date(wall.Year(), wall.Month(), wall.Day(),
						wall.Hour(), wall.Minute(), wall.Second(),
						wall.Nanosecond(), loc)
					if !named.Equal(at) {
						secondPass++
					}
					w = named
				}
				if !sameValue(c.Type, got[i][j], w) {
					t.Fatalf("%s row %d column %s: destination %v, fake %v",
						qt.table, i, c.Name, got[i][j], w)
				}
			}
		}
	}
	if secondPass == 0 {
		t.Error("no row of the fake lies in the second pass of a repeated hour")
	}
}
