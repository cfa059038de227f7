package duckdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
)

func fastTable() *connectors.Table {
	return &connectors.Table{Name: "fast", Columns: []connectors.Column{
		{Name: "Nbr", Type: connectors.TypeString},
		{Name: "Note", Type: connectors.TypeString},
		{Name: connectors.TenantColumn, Type: connectors.TypeString},
		{Name: connectors.SyncedAtColumn, Type: connectors.TypeTimestamp},
	}, Key: []string{connectors.TenantColumn, "Nbr"}}
}

// TestMergeFastPath runs batches through Merge's fast path and out of it:
// new keys, then stored keys changed and unchanged mixed with new ones,
// then new keys again, into a table whose stored column order differs.
func TestMergeFastPath(t *testing.T) {
	ctx := context.Background()
	d, err := OpenPath(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// An older table: Note was added last, so it is stored last.
	old := fastTable()
	old.Columns = append(old.Columns[:1:1], old.Columns[2:]...)
	tbl := fastTable()
	for _, t2 := range []*connectors.Table{old, tbl} {
		if err := d.Prepare(ctx, t2); err != nil {
			t.Fatal(err)
		}
	}
	run1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run2 := run1.Add(time.Hour)
	st := &connectors.State{Table: "fast", Tenant: "Company", Address: "table.fast"}
	// skip says whether the next batch skips the fast path.
	steps := []struct {
		rows [][]any
		want connectors.Change
		skip bool
	}{
		{[][]any{{"1", "a", "Company", run1}, {"2", "b", "Company", run1}},
			connectors.Change{Inserted: 2}, false},
		{[][]any{{"1", "a", "Company", run2}, {"2", "B", "Company", run2},
			{"3", "c", "Company", run2}}, connectors.Change{Inserted: 1, Updated: 1}, true},
		{[][]any{{"4", "d", "Company", run2}}, connectors.Change{Inserted: 1}, false},
		{[][]any{{"5", "e", "Company", run2}}, connectors.Change{Inserted: 1}, false},
	}
	for i, s := range steps {
		ch, err := d.Merge(ctx, tbl, s.rows, nil, st)
		if err != nil {
			t.Fatalf("step %d: Merge = %v", i+1, err)
		}
		if ch != s.want {
			t.Errorf("step %d: Merge = %+v; want %+v", i+1, ch, s.want)
		}
		if skip := d.fast.skip(tbl.Name); skip != s.skip {
			t.Errorf("step %d: next batch skips the fast path: %t; want %t", i+1, skip, s.skip)
		}
	}
	if st.Serial != int64(len(steps)) {
		t.Errorf("serial = %d; want %d", st.Serial, len(steps))
	}
	want := map[string]string{"1": "a|" + run1.String(), "2": "B|" + run2.String(),
		"3": "c|" + run2.String(), "4": "d|" + run2.String(), "5": "e|" + run2.String()}
	rows, err := d.DB().QueryContext(ctx, `SELECT "Nbr", "Note", "_synced_at" FROM fast`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var nbr, note string
		var at time.Time
		if err := rows.Scan(&nbr, &note, &at); err != nil {
			t.Fatal(err)
		}
		if got := note + "|" + at.UTC().String(); got != want[nbr] {
			t.Errorf("row %s = %s; want %s", nbr, got, want[nbr])
		}
		n++
	}
	if n != len(want) {
		t.Errorf("%d rows stored; want %d", n, len(want))
	}
}

// TestStageDiscard checks that a staged batch writes nothing until it
// commits, and nothing at all when discarded.
func TestStageDiscard(t *testing.T) {
	ctx := context.Background()
	d, err := OpenPath(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tbl := fastTable()
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	run := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	count := func() int {
		var n int
		if err := d.DB().QueryRowContext(ctx, "SELECT count(*) FROM fast").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	discarded, err := d.Stage(ctx, tbl, [][]any{{"1", "a", "Company", run}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The next batch is staged while the one before waits, as the
	// engine does.
	kept, err := d.Stage(ctx, tbl, [][]any{{"2", "b", "Company", run}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d rows visible after Stage; want 0", n)
	}
	discarded.Discard()
	st := &connectors.State{Table: "fast", Tenant: "Company", Address: "table.fast"}
	if ch, err := kept.Commit(ctx, st); err != nil || ch.Inserted != 1 {
		t.Fatalf("Commit = %+v, %v; want 1 inserted", ch, err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d rows stored; want 1", n)
	}

	// A value that does not fit fails the batch when it is staged.
	bad := [][]any{{"3", int64(3), "Company", run}}
	if _, err := d.Stage(ctx, tbl, bad, nil); err == nil {
		t.Errorf("Stage of an integer in a string column succeeded")
	}
}
