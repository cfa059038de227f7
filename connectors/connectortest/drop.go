package connectortest

import (
	"context"
	"testing"

	"github.com/syncctl/syncctl/connectors"
)

// testDrop checks that Drop removes the table and every tenant's state
// row of it, leaves other tables alone, and tolerates a missing table.
func testDrop(t *testing.T, h Harness) {
	ctx := context.Background()
	d := h.Open(t)
	tbl, other := orders("sales_orders"), orders("kept_orders")
	prepare(t, d, tbl)
	prepare(t, d, other)
	merge(t, d, tbl, "Company", orderRows("Company", 1, 3, 1, t1), connectors.Change{Inserted: 3})
	merge(t, d, tbl, "Sub Co", orderRows("Sub Co", 1, 2, 1, t1), connectors.Change{Inserted: 2})
	merge(t, d, other, "Company", orderRows("Company", 1, 1, 1, t1), connectors.Change{Inserted: 1})

	if err := d.Drop(ctx, tbl.Name); err != nil {
		t.Fatalf("Drop(%q): %v", tbl.Name, err)
	}
	if got, err := d.Describe(ctx, tbl.Name); err != nil || got != nil {
		t.Errorf("Describe(%q) after Drop = %v, %v; want nil", tbl.Name, got, err)
	}
	if got := states(t, d, tbl.Name); len(got) != 0 {
		t.Errorf("state rows of %q after Drop = %v; want none", tbl.Name, got)
	}
	if got := states(t, d, other.Name); len(got) != 1 {
		t.Errorf("state rows of %q after dropping another table = %d; want 1", other.Name, len(got))
	}
	checkRows(t, h, d, other, orderRows("Company", 1, 1, 1, t1))

	// The table can be created and loaded again, and a missing table
	// drops without error.
	prepare(t, d, tbl)
	merge(t, d, tbl, "Company", orderRows("Company", 1, 1, 1, t1), connectors.Change{Inserted: 1})
	if err := d.Drop(ctx, "never_created"); err != nil {
		t.Errorf("Drop of a missing table: %v", err)
	}
}
