package duckdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

func testTable() *connectors.Table {
	return &connectors.Table{
		Name: "orders",
		Columns: []connectors.Column{
			{Name: connectors.TenantColumn, Type: connectors.TypeString},
			{Name: "OrderNbr", Type: connectors.TypeString},
			{Name: "Total", Type: connectors.TypeDecimal, Scale: 4},
			{Name: "Note ID", Type: connectors.TypeUUID},
			{Name: "Modified", Type: connectors.TypeTimestamp},
			{Name: connectors.SyncedAtColumn, Type: connectors.TypeTimestamp},
		},
		Key: []string{connectors.TenantColumn, "OrderNbr"},
	}
}

func dec(s string) apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return *d
}

func TestMergeKeepsEqualRows(t *testing.T) {
	ctx := context.Background()
	d, err := OpenPath(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tbl := testTable()
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 123456700, time.UTC)
	run1 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	rows := [][]any{
		{"Company", "SO1", dec("12.5"), [16]byte{1}, t1, run1},
		{"Company", "SO2", dec("-99999999999999.9999"), nil, t1, run1},
	}
	st := &connectors.State{Table: "orders", Tenant: "Company", Address: "table.orders"}
	ch, err := d.Merge(ctx, tbl, rows, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Inserted != 2 || ch.Updated != 0 || st.Serial != 1 {
		t.Fatalf("first merge = %+v serial %d; want 2 inserted, serial 1", ch, st.Serial)
	}
	run2 := run1.Add(time.Hour)
	rows2 := [][]any{
		{"Company", "SO1", dec("12.5000"), [16]byte{1}, t1, run2},
		{"Company", "SO2", dec("1"), nil, t1, run2},
		{"Company", "SO3", nil, nil, nil, run2},
	}
	ch, err = d.Merge(ctx, tbl, rows2, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	if ch != (connectors.Change{Inserted: 1, Updated: 1}) || st.Serial != 2 {
		t.Fatalf("second merge = %+v serial %d; want 1 inserted, 1 updated, serial 2", ch, st.Serial)
	}
	var synced time.Time
	if err := d.DB().QueryRow(`SELECT _synced_at FROM orders WHERE "OrderNbr" = 'SO1'`).Scan(&synced); err != nil {
		t.Fatal(err)
	}
	if !synced.Equal(run1) {
		t.Errorf("unchanged row _synced_at = %v; want %v", synced, run1)
	}
	_, err = d.Merge(ctx, tbl, [][]any{{"Company", "SO4", dec("0.00001"), nil, nil, run2}}, nil, st)
	if err == nil {
		t.Fatal("merge of a decimal with too many digits succeeded; want an error")
	}
	states, err := d.States(ctx)
	if err != nil || len(states) != 1 || states[0].Serial != 2 {
		t.Fatalf("States = %+v, %v; want one row at serial 2", states, err)
	}
}
