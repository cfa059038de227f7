package main

import (
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
)

var quickstartTenants = []string{"Company", "Sub Co"}

const (
	fakeUser     = "admin"
	fakePassword = "s3cret-Pa55"
)

// e2e is one end-to-end setup: the fake Acumatica and a warehouse, with
// the syncctl arguments that point the warehouse's example at both.
type e2e struct {
	svc  *acumaticatest.Service
	url  string
	wh   *warehouse
	dir  string
	vars []string
}

func newE2E(t *testing.T, w *warehouse, rows int) *e2e {
	t.Helper()
	svc, url := acumaticatest.NewServer(t, acumaticatest.Options{
		Tenants: quickstartTenants, Rows: rows, User: fakeUser,
		Password: fakePassword, FractionDigits: 7,
	})
	t.Setenv("ACUMATICA_USER", fakeUser)
	t.Setenv("ACUMATICA_PASSWORD", fakePassword)
	dir, err := filepath.Abs("../../examples/" + w.example)
	if err != nil {
		t.Fatal(err)
	}
	return &e2e{svc: svc, url: url, wh: w, dir: dir,
		vars: append([]string{"--var", "instance_url=" + url}, w.vars...)}
}

// args builds a command line: --chdir, the command and flags, the vars.
func (e *e2e) args(dir string, cmd ...string) []string {
	if dir == "" {
		dir = e.dir
	}
	return append(append([]string{"--chdir", dir}, cmd...), e.vars...)
}

// apply runs apply and fails the test unless it exits 0.
func (e *e2e) apply(t *testing.T) string {
	t.Helper()
	code, out, errOut := runCLI(t, e.args("", "apply", "--auto-approve")...)
	if code != 0 {
		t.Fatalf("apply exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	return out
}

// snapshot returns every row of every table as sorted text, _synced_at
// included, to detect any change at all.
func (e *e2e) snapshot(t *testing.T) []string {
	t.Helper()
	db := e.wh.open(t)
	var out []string
	for _, qt := range e.wh.tables {
		for _, r := range queryRows(t, db, e.wh.rowText(qt.table)) {
			out = append(out, fmt.Sprint(qt.table, r))
		}
	}
	sort.Strings(out)
	return out
}

// checkEqualsFake compares every table and tenant with the fake's data:
// same rows, same values, exact decimals, same instants to the µs.
func (e *e2e) checkEqualsFake(t *testing.T) {
	t.Helper()
	db := e.wh.open(t)
	for _, qt := range e.wh.tables {
		cols := e.svc.Columns(qt.entity)
		var sel, keys []string
		for _, c := range cols {
			expr := fmt.Sprintf("%q", c.Name)
			switch c.Type {
			case "Edm.Decimal", "Edm.Guid":
				expr = fmt.Sprintf("CAST(%q AS VARCHAR)", c.Name)
			case "Edm.DateTimeOffset":
				expr = e.wh.epochUS(c.Name)
			}
			sel = append(sel, expr)
			if c.Key {
				keys = append(keys, fmt.Sprintf("%q", c.Name))
			}
		}
		for _, tenant := range quickstartTenants {
			q := fmt.Sprintf("SELECT %s FROM %q WHERE _tenant = $1 ORDER BY %s",
				strings.Join(sel, ", "), qt.table, strings.Join(keys, ", "))
			got := queryRows(t, db, q, tenant)
			want := e.svc.Rows(tenant, qt.entity)
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

func (e *e2e) checkNoDuplicates(t *testing.T) {
	t.Helper()
	var n, distinct int
	err := e.wh.open(t).QueryRow(`SELECT count(*), count(DISTINCT (_tenant, "OrderType", "OrderNbr")) FROM sales_orders`).Scan(&n, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if n != distinct {
		t.Fatalf("sales_orders holds %d rows but %d distinct keys", n, distinct)
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameValue compares a destination value with the fake's value of an
// Edm type.
func sameValue(edm string, got, want any) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	if b, ok := got.([]byte); ok {
		got = string(b)
	}
	switch edm {
	case "Edm.Decimal":
		a, _, err1 := apd.NewFromString(fmt.Sprint(got))
		b, _, err2 := apd.NewFromString(fmt.Sprint(want))
		return err1 == nil && err2 == nil && a.Cmp(b) == 0
	case "Edm.DateTimeOffset":
		return fmt.Sprint(got) == fmt.Sprint(want.(time.Time).UnixMicro())
	case "Edm.Int16", "Edm.Int32", "Edm.Int64":
		return fmt.Sprint(got) == fmt.Sprint(want)
	case "Edm.Guid":
		return strings.EqualFold(fmt.Sprint(got), fmt.Sprint(want))
	}
	return got == want
}

func TestEndToEnd(t *testing.T) {
	warehouses(t, func(t *testing.T, w *warehouse) {
		e := newE2E(t, w, 3000)
		e.apply(t)
		e.checkEqualsFake(t)

		// A second run with no source change changes nothing.
		before := e.snapshot(t)
		out := e.apply(t)
		if !strings.Contains(out, "0 inserted, 0 updated, 0 deleted.") {
			t.Errorf("second apply reported changes:\n%s", out)
		}
		if after := e.snapshot(t); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatal("second apply with no source change changed the destination")
		}

		// Move 100 rows forward, insert 10 and 5 tied at the watermark.
		e.svc.Touch("Company", "SalesOrders", 100)
		e.svc.Insert("Company", "SalesOrders", 10)
		e.svc.InsertTied("Company", "SalesOrders", 5)
		out = e.apply(t)
		if !strings.Contains(out, `table.sales_orders["Company"]: done`) ||
			!strings.Contains(out, "15 inserted, 100 updated, 0 deleted") {
			t.Errorf("apply after changes did not report exactly 15 inserted, 100 updated:\n%s", out)
		}
		e.checkEqualsFake(t)
	})
}

func TestKillAndResume(t *testing.T) {
	warehouses(t, func(t *testing.T, w *warehouse) {
		e := newE2E(t, w, 8000)

		// Kill the apply process while it asks for page 6 of one table;
		// the handler blocks until the process is gone. By then the first
		// batch of 2000 rows has committed: batches commit one at a time
		// while the next is read. TestMain put a
		// syncctl binary (this test binary) on $PATH.
		bin, err := exec.LookPath("syncctl")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, e.args("", "apply", "--auto-approve", "--parallelism", "1")...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		var once sync.Once
		killed := make(chan struct{})
		e.svc.OnPage(func(tenant, entity string, page int) {
			if tenant == "Company" && entity == "SalesOrders" && page == 6 {
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
		e.svc.OnPage(nil)

		code, out, errOut := runCLI(t, e.args("", "plan")...)
		if code != 0 || !strings.Contains(out, `table.sales_orders["Company"] will resume`) {
			t.Errorf("plan after the kill (exit %d) does not resume sales_orders:\n%s\n%s", code, out, errOut)
		}
		e.apply(t)
		e.checkEqualsFake(t)
		e.checkNoDuplicates(t)
	})
}

func TestRuntimeFailures(t *testing.T) {
	warehouses(t, func(t *testing.T, w *warehouse) {
		e := newE2E(t, w, 500)
		e.apply(t)
		before := e.snapshot(t)

		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String()
		ln.Close()

		// A copy of the example that asks for an entity the fake lacks.
		src, err := os.ReadFile(filepath.Join(e.dir, "main.hcl"))
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
			dir     string
			wantErr []string
		}{
			{"wrong password", e.url, map[string]string{"ACUMATICA_PASSWORD": "wrong"}, "",
				[]string{`table.sales_orders["Company"]`, "authentication failed"}},
			{"closed port", closed, nil, "",
				[]string{`table.sales_orders["Company"]`, "cannot connect", "connection refused"}},
			{"unknown entity", e.url, nil, bad,
				[]string{`table.sales_orders["Company"]`, `"SalesOrder"`, "SalesOrders"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for k, v := range tt.env {
					t.Setenv(k, v)
				}
				args := e.args(tt.dir, "apply", "--auto-approve")
				for i, a := range args {
					if a == "instance_url="+e.url {
						args[i] = "instance_url=" + tt.url
					}
				}
				code, out, errOut := runCLI(t, args...)
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
				if after := e.snapshot(t); strings.Join(after, "\n") != strings.Join(before, "\n") {
					t.Error("a failed apply changed loaded data")
				}
			})
		}
	})
}
