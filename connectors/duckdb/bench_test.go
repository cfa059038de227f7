package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// salesOrders is a table shaped like Acumatica's SalesOrders inquiry as
// the engine loads it: 21 source columns, _tenant and _synced_at.
func salesOrders() *connectors.Table {
	str := func(n string) connectors.Column {
		return connectors.Column{Name: n, Type: connectors.TypeString}
	}
	ts := func(n string) connectors.Column {
		return connectors.Column{Name: n, Type: connectors.TypeTimestamp}
	}
	dec := func(n string, p, s int) connectors.Column {
		return connectors.Column{Name: n, Type: connectors.TypeDecimal,
			Precision: p, Scale: s}
	}
	return &connectors.Table{Name: "sales_orders", Columns: []connectors.Column{
		str("OrderType"), str("OrderNbr"), str("CustomerID"),
		str("CustomerName"), str("Status"), ts("Date"), ts("RequestedOn"),
		str("Description"), str("CurrencyID"), dec("OrderQty", 19, 2),
		dec("OrderTotal", 19, 4), dec("TaxTotal", 19, 4),
		dec("PaidTotal", 0, connectors.VariableScale),
		{Name: "Approved", Type: connectors.TypeBool},
		{Name: "Hold", Type: connectors.TypeBool},
		{Name: "LineCount", Type: connectors.TypeInt, Bits: 32},
		{Name: "Priority", Type: connectors.TypeInt, Bits: 16},
		{Name: "NoteID", Type: connectors.TypeUUID},
		str("BranchID"), ts("CreatedDateTime"), ts("LastModifiedDateTime"),
		str(connectors.TenantColumn), ts(connectors.SyncedAtColumn),
	}, Key: []string{connectors.TenantColumn, "OrderType", "OrderNbr"}}
}

// salesOrderRows returns n rows of salesOrders with keys from first on,
// valued as the OData decoder delivers them.
func salesOrderRows(first, n int) [][]any {
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	synced := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	decimal := func(coeff int64, exp int32) apd.Decimal {
		return *apd.New(coeff, exp)
	}
	rows := make([][]any, n)
	for i := range rows {
		k := first + i
		t := base.Add(time.Duration(k) * 1237 * time.Millisecond)
		var note [16]byte
		note[0], note[1], note[15] = byte(k), byte(k>>8), byte(k>>16)
		rows[i] = []any{"SO", fmt.Sprintf("SO%07d", k),
			fmt.Sprintf("C%06d   ", k%9973), "Acme Trading Co.", "Open",
			t.Truncate(24 * time.Hour), nil, "Standard order",
			"USD", decimal(int64(100+k%49901), -2),
			decimal(int64(k)*12345, -4), decimal(int64(k)*1604, -4),
			decimal(int64(k)*7919+1, -7), k%8 != 0, false,
			int64(1 + k%250), int64(k % 10), note, "MAIN      ",
			t, t.Add(time.Hour), "Company", synced}
	}
	return rows
}

// BenchmarkConvert measures the conversion of row values into what the
// appender takes, per row of salesOrders.
func BenchmarkConvert(b *testing.B) {
	t := salesOrders()
	conv := make([]converter, len(t.Columns))
	for i, c := range t.Columns {
		conv[i] = converterFor(c, false)
	}
	rows := salesOrderRows(0, 1000)
	b.ReportAllocs()
	for b.Loop() {
		for _, row := range rows {
			for i, v := range row {
				if _, err := conv[i](v); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

// BenchmarkConvertDecimal measures one fixed-scale decimal conversion.
func BenchmarkConvertDecimal(b *testing.B) {
	conv := converterFor(connectors.Column{Type: connectors.TypeDecimal,
		Precision: 19, Scale: 4}, false)
	v := *apd.New(1234567891234, -4)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := conv(v); err != nil {
			b.Fatal(err)
		}
	}
}

// benchMerge merges batches of 10,000 rows, each with its state row, as
// a first load does; rows(i) returns the ith batch.
func benchMerge(b *testing.B, rows func(i int) [][]any) {
	ctx := context.Background()
	d, err := OpenPath(ctx, filepath.Join(b.TempDir(), "bench.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	t := salesOrders()
	if err := d.Prepare(ctx, t); err != nil {
		b.Fatal(err)
	}
	st := &connectors.State{Table: t.Name, Tenant: "Company",
		Address: "table.sales_orders"}
	n := 0
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		batch := rows(i)
		if _, err := d.Merge(ctx, t, batch, nil, st); err != nil {
			b.Fatal(err)
		}
		n += len(batch)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time the process used so far, which other
// processes on a busy machine disturb less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const benchBatch = 10_000

// BenchmarkMergeNew loads new keys into a growing table: the first load.
func BenchmarkMergeNew(b *testing.B) {
	rows := salesOrderRows(0, benchBatch)
	benchMerge(b, func(i int) [][]any {
		for j, row := range rows {
			row[1] = "SO" + strconv.Itoa(i*benchBatch+j)
		}
		return rows
	})
}

// BenchmarkMergeUnchanged merges the same batch again and again: rows
// equal to the stored ones, which must be left alone.
func BenchmarkMergeUnchanged(b *testing.B) {
	rows := salesOrderRows(0, benchBatch)
	benchMerge(b, func(int) [][]any { return rows })
}
