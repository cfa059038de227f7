package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/duckdb"
	"github.com/syncctl/syncctl/schema"
)

const exprConfigHCL = `
source "memory" "m" {
  tenant = "A"
}

destination "duckdb" "d" {
  path = "out.duckdb"
}

table "orders" {
  source      = source.memory.m
  entity      = "Orders"
  destination = destination.duckdb.d
  primary_key = ["Type", "Nbr"]
  columns     = ["Total"]
  tracking {
    type   = "%s"
    column = "Modified"
  }
  column "open" {
    expr = "%s"
  }
  column "label" {
    expr = "lower(Type) + '/' + Status"
  }
  where = "Status != 'Cancelled'"
}
`

func writeExprConfig(t *testing.T, dir, tracking, expr string) {
	t.Helper()
	cfg := fmt.Sprintf(exprConfigHCL, tracking, expr)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

func decimal(s string) apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return *d
}

// seedOrders fills tenant A with orders: Type, Nbr, Amount, Modified,
// Total, Paid, Status.
func seedOrders(rows ...[]any) {
	mem.mu.Lock()
	defer mem.mu.Unlock()
	mem.rows = map[string][][]any{"A": rows}
	mem.failAfter = 0
}

func memOrder(nbr int64, total, paid any, status string, mod int) []any {
	return []any{"SO", nbr, "", base.Add(time.Duration(mod) * time.Minute), total, paid, status}
}

// exprDump returns tenant A's rows as "Nbr|open|label", sorted.
func exprDump(t *testing.T) []string {
	t.Helper()
	d, err := duckdb.OpenPath(context.Background(), "out.duckdb")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.DB().Query(`SELECT "Nbr", coalesce(CAST(open AS VARCHAR), 'null'), label FROM orders WHERE _tenant = 'A'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var nbr int64
		var open, label string
		if err := rows.Scan(&nbr, &open, &label); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d|%s|%s", nbr, open, label))
	}
	sort.Strings(out)
	return out
}

func TestComputedColumnsAndWhere(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeExprConfig(t, dir, "date", "Total - Paid")
	seedOrders(
		memOrder(1, decimal("1234.5600"), decimal("0.1"), "Open", 0),
		memOrder(2, decimal("99999999999999.9999"), decimal("0.0001"), "Open", 1),
		memOrder(3, decimal("10.0000"), decimal("10"), "Cancelled", 2),
		memOrder(4, decimal("0.3000"), nil, "Open", 3),
	)
	plan, res := apply(t)
	tp := plan.Tables[0]
	var names []string
	for _, c := range tp.Columns {
		names = append(names, c.Name+":"+c.Type)
	}
	// Paid and Status are read for the expressions but not stored.
	want := "Type:string,Nbr:int,Modified:timestamp,Total:decimal,open:decimal,label:string,_tenant:string,_synced_at:timestamp"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("columns = %s; want %s", got, want)
	}
	if got := fmt.Sprint(tp.Computed); got != "[{open Total - Paid decimal} {label lower(Type) + '/' + Status string}]" {
		t.Errorf("plan computed = %s", got)
	}
	if tp.Where != "Status != 'Cancelled'" {
		t.Errorf("plan where = %q", tp.Where)
	}
	if c := totals(t, res); c.Inserted != 3 {
		t.Fatalf("first apply = %+v; want 3 inserted (the cancelled order filtered)", c)
	}
	wantRows := []string{
		"1|1234.4600000000|so/Open",
		"2|99999999999999.9998000000|so/Open",
		"4|null|so/Open",
	}
	if got := exprDump(t); fmt.Sprint(got) != fmt.Sprint(wantRows) {
		t.Fatalf("rows = %v; want %v", got, wantRows)
	}

	// Order 2 is cancelled later: its key is deleted with the batch that
	// reads it. Order 3 comes back to life.
	mem.mu.Lock()
	mem.rows["A"][1][6] = "Cancelled"
	mem.rows["A"][1][3] = base.Add(time.Hour)
	mem.rows["A"][2][6] = "Open"
	mem.rows["A"][2][3] = base.Add(time.Hour)
	mem.mu.Unlock()
	plan, res = apply(t)
	if got := plan.Tables[0].Action; got != ActionIncremental {
		t.Fatalf("second plan action = %s; want incremental", got)
	}
	if c := totals(t, res); c != (connectors.Change{Inserted: 1, Deleted: 1}) {
		t.Fatalf("second apply = %+v; want 1 inserted, 1 deleted", c)
	}
	wantRows = []string{
		"1|1234.4600000000|so/Open",
		"3|0.0000000000|so/Open",
		"4|null|so/Open",
	}
	if got := exprDump(t); fmt.Sprint(got) != fmt.Sprint(wantRows) {
		t.Fatalf("rows = %v; want %v", got, wantRows)
	}

	// A changed expression changes the configuration: the table reloads.
	writeExprConfig(t, dir, "date", "Total - coalesce(Paid, 0)")
	plan, res = apply(t)
	if got := plan.Tables[0].Action; got != ActionReload {
		t.Fatalf("plan after a changed expression = %s; want reload", got)
	}
	totals(t, res)
	if got := exprDump(t); got[2] != "4|0.3000000000|so/Open" {
		t.Fatalf("after reload row 4 = %s; want the new expression's value", got[2])
	}
}

func TestWhereReload(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeExprConfig(t, dir, "none", "Total")
	seedOrders(
		memOrder(1, decimal("1"), nil, "Open", 0),
		memOrder(2, decimal("2"), nil, "Cancelled", 0),
		memOrder(3, decimal("3"), nil, "Open", 0),
	)
	_, res := apply(t)
	if c := totals(t, res); c.Inserted != 2 {
		t.Fatalf("first reload = %+v; want 2 inserted", c)
	}
	mem.mu.Lock()
	mem.rows["A"][0][6] = "Cancelled"
	mem.mu.Unlock()
	_, res = apply(t)
	if c := totals(t, res); c != (connectors.Change{Deleted: 1}) {
		t.Fatalf("second reload = %+v; want 1 deleted", c)
	}
	if got := exprDump(t); fmt.Sprint(got) != "[3|3.0000|so/Open]" {
		t.Fatalf("rows = %v; want only order 3", got)
	}
}

func TestExpressionDiagnostics(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeExprConfig(t, dir, "date", "Total - Payd")
	ws, diags := Load(".", schema.Options{})
	if diags.HasErrors() {
		t.Fatalf("Load: %s", diags.Error())
	}
	p := &Planner{WS: ws, Log: slog.New(slog.DiscardHandler)}
	_, diags, errs := p.Plan(context.Background())
	if len(errs) != 1 || len(diags) != 1 {
		t.Fatalf("Plan = %v, %v; want one diagnostic and one table error", diags, errs)
	}
	d := diags[0]
	// expr = "Total - Payd" is on line 21; Payd starts at column 21.
	if d.Summary != "Unknown column in expression" || !strings.Contains(d.Detail, `Did you mean "Paid"?`) {
		t.Errorf("diagnostic = %s: %s", d.Summary, d.Detail)
	}
	if s := d.Subject; s == nil || s.Start.Line != 21 || s.Start.Column != 21 || s.End.Column != 25 {
		t.Errorf("diagnostic subject = %v; want line 21, columns 21-25", d.Subject)
	}
}

func TestExpressionSyntaxInLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeExprConfig(t, dir, "date", "Total - - ")
	_, diags := Load(".", schema.Options{Offline: true})
	if !diags.HasErrors() || diags[0].Summary != "Invalid expression" {
		t.Fatalf("Load = %v; want an invalid expression", diags)
	}
	if s := diags[0].Subject; s.Start.Line != 21 || s.Start.Column != 22 {
		t.Errorf("subject = %v; want line 21, column 22 (the end)", s)
	}
}
