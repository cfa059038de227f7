package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
	"github.com/syncctl/syncctl/connectors/duckdb"
)

// The quickstart example's tables and the entities they load.
var quickstartTables = []struct{ table, entity string }{
	{"sales_orders", "SalesOrders"},
	{"customers", "Customers"},
	{"payment_terms", "PaymentTerms"},
}

var quickstartTenants = []string{"Company", "Sub Co"}

const (
	fakeUser     = "admin"
	fakePassword = "s3cret-Pa55"
)

// quickstart starts the fake with the quickstart's tenants and returns it
// with the syncctl arguments that point examples/quickstart at it.
func quickstart(t *testing.T, rows int) (*acumaticatest.Service, string, []string, string) {
	t.Helper()
	svc, url := acumaticatest.NewServer(t, acumaticatest.Options{
		Tenants: quickstartTenants, Rows: rows, User: fakeUser,
		Password: fakePassword, FractionDigits: 7,
	})
	t.Setenv("ACUMATICA_USER", fakeUser)
	t.Setenv("ACUMATICA_PASSWORD", fakePassword)
	db := filepath.Join(t.TempDir(), "e2e.duckdb")
	dir, err := filepath.Abs("../../examples/quickstart")
	if err != nil {
		t.Fatal(err)
	}
	return svc, url, []string{"--chdir", dir}, db
}

func vars(url, db string) []string {
	return []string{"--var", "instance_url=" + url, "--var", "duckdb_path=" + db}
}

// applyOK runs apply and fails the test unless it exits 0.
func applyOK(t *testing.T, chdir []string, url, db string) string {
	t.Helper()
	args := append(append(chdir, "apply", "--auto-approve"), vars(url, db)...)
	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("apply exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	return out
}

// snapshot returns every row of every quickstart table as sorted text,
// _synced_at included, to detect any change at all.
func snapshot(t *testing.T, db string) []string {
	t.Helper()
	d, err := duckdb.OpenPath(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var out []string
	for _, qt := range quickstartTables {
		rows, err := d.DB().Query(fmt.Sprintf(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM %q`, qt.table))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(qt.table, vals))
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}

// checkEqualsFake compares every table and tenant with the fake's data:
// same rows, same values, exact decimals, same instants to the µs.
func checkEqualsFake(t *testing.T, svc *acumaticatest.Service, db string) {
	t.Helper()
	d, err := duckdb.OpenPath(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, qt := range quickstartTables {
		cols := svc.Columns(qt.entity)
		var sel, keys []string
		for _, c := range cols {
			expr := fmt.Sprintf("%q", c.Name)
			switch c.Type {
			case "Edm.Decimal", "Edm.Guid":
				expr = fmt.Sprintf("CAST(%q AS VARCHAR)", c.Name)
			case "Edm.DateTimeOffset":
				expr = fmt.Sprintf("epoch_us(%q)", c.Name)
			}
			sel = append(sel, expr)
			if c.Key {
				keys = append(keys, fmt.Sprintf("%q", c.Name))
			}
		}
		for _, tenant := range quickstartTenants {
			q := fmt.Sprintf("SELECT %s FROM %q WHERE _tenant = ? ORDER BY %s",
				strings.Join(sel, ", "), qt.table, strings.Join(keys, ", "))
			got := queryRows(t, d.DB(), q, tenant)
			want := svc.Rows(tenant, qt.entity)
			if len(got) != len(want) {
				t.Fatalf("%s[%q]: destination has %d rows, the fake %d", qt.table, tenant, len(got), len(want))
			}
			for i := range want {
				for j, c := range cols {
					if !sameValue(c.Type, got[i][j], want[i][j]) {
						t.Fatalf("%s[%q] row %d column %s: destination %v, fake %v",
							qt.table, tenant, i, c.Name, got[i][j], want[i][j])
					}
				}
			}
		}
	}
}

func queryRows(t *testing.T, db *sql.DB, q string, args ...any) [][]any {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	return out
}

// sameValue compares a destination value with the fake's value of an
// Edm type.
func sameValue(edm string, got, want any) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	switch edm {
	case "Edm.Decimal":
		a, _, err1 := apd.NewFromString(fmt.Sprint(got))
		b, _, err2 := apd.NewFromString(fmt.Sprint(want))
		return err1 == nil && err2 == nil && a.Cmp(b) == 0
	case "Edm.DateTimeOffset":
		return got.(int64) == want.(time.Time).UnixMicro()
	case "Edm.Int16", "Edm.Int32", "Edm.Int64":
		return fmt.Sprint(got) == fmt.Sprint(want)
	case "Edm.Guid":
		return strings.EqualFold(fmt.Sprint(got), fmt.Sprint(want))
	}
	return got == want
}

func TestEndToEnd(t *testing.T) {
	svc, url, chdir, db := quickstart(t, 3000)

	applyOK(t, chdir, url, db)
	checkEqualsFake(t, svc, db)

	// A second run with no source change changes nothing.
	before := snapshot(t, db)
	out := applyOK(t, chdir, url, db)
	if !strings.Contains(out, "0 inserted, 0 updated, 0 deleted.") {
		t.Errorf("second apply reported changes:\n%s", out)
	}
	if after := snapshot(t, db); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatal("second apply with no source change changed the destination")
	}

	// Move 100 rows forward, insert 10 and 5 tied at the watermark.
	svc.Touch("Company", "SalesOrders", 100)
	svc.Insert("Company", "SalesOrders", 10)
	svc.InsertTied("Company", "SalesOrders", 5)
	out = applyOK(t, chdir, url, db)
	if !strings.Contains(out, `table.sales_orders["Company"]: done`) ||
		!strings.Contains(out, "15 inserted, 100 updated, 0 deleted") {
		t.Errorf("apply after changes did not report exactly 15 inserted, 100 updated:\n%s", out)
	}
	checkEqualsFake(t, svc, db)
}

func TestKillAndResume(t *testing.T) {
	svc, url, chdir, db := quickstart(t, 6000)

	// Kill the apply process while it asks for page 4 of one table; the
	// handler blocks until the process is gone.
	// TestMain put a syncctl binary (this test binary) on $PATH.
	bin, err := exec.LookPath("syncctl")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(append(chdir, "apply", "--auto-approve", "--parallelism", "1"), vars(url, db)...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	var once sync.Once
	killed := make(chan struct{})
	svc.OnPage(func(tenant, entity string, page int) {
		if tenant == "Company" && entity == "SalesOrders" && page == 4 {
			once.Do(func() {
				cmd.Process.Signal(syscall.SIGKILL)
				close(killed)
			})
			<-killed
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("apply finished before it was killed: %v", err)
	}
	svc.OnPage(nil)

	code, out, errOut := runCLI(t, append(append(chdir, "plan"), vars(url, db)...)...)
	if code != 0 || !strings.Contains(out, `table.sales_orders["Company"] will resume`) {
		t.Errorf("plan after the kill (exit %d) does not resume sales_orders:\n%s\n%s", code, out, errOut)
	}
	applyOK(t, chdir, url, db)
	checkEqualsFake(t, svc, db)
	checkNoDuplicates(t, db)
}

func checkNoDuplicates(t *testing.T, db string) {
	t.Helper()
	d, err := duckdb.OpenPath(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n, distinct int
	err = d.DB().QueryRow(`SELECT count(*), count(DISTINCT (_tenant, "OrderType", "OrderNbr")) FROM sales_orders`).Scan(&n, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if n != distinct {
		t.Fatalf("sales_orders holds %d rows but %d distinct keys", n, distinct)
	}
}

func TestRuntimeFailures(t *testing.T) {
	_, url, chdir, db := quickstart(t, 500)
	applyOK(t, chdir, url, db)
	before := snapshot(t, db)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	// A copy of the quickstart that asks for an entity the fake lacks.
	src, err := os.ReadFile("../../examples/quickstart/main.hcl")
	if err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	cfg := strings.Replace(string(src), `"SalesOrders"`, `"SalesOrder"`, 1)
	if err := os.WriteFile(filepath.Join(bad, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		url     string
		env     map[string]string
		chdir   []string
		wantErr []string
	}{
		{"wrong password", url, map[string]string{"ACUMATICA_PASSWORD": "wrong"}, nil,
			[]string{`table.sales_orders["Company"]`, "authentication failed"}},
		{"closed port", closed, nil, nil,
			[]string{`table.sales_orders["Company"]`, "cannot connect", "connection refused"}},
		{"unknown entity", url, nil, []string{"--chdir", bad},
			[]string{`table.sales_orders["Company"]`, `"SalesOrder"`, "SalesOrders"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := chdir
			if tt.chdir != nil {
				dir = tt.chdir
			}
			code, out, errOut := runCLI(t, append(append(dir, "apply", "--auto-approve"), vars(tt.url, db)...)...)
			if code == 0 {
				t.Fatalf("apply exited 0; want a failure\n%s", out)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(out+errOut, fakePassword) {
				t.Error("output contains the password")
			}
			if after := snapshot(t, db); strings.Join(after, "\n") != strings.Join(before, "\n") {
				t.Error("a failed apply changed loaded data")
			}
		})
	}
}
