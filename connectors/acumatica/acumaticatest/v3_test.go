package acumaticatest

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/odata"
)

func toronto(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Skip(err)
	}
	return loc
}

// v3Path builds a v3 URL with query options (escaped as the connector
// escapes them: spaces as %20).
func v3Path(entity string, opts ...string) string {
	p := "/odata/Company/" + entity
	for i := 0; i+1 < len(opts); i += 2 {
		if i == 0 {
			p += "?"
		} else {
			p += "&"
		}
		p += opts[i] + "=" + odata.EscapeQuery(opts[i+1])
	}
	return p
}

func TestV3MetadataAndServiceDocument(t *testing.T) {
	_, base := NewServer(t, Options{Rows: 20})
	c := newClient(t, base)
	resp, body := c.do("GET", "/OData/Company/$metadata")
	if resp.StatusCode != 200 || resp.Header.Get("DataServiceVersion") != "3.0;" {
		t.Fatalf("$metadata: %d %v", resp.StatusCode, resp.Header)
	}
	md, err := odata.ParseMetadata(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if md.Version != odata.V3 {
		t.Errorf("version = %v; want v3", md.Version)
	}
	e, err := md.Entity("SalesOrders")
	if err != nil {
		t.Fatal(err)
	}
	lm, _ := e.Column("LastModifiedDateTime")
	if lm.SourceType != "Edm.DateTime" || lm.Type != connectors.TypeTimestamp {
		t.Errorf("LastModifiedDateTime = %+v; want Edm.DateTime", lm)
	}
	if strings.Contains(string(body), "DateTimeOffset") {
		t.Error("v3 $metadata mentions DateTimeOffset")
	}

	_, body = c.do("GET", "/odata/Company/")
	if !strings.Contains(string(body), `<collection href="SalesOrders">`) {
		t.Errorf("ATOM service document: %s", body)
	}
	_, body = c.do("GET", "/odata/Company/?$format=json")
	if !strings.HasPrefix(string(body), `{"odata.metadata":"http://`) ||
		!strings.Contains(string(body), `{"name":"PaymentTerms","url":"PaymentTerms"}`) {
		t.Errorf("JSON service document: %s", body)
	}
}

// TestV3Formats reads the same page as JSON light and as ATOM and
// expects the same rows, with JSON light's decimals as strings and
// date-times as wall times without an offset.
func TestV3Formats(t *testing.T) {
	loc := toronto(t)
	s, base := NewServer(t, Options{Rows: 300, Location: loc, FractionDigits: 7})
	c := newClient(t, base)
	cols := v3Columns(t, c, "SalesOrders")

	_, jsonBody := c.do("GET", v3Path("SalesOrders", "$format", "json"))
	text := string(jsonBody)
	for _, want := range []string{`{"odata.metadata":"http://`,
		`/odata/Company/$metadata#SalesOrders"`, `"OrderTotal":"`,
		`"Date":"20`, `T00:00:00"`, `\u001f`} {
		if !strings.Contains(text, want) {
			t.Errorf("JSON light lacks %s", want)
		}
	}
	if strings.Contains(text, `-05:00"`) || strings.Contains(text, `-04:00"`) {
		t.Error("JSON light date-time carries an offset")
	}
	resp, atomBody := c.do("GET", v3Path("SalesOrders"))
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("Content-Type = %q; want ATOM by default", ct)
	}
	for _, want := range []string{`<d:OrderTotal m:type="Edm.Decimal">`,
		`m:type="Edm.DateTime" m:null="true" />`, `&#x1f;`, `<d:OrderNbr>`} {
		if !strings.Contains(string(atomBody), want) {
			t.Errorf("ATOM lacks %s", want)
		}
	}

	opts := odata.DecodeOptions{Location: loc}
	var fromJSON, fromATOM [][]any
	if _, err := odata.NewDecoder(cols, opts).Decode(bytes.NewReader(jsonBody),
		func(r []any) error { fromJSON = append(fromJSON, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := odata.NewATOMDecoder(cols, opts).Decode(bytes.NewReader(atomBody),
		func(r []any) error { fromATOM = append(fromATOM, r); return nil }); err != nil {
		t.Fatal(err)
	}
	want := s.Rows("Company", "SalesOrders")
	if len(fromJSON) != len(want) || len(fromATOM) != len(want) {
		t.Fatalf("JSON %d rows, ATOM %d; want %d", len(fromJSON), len(fromATOM), len(want))
	}
	for i := range want {
		for j, c := range cols {
			a, b := fmtValue(fromJSON[i][j]), fmtValue(fromATOM[i][j])
			if a != b {
				t.Fatalf("row %d %s: JSON %s, ATOM %s", i, c.Name, a, b)
			}
			if w, ok := want[i][j].(time.Time); ok {
				// The wall time is what v3 carries.
				got := fromATOM[i][j].(time.Time)
				if got.In(loc).Format(time.DateTime+".9999999") !=
					w.In(loc).Format(time.DateTime+".9999999") {
					t.Fatalf("row %d %s = %v; want wall time of %v", i, c.Name, got, w)
				}
			}
		}
	}
	// Accept: application/json picks JSON light too.
	c.hc.Transport = acceptJSON{}
	if _, body := c.do("GET", v3Path("SalesOrders", "$top", "1")); !bytes.HasPrefix(body, []byte(`{"odata.metadata"`)) {
		t.Errorf("Accept: application/json answered %.60s", body)
	}
}

func v3Columns(t *testing.T, c *client, entity string) []connectors.Column {
	t.Helper()
	_, body := c.do("GET", "/odata/Company/$metadata")
	md, err := odata.ParseMetadata(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	e, err := md.Entity(entity)
	if err != nil {
		t.Fatal(err)
	}
	return e.Columns
}

func fmtValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// acceptJSON asks for JSON with the Accept header, as some v3 clients
// do instead of $format.
type acceptJSON struct{}

func (acceptJSON) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "application/json")
	return http.DefaultTransport.RoundTrip(r)
}

// TestV3FallBackData checks that a zone with daylight saving time gets
// rows in both passes of the repeated hour, which render alike.
func TestV3FallBackData(t *testing.T) {
	loc := toronto(t)
	s, _ := NewServer(t, Options{Rows: 500, Location: loc})
	lm := colIndex(s.Columns("SalesOrders"), "LastModifiedDateTime")
	first := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC) // 01:00 EDT
	var daylight, standard int
	for _, r := range s.Rows("Company", "SalesOrders") {
		at := r[lm].(time.Time)
		switch {
		case !at.Before(first) && at.Before(first.Add(time.Hour)):
			daylight++
		case !at.Before(first.Add(time.Hour)) && at.Before(first.Add(2*time.Hour)):
			standard++
		}
	}
	if daylight < 5 || standard < 5 {
		t.Errorf("rows in the repeated hour: %d daylight, %d standard; "+
			"want several of each", daylight, standard)
	}
	utc, _ := NewServer(t, Options{Rows: 500})
	if a, b := s.Rows("Company", "SalesOrders"), utc.Rows("Company", "SalesOrders"); len(a) != len(b) {
		t.Errorf("row counts differ: %d and %d", len(a), len(b))
	}
}

// TestV3Filters checks the v3 literals and how an ambiguous wall time
// is read.
func TestV3Filters(t *testing.T) {
	loc := toronto(t)
	for _, earlier := range []bool{false, true} {
		s, base := NewServer(t, Options{Rows: 500, Location: loc,
			FallBackEarlier: earlier})
		c := newClient(t, base)
		lm := colIndex(s.Columns("SalesOrders"), "LastModifiedDateTime")
		at := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC) // 01:30 EDT
		if !earlier {
			at = at.Add(time.Hour) // 01:30 EST
		}
		want := 0
		for _, r := range s.Rows("Company", "SalesOrders") {
			if !r[lm].(time.Time).Before(at) {
				want++
			}
		}
		rows := c.queryV3("SalesOrders", "$filter",
			"LastModifiedDateTime ge datetime'2026-11-01T01:30:00'")
		if len(rows) != want {
			t.Errorf("earlier=%v: ge 01:30 wall: %d rows; want %d", earlier,
				len(rows), want)
		}
	}

	_, base := NewServer(t, Options{Rows: 50})
	c := newClient(t, base)
	for _, f := range []string{
		"OrderTotal gt 12.5M", "LineCount ge 3L",
		"NoteID ne guid'0f8fad5b-d9cb-469f-a165-70867728950e'",
		"substringof('order', Description)",
		"CreatedDateTime lt datetime'2030-01-01T00:00:00.1234567'",
	} {
		if rows := c.queryV3("SalesOrders", "$filter", f); len(rows) == 0 {
			t.Errorf("$filter=%s: no rows", f)
		}
	}
	for _, tt := range []struct{ filter, want string }{
		{"LastModifiedDateTime ge 2026-01-01T00:00:00Z", "incompatible types"},
		{"LastModifiedDateTime ge datetimeoffset'2026-01-01T00:00:00Z'",
			"incompatible types"},
		{"contains(Description, 'x')", "Unknown function"},
		{"LastModifiedDateTime ge datetime'2026-01-01T00:00:00Z'",
			"Unrecognized 'Edm.DateTime' literal"},
	} {
		resp, body := c.do("GET", v3Path("SalesOrders", "$filter", tt.filter,
			"$format", "json"))
		if resp.StatusCode < 400 || !strings.Contains(string(body), tt.want) ||
			!strings.Contains(string(body), `"odata.error"`) {
			t.Errorf("$filter=%s: %d %s; want an odata.error with %q",
				tt.filter, resp.StatusCode, body, tt.want)
		}
	}
	resp, body := c.do("GET", v3Path("SalesOrders", "$filter", "Nope eq 1"))
	if resp.StatusCode != 500 || !strings.Contains(string(body), "<m:message") {
		t.Errorf("ATOM error: %d %s", resp.StatusCode, body)
	}
}

// queryV3 fetches an entity set as JSON light and returns its rows.
func (c *client) queryV3(entity string, opts ...string) []map[string]any {
	c.t.Helper()
	resp, body := c.do("GET", v3Path(entity, append(opts, "$format", "json")...))
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d %s", entity, resp.StatusCode, body)
	}
	return decodeRows(c.t, body)
}
