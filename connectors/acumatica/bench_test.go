package acumatica

import (
	"testing"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

// BenchmarkReadSalesOrders reads 20,000 SalesOrders rows from the fake
// over HTTP in pages of 1000; the fake's rendering is included.
func BenchmarkReadSalesOrders(b *testing.B) {
	const rows = 20000
	_, u := acumaticatest.NewServer(b, acumaticatest.Options{Rows: rows})
	cfg := testConfig(u, "Company")
	src, err := cfg.Open(b.Context(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	req := request(b, src, "SalesOrders", 1000)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := src.Read(b.Context(), req, func([]any) error {
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != rows {
			b.Fatalf("read %d rows; want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
