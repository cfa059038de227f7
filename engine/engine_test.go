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

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/duckdb"
	"github.com/syncctl/syncctl/schema"
)

const memConfigHCL = `
source "memory" "m" {
  for_each = toset(["A", "B"])
  tenant   = each.value
}

destination "duckdb" "d" {
  path = "out.duckdb"
}

table "orders" {
  for_each    = source.memory.m
  source      = each.value
  entity      = "Orders"
  destination = destination.duckdb.d
  primary_key = ["Type", "Nbr"]
  batch_size  = %d
  tracking {
    type   = "%s"
    column = "Modified"
    offset = "1m"
  }
}
`

var base = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// seed fills the memory source with n rows per tenant, several sharing
// each timestamp.
func seed(n int) {
	mem.mu.Lock()
	defer mem.mu.Unlock()
	mem.rows = map[string][][]any{}
	mem.failAfter = 0
	for _, tenant := range []string{"A", "B"} {
		for i := range n {
			mem.rows[tenant] = append(mem.rows[tenant], []any{
				[]string{"SO", "IN"}[i%2], int64(i), fmt.Sprintf("%s-%d", tenant, i),
				base.Add(time.Duration(i/3) * time.Second),
			})
		}
	}
}

// setup writes the config into a temp dir and changes into it.
func setup(t *testing.T, batch int, tracking string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(memConfigHCL, batch, tracking)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return dir
}

// apply plans and applies the configuration in the current directory.
func apply(t *testing.T) (*Plan, []*TableResult) {
	t.Helper()
	ws, diags := Load(".", schema.Options{})
	if diags.HasErrors() {
		t.Fatalf("Load: %s", diags.Error())
	}
	p := &Planner{WS: ws, Log: slog.New(slog.DiscardHandler)}
	r, diags, errs := p.Begin(context.Background())
	defer r.Close()
	if diags.HasErrors() || len(errs) > 0 {
		t.Fatalf("Begin: %v %v", diags, errs)
	}
	res := r.Apply(context.Background(), ApplyOptions{Parallelism: 2,
		Now: func() time.Time { return base.Add(time.Hour) }})
	return r.Plan, res
}

// dump returns the destination rows of tenant as text, sorted.
func dump(t *testing.T, tenant string) []string {
	t.Helper()
	d, err := duckdb.OpenPath(context.Background(), "out.duckdb")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.DB().Query(`SELECT "Type", "Nbr", "Amount", "Modified" FROM orders WHERE _tenant = ?`, tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, amt string
		var nbr int64
		var mod time.Time
		if err := rows.Scan(&typ, &nbr, &amt, &mod); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s|%d|%s|%s", typ, nbr, amt, mod.UTC().Format(time.RFC3339Nano)))
	}
	sort.Strings(out)
	return out
}

// want returns the memory source's rows of tenant as dump formats them.
func want(tenant string) []string {
	mem.mu.Lock()
	defer mem.mu.Unlock()
	var out []string
	for _, r := range mem.rows[tenant] {
		out = append(out, fmt.Sprintf("%s|%d|%s|%s", r[0], r[1], r[2], r[3].(time.Time).UTC().Format(time.RFC3339Nano)))
	}
	sort.Strings(out)
	return out
}

func checkEqual(t *testing.T) {
	t.Helper()
	for _, tenant := range []string{"A", "B"} {
		got, w := dump(t, tenant), want(tenant)
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Fatalf("tenant %s: destination has %d rows, source %d; they differ\n got %v\nwant %v",
				tenant, len(got), len(w), head(got), head(w))
		}
	}
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

func totals(t *testing.T, res []*TableResult) connectors.Change {
	t.Helper()
	var c connectors.Change
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Plan.Address, r.Err)
		}
		c.Add(r.Change)
	}
	return c
}

func TestIncrementalLifecycle(t *testing.T) {
	setup(t, 7, "date")
	seed(50)

	plan, res := apply(t)
	if got := plan.Tables[0].Action; got != ActionCreate {
		t.Fatalf("first plan action = %s; want create", got)
	}
	if c := totals(t, res); c.Inserted != 100 {
		t.Fatalf("first apply inserted %d; want 100", c.Inserted)
	}
	checkEqual(t)

	// Nothing changed: the re-read window merges to nothing.
	plan, res = apply(t)
	if got := plan.Tables[0].Action; got != ActionIncremental {
		t.Fatalf("second plan action = %s; want incremental", got)
	}
	if c := totals(t, res); c != (connectors.Change{}) {
		t.Fatalf("unchanged source: apply changed %+v; want nothing", c)
	}

	// Move rows forward, insert rows, and insert rows tied at the
	// current watermark.
	mem.mu.Lock()
	rows := mem.rows["A"]
	wm := rows[len(rows)-1][3].(time.Time)
	for i := range 5 {
		rows[i][2] = "changed"
		rows[i][3] = wm.Add(time.Duration(i+1) * time.Minute)
	}
	for i := range 3 {
		rows = append(rows, []any{"CS", int64(1000 + i), "new", wm.Add(time.Hour)})
	}
	for i := range 4 {
		rows = append(rows, []any{"TI", int64(2000 + i), "tied", wm})
	}
	mem.rows["A"] = rows
	mem.mu.Unlock()

	_, res = apply(t)
	if c := totals(t, res); c != (connectors.Change{Inserted: 7, Updated: 5}) {
		t.Fatalf("after changes apply = %+v; want 7 inserted, 5 updated", c)
	}
	checkEqual(t)
}

func TestResumeAfterFailure(t *testing.T) {
	setup(t, 10, "date")
	seed(95)
	mem.mu.Lock()
	mem.failAfter = 43
	mem.mu.Unlock()

	_, res := apply(t)
	for _, r := range res {
		if r.Err == nil {
			t.Fatalf("%s: apply succeeded; want the injected failure", r.Plan.Address)
		}
	}
	// Every full batch before the failure is committed.
	if got := len(dump(t, "A")); got != 40 {
		t.Fatalf("after failure destination holds %d rows; want the 40 committed", got)
	}

	mem.mu.Lock()
	mem.failAfter = 0
	mem.mu.Unlock()
	plan, res := apply(t)
	if got := plan.Tables[0].Action; got != ActionResume {
		t.Fatalf("plan after failure = %s; want resume", got)
	}
	if c := totals(t, res); c.Inserted != 110 {
		t.Fatalf("resume inserted %d; want the remaining 110", c.Inserted)
	}
	checkEqual(t)
}

func TestUntrackedReload(t *testing.T) {
	setup(t, 4, "none")
	seed(20)
	_, res := apply(t)
	if c := totals(t, res); c.Inserted != 40 {
		t.Fatalf("first reload inserted %d; want 40", c.Inserted)
	}
	mem.mu.Lock()
	mem.rows["A"] = mem.rows["A"][:15]
	mem.rows["A"][0][2] = "changed"
	mem.mu.Unlock()
	plan, res := apply(t)
	if got := plan.Tables[0].Action; got != ActionReload {
		t.Fatalf("plan = %s; want reload", got)
	}
	if c := totals(t, res); c != (connectors.Change{Updated: 1, Deleted: 5}) {
		t.Fatalf("reload = %+v; want 1 updated, 5 deleted", c)
	}
	checkEqual(t)
}

func TestColumnSelectionAndRename(t *testing.T) {
	dir := setup(t, 5, "date")
	cfg, err := os.ReadFile(filepath.Join(dir, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	extra := strings.Replace(string(cfg), `batch_size  = 5`,
		"batch_size  = 5\n  columns = [\"Amount\"]\n  rename = { Amount = \"amount_text\", Nbr = \"number\" }", 1)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	seed(12)
	plan, res := apply(t)
	totals(t, res)
	var names []string
	for _, c := range plan.Tables[0].Columns {
		names = append(names, c.Name)
	}
	// Key and tracking columns are always read.
	if got, want := strings.Join(names, ","), "Type,number,amount_text,Modified,_tenant,_synced_at"; got != want {
		t.Fatalf("columns = %s; want %s", got, want)
	}
	d, err := duckdb.OpenPath(context.Background(), "out.duckdb")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.DB().QueryRow(`SELECT count(DISTINCT (_tenant, "Type", number)) FROM orders WHERE amount_text LIKE 'A-%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 12 {
		t.Fatalf("renamed columns hold %d rows of tenant A; want 12", n)
	}
}

// TestResumeCatchesLateRows interrupts an incremental run, then lets the
// source commit rows late, with timestamps behind the interrupted run's
// position but within the offset: the resumed run must load them.
func TestResumeCatchesLateRows(t *testing.T) {
	setup(t, 5, "date")
	seed(600)
	_, res := apply(t)
	totals(t, res)

	mem.mu.Lock()
	rows := mem.rows["A"]
	wm := rows[len(rows)-1][3].(time.Time)
	for i := range 30 {
		rows[i][2] = "moved"
		rows[i][3] = wm.Add(time.Duration(i+1) * time.Second)
	}
	// Fail once the re-read lookback window and 15 moved rows are read.
	lookback := 0
	for _, r := range rows {
		if t := r[3].(time.Time); !t.Before(wm.Add(-time.Minute)) && !t.After(wm) {
			lookback++
		}
	}
	mem.failAfter = lookback + 15
	mem.mu.Unlock()
	apply(t) // fails after three batches of tenant A and B each

	mem.mu.Lock()
	mem.failAfter = 0
	mem.rows["A"] = append(mem.rows["A"], []any{"LT", int64(9000), "late", wm.Add(10 * time.Second)})
	mem.rows["A"][100][2] = "late change"
	mem.rows["A"][100][3] = wm.Add(12 * time.Second)
	mem.mu.Unlock()

	plan, res := apply(t)
	if got := plan.Tables[0].Action; got != ActionResume {
		t.Fatalf("plan = %s; want resume", got)
	}
	totals(t, res)
	checkEqual(t)
}
