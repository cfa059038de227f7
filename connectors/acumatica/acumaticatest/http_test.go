package acumaticatest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	s, base := NewServer(t, Options{Tenants: []string{"Company", "Sub Co"}})
	tests := []struct {
		name       string
		user, pass string
		path       string
		want       int
	}{
		{"no credentials", "", "", "/t/Company/api/odata/gi/", 401},
		{"wrong password", "admin", "nope", "/t/Company/api/odata/gi/", 401},
		{"wrong user", "guest", "123", "/t/Company/api/odata/gi/", 401},
		// Unauthenticated requests are refused before routing, so a
		// typo in the tenant does not show.
		{"unknown tenant, no credentials", "", "", "/t/Nope/api/odata/gi/", 401},
		{"unknown path, no credentials", "", "", "/entity/Default/", 401},
		{"unknown tenant", "admin", "123", "/t/Nope/api/odata/gi/", 404},
		{"tenant is case-sensitive", "admin", "123", "/t/company/api/odata/gi/", 404},
		{"plus is not a space", "admin", "123", "/t/Sub+Co/api/odata/gi/", 404},
		{"space as %20", "admin", "123", "/t/Sub%20Co/api/odata/gi/", 200},
		{"path case-insensitive", "admin", "123", "/T/Company/API/OData/GI", 200},
		{"metadata", "admin", "123", "/t/Company/api/odata/gi/$metadata", 200},
		{"unknown path", "admin", "123", "/entity/Default/", 404},
		{"unknown entity", "admin", "123", "/t/Company/api/odata/gi/Nope", 404},
		{"entity case-insensitive", "admin", "123", "/t/Company/api/odata/gi/salesorders?$top=1", 200},
		{"key lookup", "admin", "123", "/t/Company/api/odata/gi/SalesOrders('SO')", 404},
	}
	for _, tt := range tests {
		c := newClient(t, base)
		c.user, c.pass = tt.user, tt.pass
		resp, body := c.do("GET", tt.path)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: GET %s = %d; want %d (%s)", tt.name, tt.path,
				resp.StatusCode, tt.want, body)
		}
		if tt.want == 401 {
			if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Basic realm=") {
				t.Errorf("%s: WWW-Authenticate = %q", tt.name, h)
			}
		}
		if tt.want >= 400 && !bytes.Contains(body, []byte(`{"error":{"code":"","message":`)) {
			t.Errorf("%s: body %s is not an OData error", tt.name, body)
		}
	}
	if s.Logins() == 0 {
		t.Error("Logins() = 0 after successful requests")
	}
}

func TestSessionCookieIsReused(t *testing.T) {
	s, base := NewServer(t, Options{Tenants: []string{"Company", "Sub Co"}})
	c := newClient(t, base)
	for range 5 {
		c.query("PaymentTerms")
	}
	if got := s.Logins(); got != 1 {
		t.Errorf("Logins() = %d after 5 requests with a cookie jar; want 1", got)
	}

	// The cookie alone is enough.
	c.user = ""
	c.query("PaymentTerms")
	if got := s.Logins(); got != 1 {
		t.Errorf("Logins() = %d after a cookie-only request; want 1", got)
	}

	// A session belongs to its tenant.
	c.tenant = "Sub Co"
	if resp, _ := c.do("GET", c.root()); resp.StatusCode != 401 {
		t.Errorf("cookie of Company used for Sub Co: %d; want 401", resp.StatusCode)
	}

	// Expired sessions need the credentials again.
	c.tenant = "Company"
	s.ExpireSessions()
	if resp, _ := c.do("GET", c.root()); resp.StatusCode != 401 {
		t.Errorf("expired cookie: %d; want 401", resp.StatusCode)
	}

	// Without a jar every request signs in again: the login flood
	// Acumatica licences suffer from, which tests can detect.
	fresh := newClient(t, base)
	fresh.hc.Jar = nil
	before := s.Logins()
	for range 3 {
		fresh.query("PaymentTerms")
	}
	if got := s.Logins() - before; got != 3 {
		t.Errorf("3 requests without cookies made %d logins; want 3", got)
	}
}

func TestServiceDocumentAndMetadata(t *testing.T) {
	_, base := NewServer(t, Options{Tenants: []string{"Sub Co"}})
	c := newClient(t, base)
	c.tenant = "Sub Co"
	_, body := c.do("GET", c.root())
	var doc struct {
		Context string `json:"@odata.context"`
		Value   []struct{ Name, Kind, URL string }
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if want := base + "/t/Sub%20Co/api/odata/gi/$metadata"; doc.Context != want {
		t.Errorf("@odata.context = %q; want %q", doc.Context, want)
	}
	var names []string
	for _, v := range doc.Value {
		names = append(names, v.Name)
		if v.Kind != "EntitySet" || v.URL != v.Name {
			t.Errorf("service document entry %+v", v)
		}
	}
	if want := []string{"SalesOrders", "Customers", "PaymentTerms"}; !slices.Equal(names, want) {
		t.Errorf("entity sets = %v; want %v", names, want)
	}

	resp, body := c.do("GET", c.root()+"$metadata")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Errorf("$metadata Content-Type = %q", ct)
	}
	var edmx struct {
		Version string `xml:"Version,attr"`
		Schema  struct {
			Namespace string `xml:"Namespace,attr"`
			Types     []struct {
				Name string `xml:"Name,attr"`
				Keys []struct {
					Name string `xml:"Name,attr"`
				} `xml:"Key>PropertyRef"`
				Props []struct {
					Name     string `xml:"Name,attr"`
					Type     string `xml:"Type,attr"`
					Nullable string `xml:"Nullable,attr"`
					Scale    string `xml:"Scale,attr"`
				} `xml:"Property"`
			} `xml:"EntityType"`
			Container struct {
				Name string `xml:"Name,attr"`
				Sets []struct {
					Name       string `xml:"Name,attr"`
					EntityType string `xml:"EntityType,attr"`
				} `xml:"EntitySet"`
			} `xml:"EntityContainer"`
		} `xml:"DataServices>Schema"`
	}
	if err := xml.Unmarshal(body, &edmx); err != nil {
		t.Fatalf("$metadata is not XML: %v", err)
	}
	sch := edmx.Schema
	if edmx.Version != "4.0" || sch.Namespace != "GenericInquiry" || sch.Container.Name != "Default" {
		t.Errorf("edmx %s, namespace %s, container %s", edmx.Version, sch.Namespace, sch.Container.Name)
	}
	wantKeys := map[string][]string{
		"SalesOrders":  {"OrderType", "OrderNbr"},
		"Customers":    {"CustomerID"},
		"PaymentTerms": {"TermsID"},
	}
	for _, et := range sch.Types {
		var keys []string
		for _, k := range et.Keys {
			keys = append(keys, k.Name)
		}
		if !slices.Equal(keys, wantKeys[et.Name]) {
			t.Errorf("%s keys = %v; want %v", et.Name, keys, wantKeys[et.Name])
		}
		var scales []string
		for _, p := range et.Props {
			if p.Type == "Edm.Decimal" {
				scales = append(scales, p.Name+":"+p.Scale)
			}
			if slices.Contains(keys, p.Name) != (p.Nullable == "false") {
				t.Errorf("%s.%s Nullable=%q", et.Name, p.Name, p.Nullable)
			}
		}
		if et.Name == "SalesOrders" {
			want := []string{"OrderQty:2", "OrderTotal:4", "TaxTotal:4", "PaidTotal:Variable"}
			if !slices.Equal(scales, want) {
				t.Errorf("SalesOrders decimal scales = %v; want %v", scales, want)
			}
		}
	}
	for _, set := range sch.Container.Sets {
		if set.EntityType != "GenericInquiry."+set.Name {
			t.Errorf("EntitySet %s has EntityType %s", set.Name, set.EntityType)
		}
	}
}

func TestQueryOptions(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 300})
	c := newClient(t, base)
	cols := s.Columns("SalesOrders")
	all := s.Rows("Company", "SalesOrders")
	keys := keysOf(cols, all)

	// Without $orderby rows come in key order.
	if got := servedKeys(t, cols, c.query("SalesOrders")); !slices.Equal(got, keys) {
		t.Errorf("default order differs from key order")
	}
	if got := servedKeys(t, cols, c.query("SalesOrders", "$top", "10", "$skip", "95")); !slices.Equal(got, keys[95:105]) {
		t.Errorf("$top=10&$skip=95 = %v; want %v", got, keys[95:105])
	}
	if got := c.query("SalesOrders", "$top", "0"); len(got) != 0 {
		t.Errorf("$top=0 returned %d rows", len(got))
	}
	if got := c.query("SalesOrders", "$skip", "1000"); len(got) != 0 {
		t.Errorf("$skip past the end returned %d rows", len(got))
	}

	// $select returns only the named properties, in $metadata order.
	rows := c.query("SalesOrders", "$select", "OrderTotal, OrderNbr,OrderType", "$top", "1")
	var names []string
	for k := range rows[0] {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"OrderNbr", "OrderTotal", "OrderType"}; !slices.Equal(names, want) {
		t.Errorf("$select returned %v; want %v", names, want)
	}
	_, body := c.do("GET", c.entityPath("SalesOrders", "$select", "OrderTotal,OrderNbr", "$top", "1"))
	if want := `$metadata#SalesOrders(OrderNbr,OrderTotal)","value":[{"OrderNbr":`; !bytes.Contains(body, []byte(want)) {
		t.Errorf("$select body %s; want it to contain %s", body, want)
	}

	// $orderby: descending, several keys, strings by collation.
	got := c.query("SalesOrders", "$orderby", "CustomerID desc,OrderNbr", "$select", "CustomerID,OrderNbr")
	for i := 1; i < len(got); i++ {
		a, b := got[i-1]["CustomerID"].(string), got[i]["CustomerID"].(string)
		if a < b || a == b && got[i-1]["OrderNbr"].(string) > got[i]["OrderNbr"].(string) {
			t.Fatalf("$orderby=CustomerID desc,OrderNbr: row %d (%s) after (%s)", i, b, a)
		}
	}
	got = c.query("SalesOrders", "$orderby", "LastModifiedDateTime desc", "$top", "5")
	want := orderedByTracking(cols, all)
	last := normalize(t, cols, got[0])
	if !sameValue(last[colIndex(cols, "LastModifiedDateTime")],
		want[len(want)-1][colIndex(cols, "LastModifiedDateTime")]) {
		t.Errorf("$orderby desc does not start at the newest row")
	}

	// The page is the rows Rows() reports, value for value.
	for i, m := range c.query("SalesOrders", "$top", "50") {
		if got := normalize(t, cols, m); !sameRow(got, all[i]) {
			t.Fatalf("row %d served as\n%v\nRows() has\n%v", i, got, all[i])
		}
	}
	if got := c.query("SalesOrders", "$format", "json", "locale", "fr-FR", "$top", "1"); len(got) != 1 {
		t.Errorf("$format=json with a custom option returned %d rows", len(got))
	}
}

func TestQueryErrors(t *testing.T) {
	_, base := NewServer(t, Options{Rows: 20})
	c := newClient(t, base)
	tests := []struct {
		entity string
		opts   []string
		status int
		want   string
	}{
		{"SalesOrders", []string{"$expand", "Lines"}, 500, "The query parameter '$expand' is not supported."},
		{"SalesOrders", []string{"$count", "true"}, 500, "The query parameter '$count' is not supported."},
		{"SalesOrders", []string{"$apply", "groupby((Status))"}, 500, "'$apply' is not supported"},
		{"SalesOrders", []string{"$select", "OrderNbr,Bogus"}, 500,
			"Could not find a property named 'Bogus' on type 'GenericInquiry.SalesOrders'."},
		{"Customers", []string{"$orderby", "Bogus desc"}, 500,
			"Could not find a property named 'Bogus' on type 'GenericInquiry.Customers'."},
		{"SalesOrders", []string{"$orderby", "OrderNbr sideways"}, 500, "Syntax error"},
		{"SalesOrders", []string{"$filter", "Bogus eq 1"}, 500, "Could not find a property named 'Bogus'"},
		{"SalesOrders", []string{"$filter", "LastModifiedDateTime gt datetimeoffset'2024-01-01T00:00:00Z'"}, 500,
			"Unrecognized 'Edm.String' literal 'datetimeoffset'2024-01-01T00:00:00Z''"},
		{"SalesOrders", []string{"$top", "-1"}, 500, "Invalid value '-1' for $top query option found."},
		{"SalesOrders", []string{"$skip", "x"}, 500, "Invalid value 'x' for $skip query option found."},
		{"SalesOrders", []string{"$format", "atom"}, 406, "The requested format 'atom' is not supported."},
		{"Nope", nil, 404, "Resource not found for the segment 'Nope'."},
	}
	for _, tt := range tests {
		status, msg := c.queryError(tt.entity, tt.opts...)
		if status != tt.status || !strings.Contains(msg, tt.want) {
			t.Errorf("GET %s %v = %d %q; want %d %q", tt.entity, tt.opts,
				status, msg, tt.status, tt.want)
		}
	}
	resp, body := c.do("GET", c.root()+"SalesOrders?$top=1&$top=2")
	if resp.StatusCode != 500 || !bytes.Contains(body, []byte("specified more than once")) {
		t.Errorf("repeated $top: %d %s", resp.StatusCode, body)
	}
	resp, _ = c.do("POST", c.root()+"SalesOrders")
	if resp.StatusCode != 405 {
		t.Errorf("POST entity set: %d; want 405", resp.StatusCode)
	}
}

func TestRendering(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Skip(err)
	}
	s, base := NewServer(t, Options{Rows: 500, Location: toronto, FractionDigits: 7})
	c := newClient(t, base)
	_, body := c.do("GET", c.entityPath("SalesOrders", "$select",
		"LastModifiedDateTime,Date,OrderTotal,PaidTotal,Description,NoteID"))
	text := string(body)
	for _, want := range []string{
		`-05:00"`, `-04:00"`, // both sides of daylight saving time
		`T00:00:00-05:00"`, // Date is local midnight
		`"PaidTotal":null`, `"PaidTotal":0.0000000001`,
		`"Description":null`, `\u00e9`, `\ud83d\ude9a`, `\"Big\"`, `\\office`, `\n`, `\u001f`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered rows lack %s", want)
		}
	}
	if strings.Contains(text, `Z"`) {
		t.Error("rendered a Z offset; .NET writes +00:00")
	}
	// Seven fraction digits appear when FractionDigits is 7.
	lm := colIndex(s.Columns("SalesOrders"), "LastModifiedDateTime")
	seven := 0
	for _, r := range s.Rows("Company", "SalesOrders") {
		if r[lm].(time.Time).Nanosecond()%1000 != 0 {
			seven++
		}
	}
	if seven == 0 {
		t.Error("no LastModifiedDateTime uses 100 ns precision")
	}
	// Decimals keep their scale.
	for _, m := range c.query("SalesOrders", "$select", "OrderTotal", "$top", "20") {
		v := string(m["OrderTotal"].(json.Number))
		if i := strings.IndexByte(v, '.'); i < 0 || len(v)-i-1 != 4 {
			t.Errorf("OrderTotal %s does not have 4 decimals", v)
		}
	}
}

func TestDeterminism(t *testing.T) {
	fetch := func(opts Options, tenant string) []byte {
		_, base := NewServer(t, opts)
		c := newClient(t, base)
		c.tenant = tenant
		_, body := c.do("GET", c.entityPath("SalesOrders"))
		_, cust := c.do("GET", c.entityPath("Customers"))
		// The context URL carries the random port.
		return bytes.ReplaceAll(append(body, cust...), []byte(base), nil)
	}
	two := []string{"Company", "Sub Co"}
	a := fetch(Options{Rows: 300, Tenants: two}, "Company")
	if b := fetch(Options{Rows: 300, Tenants: two}, "Company"); !bytes.Equal(a, b) {
		t.Error("same options served different bytes")
	}
	if b := fetch(Options{Rows: 300, Tenants: []string{"Company"}}, "Company"); !bytes.Equal(a, b) {
		t.Error("a tenant's data depends on the other tenants")
	}
	if b := fetch(Options{Rows: 300, Tenants: two}, "Sub Co"); bytes.Equal(a, b) {
		t.Error("two tenants have the same data")
	}
	if b := fetch(Options{Rows: 300, Tenants: two, Seed: 2}, "Company"); bytes.Equal(a, b) {
		t.Error("seeds 1 and 2 gave the same data")
	}
}

func TestFaults(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 50})
	c := newClient(t, base)
	path := c.entityPath("SalesOrders", "$top", "1")

	s.SetFaults(Faults{FailStatus: 429, FailCount: 2, RetryAfter: "3"})
	for i := range 2 {
		resp, body := c.do("GET", path)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
			t.Errorf("failure %d: %d Retry-After %q %s", i, resp.StatusCode,
				resp.Header.Get("Retry-After"), body)
		}
	}
	// $metadata is never failed; the third data request succeeds.
	if resp, _ := c.do("GET", c.root()+"$metadata"); resp.StatusCode != 200 {
		t.Errorf("$metadata during faults: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", path); resp.StatusCode != 200 {
		t.Errorf("after FailCount: %d; want 200", resp.StatusCode)
	}

	s.SetFaults(Faults{FailStatus: 503})
	for range 3 {
		if resp, _ := c.do("GET", path); resp.StatusCode != 503 {
			t.Errorf("FailCount 0: %d; want 503 every time", resp.StatusCode)
		}
	}

	s.SetFaults(Faults{EmptyBody200: true})
	if resp, body := c.do("GET", path); resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("EmptyBody200: %d with %d bytes", resp.StatusCode, len(body))
	}

	s.SetFaults(Faults{HTMLError: true, FailStatus: 500})
	resp, body := c.do("GET", path)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!bytes.HasPrefix(body, []byte("<!DOCTYPE html>")) {
		t.Errorf("HTMLError: %s %.60s", resp.Header.Get("Content-Type"), body)
	}

	s.SetFaults(Faults{Delay: 50 * time.Millisecond})
	start := time.Now()
	c.do("GET", path)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("Delay 50ms answered in %v", d)
	}
	s.SetFaults(Faults{})
}

func TestOnPageAndRequests(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 50, Tenants: []string{"Company", "Sub Co"}})
	c := newClient(t, base)
	var mu sync.Mutex
	var calls []string
	release := make(chan struct{})
	s.OnPage(func(tenant, entity string, page int) {
		mu.Lock()
		calls = append(calls, tenant+"/"+entity+"/"+string(rune('0'+page)))
		mu.Unlock()
		if page == 3 {
			<-release // holds the third page until the test lets go
		}
	})
	c.query("SalesOrders", "$top", "1")
	c.query("SalesOrders", "$top", "1")
	done := make(chan struct{})
	go func() {
		c.query("SalesOrders", "$top", "1")
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("page 3 was answered while its hook blocked")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-done
	c.query("Customers")
	c.do("GET", c.root()+"$metadata")
	want := []string{"Company/SalesOrders/1", "Company/SalesOrders/2",
		"Company/SalesOrders/3", "Company/Customers/1"}
	if !slices.Equal(calls, want) {
		t.Errorf("OnPage calls = %v; want %v", calls, want)
	}
	reqs := s.Requests()
	wantReqs := []string{"/t/Company/api/odata/gi/SalesOrders?%24top=1",
		"/t/Company/api/odata/gi/SalesOrders?%24top=1",
		"/t/Company/api/odata/gi/SalesOrders?%24top=1",
		"/t/Company/api/odata/gi/Customers",
		"/t/Company/api/odata/gi/$metadata"}
	if !slices.Equal(reqs, wantReqs) {
		t.Errorf("Requests() = %v; want %v", reqs, wantReqs)
	}
}

func TestGzip(t *testing.T) {
	_, base := NewServer(t, Options{Rows: 200, Gzip: true})
	get := func(path string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.SetBasicAuth("admin", "123")
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	resp, body := get("/t/Company/api/odata/gi/SalesOrders")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("large response not compressed: %v", resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if rows := decodeRows(t, plain); len(rows) != 200 {
		t.Errorf("decompressed %d rows; want 200", len(rows))
	}
	resp, _ = get("/t/Company/api/odata/gi/PaymentTerms?$top=1")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("response under 860 bytes was compressed")
	}
}

func TestControlSurface(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 100, Tenants: []string{"Company", "Sub Co"}})
	post := func(path, body string) map[string]any {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Errorf("POST %s: %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	tenant := url.QueryEscape("Sub Co")
	if got := post("/_fake/touch?tenant="+tenant+"&entity=SalesOrders&n=7", ""); got["changed"] != 7.0 {
		t.Errorf("touch: %v", got)
	}
	if got := post("/_fake/insert?tenant="+tenant+"&entity=Customers&n=3", ""); got["changed"] != 3.0 {
		t.Errorf("insert: %v", got)
	}
	if got := post("/_fake/tie?entity=SalesOrders&n=2", ""); got["changed"] != 2.0 {
		t.Errorf("tie: %v", got)
	}
	if got := post("/_fake/advance?d=1h30m", ""); got["now"] != "2026-11-02T10:30:00Z" {
		t.Errorf("advance: %v", got)
	}
	post("/_fake/faults", `{"failStatus":503,"FailCount":1,"retryAfter":"5","delay":"1ms"}`)
	if f := s.Faults(); f.FailStatus != 503 || f.FailCount != 1 || f.Delay != time.Millisecond {
		t.Errorf("faults set to %+v", f)
	}
	if got := len(s.Rows("Sub Co", "Customers")); got != 13 {
		t.Errorf("Customers rows after insert = %d; want 13", got)
	}
	resp, err := http.Get(base + "/_fake/rows?entity=PaymentTerms&limit=2")
	if err != nil {
		t.Fatal(err)
	}
	var rows struct {
		Columns []string
		Rows    [][]any
	}
	json.NewDecoder(resp.Body).Decode(&rows)
	resp.Body.Close()
	if len(rows.Rows) != 2 || rows.Columns[0] != "TermsID" {
		t.Errorf("rows: %+v", rows)
	}
	resp, _ = http.Post(base+"/_fake/touch?entity=Nope", "", nil)
	if resp.StatusCode != 404 {
		t.Errorf("touch of an unknown entity: %d", resp.StatusCode)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("control requests were recorded: %v", s.Requests())
	}
}
