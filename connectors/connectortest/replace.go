package connectortest

import (
	"context"
	"slices"
	"testing"

	"github.com/syncctl/syncctl/connectors"
)

// testReplace reloads one tenant's rows in full, leaving the other
// tenant's rows alone, and checks that nothing shows before Commit.
func testReplace(t *testing.T, h Harness) {
	ctx := context.Background()
	d := h.Open(t)
	tbl := orders("items")
	prepare(t, d, tbl)
	company := orderRows("Company", 1, 5, 1, t1)
	sub := orderRows("Sub Co", 1, 3, 1, t1)
	merge(t, d, tbl, "Company", company, connectors.Change{Inserted: 5})
	merge(t, d, tbl, "Sub Co", sub, connectors.Change{Inserted: 3})
	serial := states(t, d, tbl.Name)["Company"].Serial

	// Row 1 stays, row 2 changes, rows 3-5 go, rows 7-8 come; staged
	// over two appends.
	r, err := d.Replace(ctx, tbl, "Company")
	if err != nil {
		t.Fatalf("Replace: %v", err)
	}
	defer r.Abort()
	staged := concat(
		orderRows("Company", 1, 1, 1, t2),
		orderRows("Company", 2, 2, 2, t2),
		orderRows("Company", 7, 8, 1, t2),
	)
	for _, part := range [][][]any{staged[:2], staged[2:]} {
		if err := r.Append(ctx, part); err != nil {
			t.Fatalf("Append(%d rows): %v", len(part), err)
		}
	}
	checkRows(t, h, d, tbl, concat(company, sub))

	st := &connectors.State{Table: tbl.Name, Tenant: "Company",
		Watermark: "full"}
	ch, err := r.Commit(ctx, st)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	// A destination may count a swap as deletes and inserts of every
	// row, or only what differs; the net change is the same.
	if net := ch.Inserted - ch.Deleted; net != -1 {
		t.Errorf("Commit() = %+v; want Inserted-Deleted = -1", ch)
	}
	if st.Serial != serial+1 {
		t.Errorf("Commit set Serial = %d; want %d", st.Serial, serial+1)
	}
	if got := states(t, d, tbl.Name)["Company"]; got.Watermark != "full" {
		t.Errorf("state watermark after Commit = %q; want %q",
			got.Watermark, "full")
	}
	// Row 1 did not change: whether a swap rewrites it is up to the
	// destination, so its _synced_at may be either run's.
	after := concat(staged, sub)
	after[0] = slices.Clone(after[0])
	after[0][oSyncedAt] = anyValue{}
	staged = after[:len(staged)]
	checkRows(t, h, d, tbl, after)
	if err := r.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}

	t.Run("Abort", func(t *testing.T) {
		r, err := d.Replace(ctx, tbl, "Sub Co")
		if err != nil {
			t.Fatalf("Replace: %v", err)
		}
		if err := r.Append(ctx, orderRows("Sub Co", 9, 9, 1, t3)); err != nil {
			t.Fatalf("Append: %v", err)
		}
		if err := r.Abort(); err != nil {
			t.Fatalf("Abort: %v", err)
		}
		if err := r.Abort(); err != nil {
			t.Errorf("second Abort: %v", err)
		}
		checkRows(t, h, d, tbl, after)
	})

	t.Run("Empty", func(t *testing.T) {
		r, err := d.Replace(ctx, tbl, "Sub Co")
		if err != nil {
			t.Fatalf("Replace: %v", err)
		}
		defer r.Abort()
		ch, err := r.Commit(ctx, &connectors.State{Table: tbl.Name,
			Tenant: "Sub Co"})
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if net := ch.Inserted - ch.Deleted; net != -3 {
			t.Errorf("Commit() = %+v; want Inserted-Deleted = -3", ch)
		}
		checkRows(t, h, d, tbl, staged)
	})

	t.Run("NewTenant", func(t *testing.T) {
		rows := orderRows("Third", 1, 4, 1, t3)
		r, err := d.Replace(ctx, tbl, "Third")
		if err != nil {
			t.Fatalf("Replace: %v", err)
		}
		defer r.Abort()
		if err := r.Append(ctx, rows); err != nil {
			t.Fatalf("Append: %v", err)
		}
		ch, err := r.Commit(ctx, &connectors.State{Table: tbl.Name,
			Tenant: "Third"})
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		want := connectors.Change{Inserted: 4}
		if ch != want {
			t.Errorf("Commit() = %+v; want %+v", ch, want)
		}
		checkRows(t, h, d, tbl, concat(staged, rows))
	})
}
