package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
)

func TestZZCheckpoint(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenPath(ctx, filepath.Join(t.TempDir(), "bench.duckdb"))
	defer d.Close()
	if v := os.Getenv("ZZ_SET"); v != "" {
		if _, err := d.db.ExecContext(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	d.db.ExecContext(ctx, "SET memory_limit='128MB'")
	tb := salesOrders()
	d.Prepare(ctx, tb)
	st := &connectors.State{Table: tb.Name, Tenant: "Company", Address: "x"}
	rows := salesOrderRows(0, benchBatch)
	c0, t0 := cpuTime(), time.Now()
	for i := 0; i < 100; i++ {
		for j, row := range rows {
			row[1] = "SO" + strconv.Itoa(i*benchBatch+j)
		}
		if _, err := d.Merge(ctx, tb, rows, nil, st); err != nil {
			t.Fatal(err)
		}
	}
	c1, t1 := cpuTime(), time.Now()
	d.db.ExecContext(ctx, "CHECKPOINT")
	t.Logf("%s: loop cpu %v wall %v; final checkpoint cpu %v wall %v", os.Getenv("ZZ_SET"), c1-c0, t1.Sub(t0), cpuTime()-c1, time.Since(t1))
}
