package acumaticatest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discard is a ResponseWriter that only counts, so the benchmark
// measures the fake, not a network or a client.
type discard struct {
	h http.Header
	n int64
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

// BenchmarkServePage serialises one page of 10,000 SalesOrders rows.
func BenchmarkServePage(b *testing.B) {
	s := New(Options{Rows: 100_000})
	uri := "/t/Company/api/odata/gi/SalesOrders?$top=10000&$skip=50000"
	b.ReportAllocs()
	var bytes int64
	for b.Loop() {
		req := httptest.NewRequest("GET", uri, nil)
		req.SetBasicAuth("admin", "123")
		w := &discard{h: http.Header{}}
		s.ServeHTTP(w, req)
		bytes = w.n
	}
	b.SetBytes(bytes)
	b.ReportMetric(float64(b.N)*10_000/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkKeysetPage serves a keyset page in (LastModifiedDateTime,
// keys) order from a million rows, over real HTTP.
func BenchmarkKeysetPage(b *testing.B) {
	s, base := NewServer(b, Options{Rows: 1_000_000})
	_ = s
	uri := base + "/t/Company/api/odata/gi/SalesOrders?$top=10000" +
		"&$orderby=LastModifiedDateTime,OrderType,OrderNbr" +
		"&$filter=LastModifiedDateTime%20gt%202025-06-01T00:00:00Z%20or%20" +
		"(LastModifiedDateTime%20eq%202025-06-01T00:00:00Z%20and%20OrderType%20gt%20'SO')"
	for b.Loop() {
		req, _ := http.NewRequest("GET", uri, nil)
		req.SetBasicAuth("admin", "123")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	b.ReportMetric(float64(b.N)*10_000/b.Elapsed().Seconds(), "rows/s")
}
