package acumatica

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

// The repeated hour of the fake's data in Toronto: 2026-11-01 01:00 to
// 02:00, first in EDT (05:00Z-06:00Z), then in EST (06:00Z-07:00Z).
var (
	foldStart = time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	foldEnd   = foldStart.Add(2 * time.Hour)
)

func torontoZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Skip(err)
	}
	return loc
}

// v3Setup serves the fake in Toronto and opens a source on its v3
// endpoint in the given format. earlier selects how the fake reads an
// ambiguous wall-time literal.
func v3Setup(t *testing.T, format Format, earlier bool) (*acumaticatest.Service, connectors.Source) {
	t.Helper()
	loc := torontoZone(t)
	fake, u := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 400,
		Location: loc, FractionDigits: 7, FallBackEarlier: earlier})
	cfg := testConfig(u, "Company")
	cfg.Endpoint = EndpointODataV3
	cfg.Format = format
	cfg.Location = loc
	src, _ := open(t, cfg)
	return fake, src
}

// inFold reports whether the fake's instant t lies in the repeated hour.
func inFold(t time.Time) bool { return !t.Before(foldStart) && t.Before(foldEnd) }

// checkV3Rows checks that rows hold every row of the fake whose
// LastModifiedDateTime is at or after from (all rows for the zero
// time), each with the fake's values: date-times by their wall time in
// loc, which is all OData v3 carries. Rows read twice must agree.
func checkV3Rows(t *testing.T, fake *acumaticatest.Service, rows [][]any, from time.Time) {
	t.Helper()
	loc := torontoZone(t)
	cols := fake.Columns("SalesOrders")
	lm := 0
	for i, c := range cols {
		if c.Name == "LastModifiedDateTime" {
			lm = i
		}
	}
	key := func(r []any) string { return fmt.Sprint(r[0], "|", r[1]) }
	conv := func(v any) any {
		if t, ok := v.(time.Time); ok {
			return t.In(loc).Format("2006-01-02T15:04:05.9999999")
		}
		return text(v)
	}
	got := map[string][]any{}
	for _, r := range rows {
		k := key(r)
		if prev, ok := got[k]; ok && fmt.Sprint(prev) != fmt.Sprint(r) {
			t.Errorf("row %s read twice with different values", k)
		}
		got[k] = r
	}
	missing := 0
	for _, w := range fake.Rows("Company", "SalesOrders") {
		if w[lm].(time.Time).Before(from) {
			continue
		}
		g, ok := got[key(w)]
		if !ok {
			if missing++; missing <= 5 {
				t.Errorf("row %s (LastModifiedDateTime %v) not read", key(w),
					w[lm].(time.Time).In(loc))
			}
			continue
		}
		for i := range cols {
			if a, b := conv(g[i]), want(conv(w[i])); a != b {
				t.Errorf("row %s column %s = %v; want %v", key(w),
					cols[i].Name, a, b)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d rows not read", missing)
	}
}

// TestODataV3ReadsEveryRow pages through the v3 endpoint seven rows at a
// time, in JSON and in ATOM, across the repeated hour of a fall-back,
// whichever pass the service reads an ambiguous literal as.
func TestODataV3ReadsEveryRow(t *testing.T) {
	for _, format := range []Format{FormatJSON, FormatATOM} {
		for _, earlier := range []bool{false, true} {
			name := fmt.Sprintf("%s/earlier=%v", format, earlier)
			t.Run(name, func(t *testing.T) {
				fake, src := v3Setup(t, format, earlier)
				req := request(t, src, "SalesOrders", 7)
				rows, err := readAll(t, src, req)
				if err != nil {
					t.Fatal(err)
				}
				checkV3Rows(t, fake, rows, time.Time{})
				checkV3Requests(t, fake.Requests(), format)
			})
		}
	}
}

// checkV3Requests checks the dialect of the requests: v3 wall-time
// literals, $format=json only for JSON, and one pass over the repeated
// hour by key.
func checkV3Requests(t *testing.T, queries []string, format Format) {
	t.Helper()
	fold := "LastModifiedDateTime ge datetime'2026-11-01T00:59:59' and " +
		"LastModifiedDateTime lt datetime'2026-11-01T02:00:00'"
	var sawFold, sawLiteral bool
	for _, q := range queries {
		text, err := url.PathUnescape(q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "/SalesOrders?") {
			continue
		}
		if strings.Contains(text, "$format=json") != (format == FormatJSON) {
			t.Errorf("format %s: request %s", format, text)
		}
		sawFold = sawFold || strings.Contains(text, fold) &&
			strings.Contains(text, "$orderby=OrderType,OrderNbr&")
		sawLiteral = sawLiteral || strings.Contains(text,
			"LastModifiedDateTime gt datetime'")
		if strings.Contains(text, "datetimeoffset") {
			t.Errorf("request with a datetimeoffset literal: %s", text)
		}
	}
	if !sawFold || !sawLiteral {
		t.Errorf("no request read the repeated hour by key (%v) or paged "+
			"with a datetime literal (%v)", sawFold, sawLiteral)
	}
}

// TestODataV3WatermarkInRepeatedHour: after a watermark inside the
// repeated hour, in either pass, the next read still includes every row
// of both passes, and every row after them.
func TestODataV3WatermarkInRepeatedHour(t *testing.T) {
	for _, format := range []Format{FormatJSON, FormatATOM} {
		for _, earlier := range []bool{false, true} {
			for _, mark := range []time.Duration{30 * time.Minute,
				90 * time.Minute, 119 * time.Minute} {
				name := fmt.Sprintf("%s/earlier=%v/%v", format, earlier, mark)
				t.Run(name, func(t *testing.T) {
					fake, src := v3Setup(t, format, earlier)
					req := request(t, src, "SalesOrders", 5)
					// The engine subtracts the offset (here 1m) from the
					// watermark, which it keeps as the wall time read.
					req.Since = foldStart.Add(mark - time.Minute)
					rows, err := readAll(t, src, req)
					if err != nil {
						t.Fatal(err)
					}
					checkV3Rows(t, fake, rows, foldStart)
				})
			}
		}
	}
}

// TestODataV3ResumeInRepeatedHour resumes a load from a position
// inside the repeated hour, as after a crash, and loses no row.
func TestODataV3ResumeInRepeatedHour(t *testing.T) {
	for _, format := range []Format{FormatJSON, FormatATOM} {
		t.Run(string(format), func(t *testing.T) {
			fake, src := v3Setup(t, format, false)
			req := request(t, src, "SalesOrders", 6)
			var first [][]any
			stop := fmt.Errorf("stop")
			lm := len(req.Columns) - 1
			for i, c := range req.Columns {
				if c == "LastModifiedDateTime" {
					lm = i
				}
			}
			seen := 0
			err := src.Read(t.Context(), req, func(row []any) error {
				first = append(first, row)
				if inFold(row[lm].(time.Time)) {
					if seen++; seen == 9 {
						return stop
					}
				}
				return nil
			})
			if err != stop {
				t.Fatalf("Read() = %v; want to stop in the repeated hour", err)
			}
			last := first[len(first)-1]
			req.After = []any{last[lm], last[0], last[1]}
			rest, err := readAll(t, src, req)
			if err != nil {
				t.Fatal(err)
			}
			checkV3Rows(t, fake, append(first, rest...), time.Time{})
		})
	}
}

// TestLocalTimeAsUTC reads a v4 service that labels wall times in the
// user's zone as +00:00: values are re-read as wall times, and filter
// literals are written the same way.
func TestLocalTimeAsUTC(t *testing.T) {
	loc := torontoZone(t)
	u, uris := fixtureServer(t, "gi.v4.metadata.xml", func(int, *http.Request) string {
		return `{"value":[{"OrderType":"SO","OrderNbr":"1",` +
			`"LastModifiedDateTime":"2026-07-01T12:00:00.5+00:00",` +
			`"Date":"2026-07-01"}]}`
	})
	cfg := testConfig(u, "Company")
	cfg.LocalTimeAsUTC = true
	cfg.Location = loc
	src, _ := open(t, cfg)
	req := &connectors.ReadRequest{Entity: "SalesOrders",
		Columns:  []string{"OrderType", "OrderNbr", "LastModifiedDateTime"},
		Tracking: "LastModifiedDateTime", PageSize: 10,
		Since: time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC)} // 11:00 EDT
	rows, err := readAll(t, src, req)
	if err != nil {
		t.Fatal(err)
	}
	at := rows[0][2].(time.Time)
	if want := time.Date(2026, 7, 1, 16, 0, 0, 5e8, time.UTC); !at.Equal(want) {
		t.Errorf("LastModifiedDateTime = %v; want %v (12:00:00.5 EDT)", at, want)
	}
	if !strings.Contains((*uris)[0], "LastModifiedDateTime%20ge%202026-07-01T11:00:00Z") {
		t.Errorf("request = %s; want the bound as 11:00 labelled UTC", (*uris)[0])
	}
	req.After = []any{at, "SO", "1"}
	if got := src.Request(req); !strings.Contains(got,
		"LastModifiedDateTime gt 2026-07-01T12:00:00.5Z") {
		t.Errorf("Request() = %s", got)
	}
}
