package connectortest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
)

// lockWait is how long a contended Lock may take to fail: it must not
// wait for the holder.
const lockWait = 5 * time.Second

// testLock checks table locks between two handles on one database.
func testLock(t *testing.T, h Harness) {
	if h.Reopen == nil {
		t.Skip("Harness.Reopen is nil: cannot open a second handle")
	}
	ctx := context.Background()
	d1 := h.Open(t)
	d2 := h.Reopen(t, d1)

	unlock, err := d1.Lock(ctx, "sales_orders")
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	start := time.Now()
	_, err = d2.Lock(ctx, "sales_orders")
	switch {
	case err == nil:
		t.Fatal("second Lock of a locked table succeeded")
	case !errors.Is(err, connectors.ErrLocked):
		t.Errorf("second Lock = %v; want an error wrapping ErrLocked", err)
	case !strings.Contains(err.Error(), "sales_orders"):
		t.Errorf("second Lock = %q; want the table named", err)
	}
	if wait := time.Since(start); wait > lockWait {
		t.Errorf("second Lock took %v; want it to fail fast", wait)
	}
	t.Logf("contended Lock: %v", err)

	// Other tables stay free.
	unlockOther, err := d2.Lock(ctx, "customers")
	if err != nil {
		t.Fatalf("Lock of another table: %v", err)
	}
	if err := unlockOther(); err != nil {
		t.Errorf("unlock: %v", err)
	}

	// Unlocked, the table can be taken, and unlock is idempotent.
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}
	unlock2, err := d2.Lock(ctx, "sales_orders")
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	if err := unlock2(); err != nil {
		t.Errorf("unlock: %v", err)
	}

	// Close gives every lock back.
	if _, err := d1.Lock(ctx, "items"); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := d1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	unlock3, err := d2.Lock(ctx, "items")
	if err != nil {
		t.Fatalf("Lock after the holder closed: %v", err)
	}
	unlock3()
}

// testConcurrent loads several tables at once through one destination.
func testConcurrent(t *testing.T, h Harness) {
	d := h.Open(t)
	ctx := context.Background()
	const tables = 4
	var wg sync.WaitGroup
	errs := make(chan error, tables)
	for i := range tables {
		tbl := orders(fmt.Sprintf("concurrent_%d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- loadBatches(ctx, d, tbl)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for i := range tables {
		tbl := orders(fmt.Sprintf("concurrent_%d", i))
		checkRows(t, h, d, tbl, orderRows("Company", 1, 300, 1, t1))
	}
}

// loadBatches prepares tbl and merges 300 rows in three batches.
func loadBatches(ctx context.Context, d connectors.Destination, tbl *connectors.Table) error {
	unlock, err := d.Lock(ctx, tbl.Name)
	if err != nil {
		return fmt.Errorf("Lock(%q): %w", tbl.Name, err)
	}
	defer unlock()
	if err := d.Prepare(ctx, tbl); err != nil {
		return fmt.Errorf("Prepare(%q): %w", tbl.Name, err)
	}
	for b := range 3 {
		rows := orderRows("Company", b*100+1, b*100+100, 1, t1)
		st := &connectors.State{Table: tbl.Name, Tenant: "Company"}
		if _, err := d.Merge(ctx, tbl, rows, nil, st); err != nil {
			return fmt.Errorf("Merge(%q) batch %d: %w", tbl.Name, b, err)
		}
		if st.Serial != int64(b+1) {
			return fmt.Errorf("Merge(%q) batch %d set Serial = %d; want %d",
				tbl.Name, b, st.Serial, b+1)
		}
	}
	return nil
}
