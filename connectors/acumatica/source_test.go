package acumatica

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

// testConfig is a configuration for the fake at instance URL u, with
// fast retries.
func testConfig(u, tenant string) *Config {
	cfg := NewConfig(u, tenant)
	cfg.Auth = Auth{Type: AuthBasic, Username: "admin", Password: "123"}
	cfg.Timeout = 10 * time.Second
	cfg.retry = &retryPolicy{attempts: 5, base: 5 * time.Millisecond,
		max: 2 * time.Second}
	return cfg
}

// open opens a source and closes it when the test ends. Its log goes to
// the returned buffer.
func open(t *testing.T, cfg *Config) (connectors.Source, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug}))
	src, err := cfg.Open(t.Context(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src, buf
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// readAll reads req to the end.
func readAll(t *testing.T, src connectors.Source, req *connectors.ReadRequest) ([][]any, error) {
	t.Helper()
	var rows [][]any
	err := src.Read(t.Context(), req, func(row []any) error {
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// request builds a read of every column of entity, tracked by
// LastModifiedDateTime when the entity has it.
func request(tb testing.TB, src connectors.Source, entity string, pageSize int) *connectors.ReadRequest {
	tb.Helper()
	e, err := src.Entity(tb.Context(), entity)
	if err != nil {
		tb.Fatal(err)
	}
	req := &connectors.ReadRequest{Entity: entity, Columns: e.ColumnNames(),
		Key: e.Key, PageSize: pageSize}
	if _, ok := e.Column("LastModifiedDateTime"); ok {
		req.Tracking = "LastModifiedDateTime"
	}
	return req
}

// text renders a decoded value the way the fake's Rows does, for exact
// comparison: decimals as their exact text, GUIDs as lowercase text.
func text(v any) any {
	switch v := v.(type) {
	case apd.Decimal:
		return v.Text('f')
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:])
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case string:
		return v
	}
	return v
}

func want(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case string:
		if len(v) == 36 && strings.Count(v, "-") == 4 {
			return strings.ToLower(v)
		}
	}
	return v
}

// compareWithFake checks that rows are exactly the fake's rows of the
// entity, in any order.
func compareWithFake(t *testing.T, fake *acumaticatest.Service, tenant, entity string, req *connectors.ReadRequest, rows [][]any) {
	t.Helper()
	cols := fake.Columns(entity)
	var keyIdx []int
	for i, c := range cols {
		if c.Key {
			keyIdx = append(keyIdx, i)
		}
	}
	keyOf := func(row []any, conv func(any) any) string {
		var parts []string
		for _, i := range keyIdx {
			parts = append(parts, fmt.Sprint(conv(row[i])))
		}
		return strings.Join(parts, "|")
	}
	expected := map[string][]any{}
	for _, r := range fake.Rows(tenant, entity) {
		expected[keyOf(r, want)] = r
	}
	if len(rows) != len(expected) {
		t.Errorf("%s: read %d rows; the fake has %d", entity, len(rows),
			len(expected))
	}
	seen := map[string]bool{}
	for n, row := range rows {
		if len(row) != len(cols) {
			t.Fatalf("%s row %d has %d values; want %d", entity, n, len(row), len(cols))
		}
		k := keyOf(row, text)
		if seen[k] {
			t.Errorf("%s: row %s read twice", entity, k)
		}
		seen[k] = true
		exp, ok := expected[k]
		if !ok {
			t.Errorf("%s: row %s is not in the fake", entity, k)
			continue
		}
		for i := range cols {
			if g, w := text(row[i]), want(exp[i]); g != w {
				t.Errorf("%s row %s column %s = %#v; want %#v", entity, k,
					cols[i].Name, g, w)
			}
		}
	}
}

func TestReadEveryEntity(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 300,
		FractionDigits: 7, Gzip: true})
	fake.InsertTied("Company", "SalesOrders", 25)
	fake.InsertTied("Company", "Customers", 12)
	src, _ := open(t, testConfig(u, "Company"))
	for _, entity := range []string{"SalesOrders", "Customers", "PaymentTerms"} {
		t.Run(entity, func(t *testing.T) {
			req := request(t, src, entity, 7)
			rows, err := readAll(t, src, req)
			if err != nil {
				t.Fatal(err)
			}
			compareWithFake(t, fake, "Company", entity, req, rows)
		})
	}
	if n := fake.Logins(); n != 1 {
		t.Errorf("Logins() = %d; want 1 (session cookies reused)", n)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r, "$skip") {
			t.Errorf("request pages with $skip: %s", r)
		}
	}
}

func TestReadOrderAndResume(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 200})
	fake.InsertTied("Company", "SalesOrders", 30)
	src, _ := open(t, testConfig(u, "Company"))
	req := request(t, src, "SalesOrders", 9)
	req.Columns = []string{"OrderNbr", "OrderTotal"} // keys and tracking not selected
	all, err := readAll(t, src, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(fake.Rows("Company", "SalesOrders")) {
		t.Fatalf("read %d rows; want %d", len(all),
			len(fake.Rows("Company", "SalesOrders")))
	}
	for _, r := range all {
		if len(r) != 2 || cap(r) != 2 {
			t.Fatalf("row %v: want exactly the 2 requested columns", r)
		}
	}

	// Stop after 50 rows, then resume after the 50th with After.
	full := request(t, src, "SalesOrders", 9)
	full.Columns = []string{"LastModifiedDateTime", "OrderType", "OrderNbr"}
	var first [][]any
	stop := errors.New("stop")
	err = src.Read(t.Context(), full, func(row []any) error {
		first = append(first, row)
		if len(first) == 50 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("Read() = %v; want the callback's error unchanged", err)
	}
	resume := *full
	resume.After = first[49]
	rest, err := readAll(t, src, &resume)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(first) + len(rest); got != len(all) {
		t.Errorf("50 + resumed %d = %d rows; want %d", len(rest), got, len(all))
	}
	prev := first[49]
	for _, r := range rest {
		if !after(r, prev) {
			t.Fatalf("row %v does not come after %v", r, prev)
		}
		prev = r
	}
}

// after reports whether row a comes strictly after b in (time, keys...)
// order, keys compared as the fake does (trailing spaces ignored).
func after(a, b []any) bool {
	ta, tb := a[0].(time.Time), b[0].(time.Time)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	for i := 1; i < len(a); i++ {
		x := strings.ToLower(strings.TrimRight(a[i].(string), " "))
		y := strings.ToLower(strings.TrimRight(b[i].(string), " "))
		if x != y {
			return x > y
		}
	}
	return false
}

func TestReadSince(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 200,
		FractionDigits: 7})
	src, _ := open(t, testConfig(u, "Company"))
	rows := fake.Rows("Company", "SalesOrders")
	cols := fake.Columns("SalesOrders")
	lm := -1
	for i, c := range cols {
		if c.Name == "LastModifiedDateTime" {
			lm = i
		}
	}
	// Take a watermark exactly equal to some row's time: inclusive bound.
	since := rows[len(rows)/2][lm].(time.Time)
	wantN := 0
	for _, r := range rows {
		if !r[lm].(time.Time).Before(since) {
			wantN++
		}
	}
	req := request(t, src, "SalesOrders", 11)
	req.Since = since
	got, err := readAll(t, src, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != wantN {
		t.Errorf("read %d rows since %v; want %d", len(got), since, wantN)
	}
}

func TestRequestMatchesWhatIsSent(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 50,
		Tenants: []string{"Sub Co"}})
	src, _ := open(t, testConfig(u, "Sub Co"))
	req := request(t, src, "SalesOrders", 20)
	req.Columns = []string{"OrderType", "OrderNbr", "Description"}
	req.Since = time.Date(2020, 1, 2, 3, 4, 5, 600000000, time.FixedZone("", 5*3600))
	req.After = []any{time.Date(2020, 1, 2, 3, 4, 5, 700000000, time.UTC), "SO", "SO'01"}
	got := src.Request(req)
	if again := src.Request(req); again != got {
		t.Errorf("Request() is not deterministic:\n%s\n%s", got, again)
	}
	want := "GET " + u + "/t/Sub Co/api/odata/gi/SalesOrders?" +
		"$select=OrderType,OrderNbr,Description,LastModifiedDateTime" +
		"&$filter=LastModifiedDateTime ge 2020-01-02T03:04:05.6+05:00 and " +
		"((LastModifiedDateTime gt 2020-01-02T03:04:05.7Z) or " +
		"(LastModifiedDateTime eq 2020-01-02T03:04:05.7Z and " +
		"((OrderType gt 'SO') or (OrderType eq 'SO' and OrderNbr gt 'SO''01'))))" +
		"&$orderby=LastModifiedDateTime,OrderType,OrderNbr&$top=20"
	if got != want {
		t.Errorf("Request() =\n%s\nwant\n%s", got, want)
	}
	before := len(fake.Requests())
	if _, err := readAll(t, src, req); err != nil {
		t.Fatal(err)
	}
	sent := fake.Requests()[before]
	if !strings.Contains(sent, "%2B05:00") || strings.Contains(sent, " ") {
		t.Errorf("sent %s: want + as %%2B and no raw spaces", sent)
	}
	decoded, _ := url.PathUnescape(sent)
	if "GET "+u+decoded != want {
		t.Errorf("sent (decoded)\n%s\nRequest() said\n%s", "GET "+u+decoded, want)
	}
}

func TestSessionReuseAndExpiry(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 100})
	src, _ := open(t, testConfig(u, "Company"))
	req := request(t, src, "SalesOrders", 10)
	if _, err := readAll(t, src, req); err != nil {
		t.Fatal(err)
	}
	if n := fake.Logins(); n != 1 {
		t.Errorf("Logins() after a multi-page read = %d; want 1", n)
	}
	fake.ExpireSessions()
	if _, err := readAll(t, src, req); err != nil {
		t.Fatalf("read after the session expired: %v", err)
	}
	if n := fake.Logins(); n != 2 {
		t.Errorf("Logins() after expiry = %d; want 2", n)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name   string
		faults acumaticatest.Faults
		min    time.Duration // the wait the server asked for
	}{
		{"429 with Retry-After", acumaticatest.Faults{FailStatus: 429,
			FailCount: 1, RetryAfter: "1"}, time.Second},
		{"503", acumaticatest.Faults{FailStatus: 503, FailCount: 3}, 0},
		{"502 HTML", acumaticatest.Faults{FailStatus: 502, FailCount: 2,
			HTMLError: true}, 0},
		{"retry-after date", acumaticatest.Faults{FailStatus: 503,
			FailCount: 1, RetryAfter: "date"}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 40})
			src, log := open(t, testConfig(u, "Company"))
			req := request(t, src, "SalesOrders", 15)
			if tt.faults.RetryAfter == "date" {
				// Two seconds ahead, truncated to the second: at least one.
				tt.faults.RetryAfter = time.Now().Add(2 * time.Second).UTC().
					Format(http.TimeFormat)
			}
			fake.SetFaults(tt.faults)
			start := time.Now()
			rows, err := readAll(t, src, req)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 40 {
				t.Errorf("read %d rows; want 40", len(rows))
			}
			if d := time.Since(start); d < tt.min {
				t.Errorf("retried after %v; the server asked for %v", d, tt.min)
			}
			logs := log.String()
			if n := strings.Count(logs, "request failed, retrying"); n != tt.faults.FailCount {
				t.Errorf("%d retries logged; want %d:\n%s", n, tt.faults.FailCount, logs)
			}
			for _, key := range []string{"level=WARN", "table=SalesOrders",
				"tenant=Company", "attempt=1", fmt.Sprintf("status=%d", tt.faults.FailStatus),
				"duration="} {
				if !strings.Contains(logs, key) {
					t.Errorf("retry log lacks %s:\n%s", key, logs)
				}
			}
			checkNoSecrets(t, logs)
		})
	}
}

func TestRetriesGiveUp(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 40})
	src, log := open(t, testConfig(u, "Company"))
	req := request(t, src, "SalesOrders", 15)
	fake.SetFaults(acumaticatest.Faults{FailStatus: 503})
	before := len(fake.Requests())
	_, err := readAll(t, src, req)
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") ||
		!strings.Contains(err.Error(), "GET "+u+"/t/Company/api/odata/gi/SalesOrders?") {
		t.Fatalf("Read() = %v; want HTTP 503 naming the URL", err)
	}
	if n := len(fake.Requests()) - before; n != 5 {
		t.Errorf("%d attempts; want 5", n)
	}
	checkNoSecrets(t, err.Error()+log.String())

	// Permanent errors are not retried.
	fake.SetFaults(acumaticatest.Faults{FailStatus: 400})
	before = len(fake.Requests())
	if _, err := readAll(t, src, req); err == nil {
		t.Fatal("Read() succeeded on HTTP 400")
	}
	if n := len(fake.Requests()) - before; n != 1 {
		t.Errorf("%d attempts on HTTP 400; want 1", n)
	}
}

func TestCancelIsNotRetried(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 40})
	src, log := open(t, testConfig(u, "Company"))
	req := request(t, src, "SalesOrders", 15)
	fake.SetFaults(acumaticatest.Faults{Delay: 2 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err := src.Read(ctx, req, func([]any) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read() = %v; want the context's error", err)
	}
	if strings.Contains(log.String(), "retrying") {
		t.Errorf("cancellation was retried:\n%s", log.String())
	}
}

func TestWrongPassword(t *testing.T) {
	_, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 10})
	cfg := testConfig(u, "Company")
	cfg.Auth.Password = "wrong-Pa$$ word"
	src, log := open(t, cfg)
	_, err := src.Entity(t.Context(), "SalesOrders")
	want := `GET ` + u + `/t/Company/api/odata/gi/$metadata: authentication ` +
		`failed for user "admin" (HTTP 401): check the username and password`
	if err == nil || err.Error() != want {
		t.Errorf("Entity() = %v;\nwant %s", err, want)
	}
	for _, s := range []string{err.Error(), log.String()} {
		for _, secret := range []string{"wrong-Pa$$ word", url.QueryEscape("wrong-Pa$$ word"),
			"Authorization", "Basic "} {
			if strings.Contains(s, secret) {
				t.Errorf("%q leaks %q", s, secret)
			}
		}
	}
}

func TestClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	src, _ := open(t, testConfig(u, "Company"))
	_, err = src.Entity(t.Context(), "SalesOrders")
	want := "cannot connect to " + u + ": connection refused"
	if err == nil || err.Error() != want {
		t.Errorf("Entity() = %v; want %s", err, want)
	}
}

func TestUnknownEntityAndTenant(t *testing.T) {
	_, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 10})
	src, _ := open(t, testConfig(u, "Company"))
	_, err := src.Entity(t.Context(), "SalesOrder")
	want := `entity set "SalesOrder" not found in $metadata of ` + u +
		`/t/Company/api/odata/gi/; did you mean "SalesOrders"?`
	if err == nil || err.Error() != want {
		t.Errorf("Entity() = %v;\nwant %s", err, want)
	}

	_, err = readAll(t, src, &connectors.ReadRequest{Entity: "SalesOrders",
		Columns: []string{"OrderNbr", "Totl"}, Key: []string{"OrderNbr"}})
	if err == nil || !strings.Contains(err.Error(), `no column "Totl"`) {
		t.Errorf("Read(unknown column) = %v", err)
	}

	src2, _ := open(t, testConfig(u, "Nope"))
	_, err = src2.Entity(t.Context(), "SalesOrders")
	if err == nil || !strings.Contains(err.Error(), `tenant "Nope" not found`) ||
		!strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("Entity() on a wrong tenant = %v", err)
	}
}

func TestEmptyBodyAndHTMLErrors(t *testing.T) {
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 10})
	src, _ := open(t, testConfig(u, "Company"))
	req := request(t, src, "SalesOrders", 5)

	fake.SetFaults(acumaticatest.Faults{EmptyBody200: true})
	_, err := readAll(t, src, req)
	if err == nil || !strings.Contains(err.Error(), "empty response body "+
		"(Acumatica returns this for filters on calculated columns)") {
		t.Errorf("Read() on an empty body = %v", err)
	}

	fake.SetFaults(acumaticatest.Faults{FailStatus: 403, HTMLError: true})
	_, err = readAll(t, src, req)
	if err == nil || !strings.Contains(err.Error(), "HTTP 403 Forbidden: HTML page: ") {
		t.Errorf("Read() on an HTML 403 = %v", err)
	}
}

// checkNoSecrets fails when s holds the fake's password or credentials.
func checkNoSecrets(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{"Authorization", "Basic YWRtaW46MTIz",
		"ASPXAUTH=", "password=123"} {
		if strings.Contains(s, secret) {
			t.Errorf("output leaks %q:\n%s", secret, s)
		}
	}
}
