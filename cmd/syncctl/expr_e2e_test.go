package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
	"github.com/syncctl/syncctl/connectors/duckdb"
)

const exprConfig = `
variable "instance_url" {
  type = string
}

source "acumatica" "erp" {
  url    = var.instance_url
  tenant = "Company"
  auth "basic" {
    username = env("ACU_USER")
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
  primary_key = ["OrderType", "OrderNbr"]
  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "1m"
  }
  column "open_amount" {
    expr = "OrderTotal - TaxTotal"
  }
  where = "Status != 'Cancelled'"
}
`

// TestExpressionsEndToEnd loads the fake's orders with a computed column
// and a filter, and checks every value against exact decimal arithmetic
// on the fake's own data, before and after orders are cancelled.
func TestExpressionsEndToEnd(t *testing.T) {
	svc, url := acumaticatest.NewServer(t, acumaticatest.Options{
		Tenants: []string{"Company"}, Rows: 300, User: fakeUser, Password: fakePassword})
	t.Setenv("ACU_USER", fakeUser)
	t.Setenv("ACU_PASSWORD", fakePassword)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(exprConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--chdir", dir}
	v := []string{"--var", "instance_url=" + url}

	code, out, errOut := runCLI(t, append(append(args, "plan"), v...)...)
	if code != 0 {
		t.Fatalf("plan exited %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"computed:    open_amount = OrderTotal - TaxTotal (decimal)",
		"where:       Status != 'Cancelled'",
		"(21 from the source, 1 computed, _tenant, _synced_at)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = runCLI(t, append(append(args, "apply", "--auto-approve"), v...)...)
	if code != 0 {
		t.Fatalf("apply exited %d\n%s%s", code, out, errOut)
	}
	want := expectedOpenAmounts(t, svc)
	checkOpenAmounts(t, filepath.Join(dir, "out.duckdb"), want, false)

	// Touching every order moves its status on: Back Order becomes
	// Cancelled and is deleted, Cancelled becomes Completed and is loaded,
	// among them the order whose total has 18 digits.
	svc.Touch("Company", "SalesOrders", 300)
	code, out, errOut = runCLI(t, append(append(args, "apply", "--auto-approve"), v...)...)
	if code != 0 {
		t.Fatalf("second apply exited %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, " 0 deleted") {
		t.Errorf("second apply deleted nothing; want the newly cancelled orders deleted:\n%s", out)
	}
	checkOpenAmounts(t, filepath.Join(dir, "out.duckdb"), expectedOpenAmounts(t, svc), true)
}

// expectedOpenAmounts computes OrderTotal - TaxTotal of every order of
// the fake that is not cancelled, by key.
func expectedOpenAmounts(t *testing.T, svc *acumaticatest.Service) map[string]string {
	t.Helper()
	pos := map[string]int{}
	for i, c := range svc.Columns("SalesOrders") {
		pos[c.Name] = i
	}
	out := map[string]string{}
	for _, r := range svc.Rows("Company", "SalesOrders") {
		if r[pos["Status"]] == "Cancelled" {
			continue
		}
		k := fmt.Sprintf("%s/%s", r[pos["OrderType"]], r[pos["OrderNbr"]])
		total, tax := r[pos["OrderTotal"]], r[pos["TaxTotal"]]
		if total == nil || tax == nil {
			out[k] = "null"
			continue
		}
		a, _, err1 := apd.NewFromString(fmt.Sprint(total))
		b, _, err2 := apd.NewFromString(fmt.Sprint(tax))
		if err1 != nil || err2 != nil {
			t.Fatalf("fake decimals %v, %v: %v %v", total, tax, err1, err2)
		}
		var d apd.Decimal
		if _, err := apd.BaseContext.Sub(&d, a, b); err != nil {
			t.Fatal(err)
		}
		out[k] = d.Text('f')
	}
	return out
}

// checkOpenAmounts compares the destination's orders with want; with
// wantBig, some amount must have more digits than a float64 holds.
func checkOpenAmounts(t *testing.T, path string, want map[string]string, wantBig bool) {
	t.Helper()
	d, err := duckdb.OpenPath(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := map[string]string{}
	for _, r := range queryRows(t, d.DB(), `SELECT "OrderType", "OrderNbr",
		coalesce(CAST(open_amount AS VARCHAR), 'null'), "Status" FROM orders`) {
		k := fmt.Sprintf("%s/%s", r[0], r[1])
		got[k] = fmt.Sprint(r[2])
		if r[3] == "Cancelled" {
			t.Errorf("order %s is cancelled but loaded", k)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("destination holds %d orders; want the %d not cancelled", len(got), len(want))
	}
	big := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("order %s is missing", k)
		}
		a, _, err1 := apd.NewFromString(g)
		b, _, err2 := apd.NewFromString(w)
		if g != w && (err1 != nil || err2 != nil || a.Cmp(b) != 0) {
			t.Errorf("order %s: open_amount = %s; want %s", k, g, w)
		}
		if len(w) > 17 {
			big++ // more digits than a float64 holds
		}
	}
	if wantBig && big == 0 {
		t.Errorf("no open amount has more digits than a float64 holds; the test proves less than it should")
	}
}
