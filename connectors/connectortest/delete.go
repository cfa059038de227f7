package connectortest

import (
	"context"
	"testing"

	"github.com/syncctl/syncctl/connectors"
)

// key returns the key values of an orders row, in the table's key order.
func key(row []any) []any {
	return []any{row[oTenant], row[1], row[2]}
}

// testDelete checks that Merge deletes keys with its batch: only the
// tenant's rows with those keys go, keys not stored are ignored, and the
// state commits with the deletions.
func testDelete(t *testing.T, h Harness) {
	ctx := context.Background()
	d := h.Open(t)
	tbl := orders("sales_orders")
	prepare(t, d, tbl)
	company := orderRows("Company", 1, 5, 1, t1)
	sub := orderRows("Sub Co", 1, 2, 1, t1)
	merge(t, d, tbl, "Company", company, connectors.Change{Inserted: 5})
	merge(t, d, tbl, "Sub Co", sub, connectors.Change{Inserted: 2})

	// Row 2 is deleted, row 3 updated and row 6 inserted in one batch;
	// the key of row 9 is not stored and is ignored. Sub Co's row 2,
	// which shares the order number, stays.
	missing := order("Company", 9, 1, t2)
	deletes := [][]any{key(company[1]), key(missing)}
	rows := concat(orderRows("Company", 3, 3, 2, t2), orderRows("Company", 6, 6, 1, t2))
	st := &connectors.State{Table: tbl.Name, Tenant: "Company",
		Watermark: "2024-03-11T00:00:00Z"}
	ch, err := d.Merge(ctx, tbl, rows, deletes, st)
	if err != nil {
		t.Fatalf("Merge(2 rows, 2 deletes): %v", err)
	}
	if want := (connectors.Change{Inserted: 1, Updated: 1, Deleted: 1}); ch != want {
		t.Errorf("Merge(2 rows, 2 deletes) = %+v; want %+v", ch, want)
	}
	if got := states(t, d, tbl.Name)["Company"]; got.Watermark != st.Watermark {
		t.Errorf("state watermark after Merge with deletes = %q; want %q",
			got.Watermark, st.Watermark)
	}
	want := concat(
		orderRows("Company", 1, 1, 1, t1),
		orderRows("Company", 3, 3, 2, t2),
		orderRows("Company", 4, 5, 1, t1),
		orderRows("Company", 6, 6, 1, t2),
		sub,
	)
	checkRows(t, h, d, tbl, want)

	// Deletes alone, without rows.
	ch, err = d.Merge(ctx, tbl, nil, [][]any{key(company[0])}, st)
	if err != nil || ch != (connectors.Change{Deleted: 1}) {
		t.Fatalf("Merge(no rows, 1 delete) = %+v, %v; want 1 deleted", ch, err)
	}
	checkRows(t, h, d, tbl, want[1:])
}
