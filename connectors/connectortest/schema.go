package connectortest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/syncctl/syncctl/connectors"
)

// testCreate checks Describe before and after Prepare, and that Prepare
// is idempotent.
func testCreate(t *testing.T, h Harness) {
	d := h.Open(t)
	tbl := orders("sales_orders")
	if got := describe(t, d, tbl.Name); got != nil {
		t.Fatalf("Describe(%q) before Prepare = %+v; want nil", tbl.Name, got)
	}
	for i := 1; i <= 2; i++ {
		prepare(t, d, tbl)
		checkLayout(t, describe(t, d, tbl.Name), tbl)
	}
	if got := describe(t, d, "no_such_table"); got != nil {
		t.Errorf("Describe(%q) = %+v; want nil", "no_such_table", got)
	}
}

// checkLayout compares a described table with the one prepared. Stored
// types may be wider than asked for: a decimal's precision or an
// integer's width may grow, and a variable-scale decimal may get a
// fixed scale.
func checkLayout(t *testing.T, got, want *connectors.Table) {
	t.Helper()
	if got == nil {
		t.Fatalf("Describe(%q) = nil after Prepare", want.Name)
	}
	if got.Name != want.Name {
		t.Errorf("Describe(%q).Name = %q", want.Name, got.Name)
	}
	if !slices.Equal(got.Key, want.Key) {
		t.Errorf("Describe(%q).Key = %q; want %q", want.Name, got.Key,
			want.Key)
	}
	var names, wantNames []string
	for _, c := range got.Columns {
		names = append(names, c.Name)
	}
	for _, c := range want.Columns {
		wantNames = append(wantNames, c.Name)
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("Describe(%q) columns = %q; want %q", want.Name, names,
			wantNames)
	}
	for i, w := range want.Columns {
		if msg := layoutDiff(got.Columns[i], w); msg != "" {
			t.Errorf("Describe(%q) column %q: %s", want.Name, w.Name, msg)
		}
	}
}

// layoutDiff explains how a stored column falls short of the wanted one.
func layoutDiff(got, want connectors.Column) string {
	if got.Type != want.Type {
		return fmt.Sprintf("type %s (%s); want %s", got.Type,
			got.SourceType, want.Type)
	}
	switch want.Type {
	case connectors.TypeInt:
		if got.Bits != 0 && want.Bits != 0 && got.Bits < want.Bits {
			return fmt.Sprintf("%d bits; want %d", got.Bits, want.Bits)
		}
	case connectors.TypeDecimal:
		if want.Scale == connectors.VariableScale {
			return ""
		}
		p := want.Precision
		if p == 0 {
			p = 38
		}
		if got.Scale != want.Scale || got.Precision != 0 &&
			got.Precision < p {
			return fmt.Sprintf("precision %d, scale %d; want %d, %d",
				got.Precision, got.Scale, p, want.Scale)
		}
	}
	return ""
}

// testAddColumns evolves a table by added columns: existing rows keep
// their values, the new columns read NULL, and preparing with fewer
// columns drops nothing.
func testAddColumns(t *testing.T, h Harness) {
	d := h.Open(t)
	v1 := orders("sales_orders")
	prepare(t, d, v1)
	rows := orderRows("Company", 1, 3, 1, t1)
	merge(t, d, v1, "Company", rows, connectors.Change{Inserted: 3})

	v2 := orders("sales_orders")
	v2.Columns = append(v2.Columns, decCol("Discount", 10, 2),
		strCol("Order Note"))
	prepare(t, d, v2)
	checkLayout(t, describe(t, d, v2.Name), v2)
	checkRows(t, h, d, v1, rows)

	// Equal rows with NULL in the new columns stay untouched; a value in
	// a new column is a change.
	rows2 := make([][]any, len(rows))
	for i, r := range rows {
		rows2[i] = append(slices.Clone(r), nil, nil)
		rows2[i][oSyncedAt] = t2
	}
	changed := slices.Clone(rows2[2])
	changed[len(changed)-2], changed[len(changed)-1] = dec("12.50"), "rush"
	rows2[2] = changed
	merge(t, d, v2, "Company", rows2, connectors.Change{Updated: 1})
	want := [][]any{rows2[0], rows2[1], changed}
	want[0][oSyncedAt], want[1][oSyncedAt] = t1, t1
	checkRows(t, h, d, v2, want)

	// Preparing the old layout keeps the new columns and their values,
	// and merges without them leave them alone.
	prepare(t, d, v1)
	checkLayout(t, describe(t, d, v2.Name), v2)
	row := order("Company", 4, 1, t3)
	merge(t, d, v1, "Company", [][]any{row}, connectors.Change{Inserted: 1})
	checkRows(t, h, d, v2, append(want, append(row, nil, nil)))
}

// testIdentifiers loads tables and columns whose names are reserved
// words, hold spaces, quotes, dots or non-ASCII letters, or differ from
// their lowercase form.
func testIdentifiers(t *testing.T, h Harness) {
	names := []string{
		"select",
		"Order Nbr",
		"MixedCase",
		`a"b`,
		"Ünïcødé 表",
		"a.b",
		"semi;colon --x",
		"it's",
		"$1",
		"1st",
	}
	d := h.Open(t)
	ctx := context.Background()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			tbl := &connectors.Table{
				Name: name,
				Columns: []connectors.Column{
					strCol(connectors.TenantColumn),
					strCol(name),
					intCol("order", 32),
					strCol("group " + name),
					col(connectors.SyncedAtColumn, connectors.TypeTimestamp),
				},
				Key: []string{connectors.TenantColumn, name},
			}
			prepare(t, d, tbl)
			checkLayout(t, describe(t, d, name), tbl)
			rows := [][]any{
				{"Company", "a", int64(1), "x", t1},
				{"Company", "b", int64(2), name, t1},
			}
			merge(t, d, tbl, "Company", rows, connectors.Change{Inserted: 2})
			rows[1][2] = int64(3)
			merge(t, d, tbl, "Company", rows, connectors.Change{Updated: 1})
			checkRows(t, h, d, tbl, rows)

			unlock, err := d.Lock(ctx, name)
			if err != nil {
				t.Fatalf("Lock(%q): %v", name, err)
			}
			defer unlock()
			r, err := d.Replace(ctx, tbl, "Company")
			if err != nil {
				t.Fatalf("Replace: %v", err)
			}
			defer r.Abort()
			if err := r.Append(ctx, rows[1:]); err != nil {
				t.Fatalf("Append: %v", err)
			}
			if _, err := r.Commit(ctx, &connectors.State{Table: name,
				Tenant: "Company"}); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			checkRows(t, h, d, tbl, rows[1:])
		})
	}
}
