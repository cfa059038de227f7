package connectortest

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
)

// testMerge loads, updates and re-reads rows through Merge.
func testMerge(t *testing.T, h Harness) {
	ctx := context.Background()
	d := h.Open(t)
	tbl := orders("sales_orders")
	prepare(t, d, tbl)

	// A first load inserts everything.
	first := orderRows("Company", 1, 5, 1, t1)
	merge(t, d, tbl, "Company", first, connectors.Change{Inserted: 5})
	checkRows(t, h, d, tbl, first)

	// Rows 1-2 are equal (only _synced_at differs) and stay untouched,
	// rows 3-4 changed, row 6 is new.
	second := concat(
		orderRows("Company", 1, 2, 1, t2),
		orderRows("Company", 3, 4, 2, t2),
		orderRows("Company", 6, 6, 1, t2),
	)
	merge(t, d, tbl, "Company", second,
		connectors.Change{Inserted: 1, Updated: 2})
	want := concat(
		orderRows("Company", 1, 2, 1, t1),
		orderRows("Company", 3, 4, 2, t2),
		orderRows("Company", 5, 5, 1, t1),
		orderRows("Company", 6, 6, 1, t2),
	)
	checkRows(t, h, d, tbl, want)

	// Reading the same rows again (ties at the watermark) changes
	// nothing, not even _synced_at.
	again := concat(
		orderRows("Company", 1, 2, 1, t3),
		orderRows("Company", 3, 4, 2, t3),
		orderRows("Company", 6, 6, 1, t3),
	)
	merge(t, d, tbl, "Company", again, connectors.Change{})
	checkRows(t, h, d, tbl, want)

	// A NULL that becomes a value and back is a change.
	nulled := order("Company", 5, 1, t3)
	nulled[oDescription] = nil
	merge(t, d, tbl, "Company", [][]any{nulled},
		connectors.Change{Updated: 1})
	want[4] = nulled
	checkRows(t, h, d, tbl, want)

	// Without rows, Merge saves the state only.
	st := &connectors.State{Table: tbl.Name, Tenant: "Company",
		Watermark: "2024-03-10T14:36:00Z"}
	ch, err := d.Merge(ctx, tbl, nil, nil, st)
	if err != nil || ch != (connectors.Change{}) {
		t.Fatalf("Merge(no rows) = %+v, %v; want no change", ch, err)
	}
	if got := states(t, d, tbl.Name)["Company"]; got.Watermark != st.Watermark {
		t.Errorf("state watermark after Merge(no rows) = %q; want %q",
			got.Watermark, st.Watermark)
	}
	checkRows(t, h, d, tbl, want)
}

// testState checks that states are stored with their batches, one row
// per table and tenant, with a serial that grows by one per commit.
func testState(t *testing.T, h Harness) {
	ctx := context.Background()
	d := h.Open(t)
	if got, err := d.States(ctx); err != nil || len(got) != 0 {
		t.Fatalf("States() on a fresh destination = %v, %v; want none",
			got, err)
	}
	tbl := orders("sales_orders")
	prepare(t, d, tbl)

	full := connectors.State{
		Table:         tbl.Name,
		Tenant:        "Company",
		Address:       `table.sales_orders["Company"]`,
		Watermark:     "2024-03-10T14:30:00.1234567Z",
		WatermarkAt:   time.Date(2024, 3, 10, 14, 30, 0, 123456000, time.UTC),
		WatermarkType: "timestamp",
		Cursor:        `["2024-03-10T14:30:00.1234567Z","SO000001",1]`,
		ConfigHash:    "cfg-1",
		SchemaHash:    "schema-1",
		RunStarted:    t1,
		RunRows:       5,
		UpdatedAt:     t1.Add(time.Second),
	}
	for serial := int64(1); serial <= 3; serial++ {
		st := full
		st.RunRows = serial
		rows := orderRows("Company", int(serial), int(serial), 1, t1)
		if _, err := d.Merge(ctx, tbl, rows, nil, &st); err != nil {
			t.Fatalf("Merge #%d: %v", serial, err)
		}
		if st.Serial != serial {
			t.Errorf("Merge #%d set Serial = %d; want %d", serial,
				st.Serial, serial)
		}
		want := full
		want.RunRows, want.Serial = serial, serial
		checkState(t, states(t, d, tbl.Name)["Company"], want)
	}

	// Another tenant and another table have rows of their own.
	other := connectors.State{Table: tbl.Name, Tenant: "Sub Co"}
	if _, err := d.Merge(ctx, tbl, nil, nil, &other); err != nil {
		t.Fatalf("Merge(Sub Co): %v", err)
	}
	tbl2 := orders("customers")
	prepare(t, d, tbl2)
	st2 := connectors.State{Table: tbl2.Name, Tenant: "Company"}
	if _, err := d.Merge(ctx, tbl2, nil, nil, &st2); err != nil {
		t.Fatalf("Merge(customers): %v", err)
	}
	all, err := d.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range all {
		got = append(got, st.Table+"/"+st.Tenant+"/"+itoa(st.Serial))
	}
	slices.Sort(got)
	want := []string{"customers/Company/1", "sales_orders/Company/3",
		"sales_orders/Sub Co/1"}
	if !slices.Equal(got, want) {
		t.Errorf("States() = %v; want %v", got, want)
	}
	if w := states(t, d, tbl.Name)["Sub Co"]; w.Watermark != "" ||
		!w.WatermarkAt.IsZero() || w.Cursor != "" {
		t.Errorf("empty state stored as %+v; want empty fields", w)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// checkState compares a stored state with the one saved; times are
// compared at microsecond precision.
func checkState(t *testing.T, got, want connectors.State) {
	t.Helper()
	times := []struct {
		name      string
		got, want time.Time
	}{
		{"WatermarkAt", got.WatermarkAt, want.WatermarkAt},
		{"RunStarted", got.RunStarted, want.RunStarted},
		{"UpdatedAt", got.UpdatedAt, want.UpdatedAt},
	}
	for _, tt := range times {
		if !tt.got.Equal(tt.want.Truncate(timestampPrecision)) {
			t.Errorf("stored state %s = %v; want %v", tt.name, tt.got,
				tt.want)
		}
	}
	got.WatermarkAt, got.RunStarted, got.UpdatedAt = time.Time{},
		time.Time{}, time.Time{}
	want.WatermarkAt, want.RunStarted, want.UpdatedAt = time.Time{},
		time.Time{}, time.Time{}
	if got != want {
		t.Errorf("stored state = %+v\nwant %+v", got, want)
	}
}

// testFailedMerge merges batches with one bad value among good rows: the
// batch must fail naming the table and column, and neither its rows nor
// its state may be stored.
func testFailedMerge(t *testing.T, h Harness) {
	tests := []struct {
		name   string
		column string
		value  any
	}{
		{"decimal too large", "Amount", dec("1234.5")},
		{"decimal too many fraction digits", "Amount", dec("1.234")},
		{"decimal too many fraction digits, wide", "Wide", dec("0.12345678901")},
		{"integer out of range", "Small", int64(40000)},
		{"string in integer column", "Count", "12"},
		{"int in integer column", "Count", int(12)},
		{"float in decimal column", "Amount", 1.5},
		{"string in timestamp column", "At", "2024-01-01T00:00:00Z"},
		{"int in bool column", "Flag", int64(1)},
		{"NULL key", "id", nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := h.Open(t)
			tbl := &connectors.Table{
				Name: "failing_" + itoa(int64(i)),
				Columns: []connectors.Column{
					strCol(connectors.TenantColumn),
					intCol("id", 64),
					decCol("Amount", 5, 2),
					decCol("Wide", 38, 10),
					intCol("Count", 64),
					intCol("Small", 16),
					col("At", connectors.TypeTimestamp),
					col("Flag", connectors.TypeBool),
					col(connectors.SyncedAtColumn, connectors.TypeTimestamp),
				},
				Key: []string{connectors.TenantColumn, "id"},
			}
			row := func(id int, amount string, synced time.Time) []any {
				return []any{"Company", int64(id), dec(amount),
					dec("1.5"), int64(id), int64(id), t1, true, synced}
			}
			prepare(t, d, tbl)
			var good [][]any
			for id := 1; id <= 3; id++ {
				good = append(good, row(id, "1.25", t1))
			}
			st := merge(t, d, tbl, "Company", good,
				connectors.Change{Inserted: 3})

			// Updates, inserts and the bad row in the middle.
			var batch [][]any
			for id := 1; id <= 300; id++ {
				batch = append(batch, row(id, "2.50", t2))
			}
			bad := row(150, "2.50", t2)
			bad[tbl.ColumnIndex(tt.column)] = tt.value
			batch[149] = bad
			next := &connectors.State{Table: tbl.Name, Tenant: "Company",
				Watermark: "next"}
			_, err := d.Merge(context.Background(), tbl, batch, nil, next)
			if err == nil {
				t.Fatalf("Merge with %s = nil error; want an error", tt.name)
			}
			t.Logf("Merge error: %v", err)
			if msg := err.Error(); !strings.Contains(msg, tbl.Name) ||
				!strings.Contains(msg, tt.column) {
				t.Errorf("Merge error %q does not name table %q and "+
					"column %q", msg, tbl.Name, tt.column)
			}
			checkRows(t, h, d, tbl, good)
			if got := states(t, d, tbl.Name)["Company"]; got.Serial !=
				st.Serial || got.Watermark != st.Watermark {
				t.Errorf("state after failed Merge = serial %d, watermark "+
					"%q; want serial %d, watermark %q", got.Serial,
					got.Watermark, st.Serial, st.Watermark)
			}
		})
	}
}
