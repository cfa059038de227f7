package acumatica

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

// cutWriter passes the first limit bytes of a response, then drops the
// connection.
type cutWriter struct {
	http.ResponseWriter
	limit int
}

func (w *cutWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		w.ResponseWriter.Write(p[:w.limit])
		w.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	w.limit -= len(p)
	return w.ResponseWriter.Write(p)
}

func TestDroppedConnectionResumesAfterLastRow(t *testing.T) {
	fake := acumaticatest.New(acumaticatest.Options{Rows: 120})
	var data atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/SalesOrders") &&
			data.Add(1) == 2 {
			w = &cutWriter{ResponseWriter: w, limit: 9000}
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	src, log := open(t, testConfig(srv.URL, "Company"))
	req := request(t, src, "SalesOrders", 50)
	rows, err := readAll(t, src, req)
	if err != nil {
		t.Fatal(err)
	}
	compareWithFake(t, fake, "Company", "SalesOrders", req, rows)
	if !strings.Contains(log.String(), "request failed, retrying") {
		t.Errorf("no retry logged:\n%s", log.String())
	}
}

func TestTimeout(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 10})
	cfg := testConfig(u, "Company")
	cfg.Timeout = 200 * time.Millisecond
	src, _ := open(t, cfg)
	req := request(t, src, "SalesOrders", 5)
	fake.SetFaults(acumaticatest.Faults{Delay: time.Second})
	_, err := readAll(t, src, req)
	if err == nil || !strings.Contains(err.Error(), "no response within 200ms") {
		t.Errorf("Read() = %v; want a timeout naming the limit", err)
	}
}

// fixtureServer serves a $metadata document and answers data requests
// with pages, recording the request URIs.
func fixtureServer(t *testing.T, metadata string, pages func(n int, r *http.Request) string) (string, *[]string) {
	t.Helper()
	md, err := os.ReadFile("../odata/testdata/" + metadata)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "$metadata") {
			w.Write(md)
			return
		}
		uris = append(uris, r.URL.RequestURI())
		n++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, pages(n, r))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &uris
}

func TestNextLinksAreFollowed(t *testing.T) {
	u, uris := fixtureServer(t, "gi.v4.metadata.xml", func(n int, r *http.Request) string {
		switch n {
		case 1:
			return `{"value":[{"CustomerID":"A"},{"CustomerID":"B"}],
				"@odata.nextLink":"Customer%20Contacts?$skiptoken=B"}`
		case 2:
			return `{"value":[{"CustomerID":"C"}]}`
		}
		return `{"value":[]}`
	})
	src, _ := open(t, testConfig(u, "Company"))
	rows, err := readAll(t, src, &connectors.ReadRequest{
		Entity: "Customer Contacts", Columns: []string{"CustomerID"},
		PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2][0] != "C" {
		t.Errorf("rows = %v", rows)
	}
	// Three rows make a full page: one more keyset request after C.
	want := []string{
		"/t/Company/api/odata/gi/Customer%20Contacts?$select=CustomerID&$orderby=CustomerID&$top=3",
		"/t/Company/api/odata/gi/Customer%20Contacts?$skiptoken=B",
		"/t/Company/api/odata/gi/Customer%20Contacts?$select=CustomerID&$filter=(CustomerID%20gt%20'C')&$orderby=CustomerID&$top=3",
	}
	if strings.Join(*uris, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests =\n%s\nwant\n%s", strings.Join(*uris, "\n"),
			strings.Join(want, "\n"))
	}
}

func TestNoProgressIsAnError(t *testing.T) {
	u, _ := fixtureServer(t, "gi.v4.metadata.xml", func(int, *http.Request) string {
		return `{"value":[{"CustomerID":"A"},{"CustomerID":"B"}]}`
	})
	src, _ := open(t, testConfig(u, "Company"))
	_, err := readAll(t, src, &connectors.ReadRequest{
		Entity: "Customer Contacts", Columns: []string{"CustomerID"},
		PageSize: 2})
	if err == nil || !strings.Contains(err.Error(), "does not apply the keyset filter") {
		t.Errorf("Read() = %v; want a no-progress error", err)
	}
}

func TestODataV3WallTimes(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	u, uris := fixtureServer(t, "gi.v3.metadata.xml", func(int, *http.Request) string {
		return `{"odata.metadata":"x","value":[
			{"InventoryID":"A","QtyOnHand":"1.500000","LastModifiedOn":"2024-07-01T12:00:00.1234567"}]}`
	})
	cfg := testConfig(u, "Company")
	cfg.Endpoint = EndpointODataV3
	cfg.Location = toronto
	src, _ := open(t, cfg)
	req := &connectors.ReadRequest{Entity: "StockItems",
		Columns: []string{"InventoryID", "QtyOnHand", "LastModifiedOn"},
		Key:     []string{"InventoryID"}, Tracking: "LastModifiedOn",
		Since: time.Date(2024, 7, 1, 16, 0, 0, 0, time.UTC), PageSize: 10}
	rows, err := readAll(t, src, req)
	if err != nil {
		t.Fatal(err)
	}
	at := rows[0][2].(time.Time)
	if want := time.Date(2024, 7, 1, 16, 0, 0, 123456700, time.UTC); !at.Equal(want) {
		t.Errorf("LastModifiedOn = %v; want %v", at, want)
	}
	want := "/odata/Company/StockItems?$select=InventoryID,QtyOnHand,LastModifiedOn" +
		"&$filter=LastModifiedOn%20ge%20datetime'2024-07-01T12:00:00'" +
		"&$orderby=LastModifiedOn,InventoryID&$top=10&$format=json"
	if (*uris)[0] != want {
		t.Errorf("request = %s\nwant      %s", (*uris)[0], want)
	}
	// The next keyset position is written back as the same wall time.
	req.After = []any{at, "A"}
	if got := src.Request(req); !strings.Contains(got,
		"LastModifiedOn gt datetime'2024-07-01T12:00:00.1234567'") {
		t.Errorf("Request() = %s", got)
	}
}

func TestWidenFallBack(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	// 2024-11-03: 01:00-02:00 EDT, then 01:00-02:00 EST again.
	firstOne := time.Date(2024, 11, 3, 5, 0, 0, 0, time.UTC) // 01:00 EDT
	tests := []struct {
		in, want time.Time
	}{
		{firstOne.Add(-time.Minute), firstOne.Add(-time.Minute)}, // 00:59 EDT
		// Inside the repeated hour: one second before its first pass,
		// 00:59:59, a wall time that is not ambiguous.
		{firstOne.Add(30 * time.Minute), firstOne.Add(-time.Second)}, // 01:30 EDT
		{firstOne.Add(90 * time.Minute), firstOne.Add(-time.Second)}, // 01:30 EST
		{firstOne.Add(2 * time.Hour), firstOne.Add(2 * time.Hour)},
		{time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := widenFallBack(tt.in, toronto); !got.Equal(tt.want) {
			t.Errorf("widenFallBack(%v) = %v; want %v", tt.in.In(toronto),
				got.In(toronto), tt.want.In(toronto))
		}
	}
	if got := widenFallBack(firstOne, time.UTC); !got.Equal(firstOne) {
		t.Errorf("UTC bound moved to %v", got)
	}
}

func TestBadResumePosition(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 10})
	src, _ := open(t, testConfig(u, "Company"))
	req := request(t, src, "SalesOrders", 5)
	before := len(fake.Requests())
	for _, after := range [][]any{
		{time.Now(), "SO", "SO1", "extra"},
		{struct{}{}},
	} {
		req.After = after
		if _, err := readAll(t, src, req); err == nil {
			t.Errorf("Read(After=%v) succeeded", after)
		}
	}
	if n := len(fake.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for invalid positions; want 0", n)
	}
}
