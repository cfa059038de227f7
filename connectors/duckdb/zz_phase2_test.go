package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
)

func TestZZPhases(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenPath(ctx, filepath.Join(t.TempDir(), "bench.duckdb"))
	defer d.Close()
	d.db.ExecContext(ctx, "SET memory_limit='128MB'")
	tb := salesOrders()
	d.Prepare(ctx, tb)
	st := &connectors.State{Table: tb.Name, Tenant: "Company", Address: "x"}
	rows := salesOrderRows(0, benchBatch)
	var tot [7]time.Duration
	for i := 0; i < 100; i++ {
		for j, row := range rows {
			row[1] = "SO" + strconv.Itoa(i*benchBatch+j)
		}
		var ts [8]time.Duration
		ts[0] = cpuTime()
		keys, _ := newKeyStage(tb)
		conn, _ := d.db.Conn(ctx)
		keys.create(ctx, conn, rows)
		ts[1] = cpuTime()
		appendable(ctx, conn, tb)
		ts[2] = cpuTime()
		var stored int64
		q := fmt.Sprintf("SELECT count(*) FROM %s k SEMI JOIN %s t ON %s",
			keys.ref(), ident(tb.Name), matchOn(tb.Key, "k", "t", "="))
		conn.QueryRowContext(ctx, q).Scan(&stored)
		ts[3] = cpuTime()
		conn.ExecContext(ctx, "BEGIN TRANSACTION")
		if err := appendRows(ctx, conn, "", tb, rows); err != nil {
			t.Fatal(err)
		}
		ts[4] = cpuTime()
		saveState(ctx, conn, st)
		ts[5] = cpuTime()
		conn.ExecContext(ctx, "COMMIT")
		ts[6] = cpuTime()
		keys.drop(conn)
		conn.Close()
		ts[7] = cpuTime()
		for k := range tot {
			tot[k] += ts[k+1] - ts[k]
		}
		if i%25 == 24 {
			t.Logf("%d: keys %v layout %v semi %v append %v state %v commit %v drop %v", i, tot[0], tot[1], tot[2], tot[3], tot[4], tot[5], tot[6])
		}
	}
}
