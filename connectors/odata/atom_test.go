package odata

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// decodeATOM decodes body with an ATOM decoder of cols.
func decodeATOM(t testing.TB, cols []connectors.Column, opts DecodeOptions, r io.Reader) ([][]any, Page, error) {
	t.Helper()
	var rows [][]any
	page, err := NewATOMDecoder(cols, opts).Decode(r, func(row []any) error {
		rows = append(rows, row)
		return nil
	})
	return rows, page, err
}

// TestDecodeATOM reads the ATOM twin of salesorders.v4.json and expects
// the rows TestDecodeV4 expects from the JSON.
func TestDecodeATOM(t *testing.T) {
	body, err := os.ReadFile("testdata/salesorders.v3.atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	cols := salesOrderColumns(t, "OrderNbr", "CustomerID", "Date",
		"OrderTotal", "LineCount", "Qty", "Big", "Tiny", "Rate", "Approved",
		"NoteID", "tstamp", "LastModifiedDateTime", "Status", "Duration")
	minus5 := time.FixedZone("", -5*3600)
	want := [][]any{
		{"SO000001  ", "C\u00f6 \"A\"\n", time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC),
			dec("1999.000000"), int64(3), int64(-7), int64(9223372036854775807),
			int64(255), 1500.0, true,
			[16]byte{0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65,
				0x70, 0x86, 0x77, 0x28, 0x95, 0x0e},
			[]byte{0, 0, 0, 0, 0, 0, 7, 0xd1},
			time.Date(2024, 3, 10, 1, 2, 3, 123456700, minus5), "Open", "PT1H"},
		{"SO000002", nil, nil, dec("12.50"), nil, nil, nil, nil, nil, false,
			nil, nil, time.Date(2024, 3, 10, 6, 2, 3, 0, time.UTC), nil, nil},
	}
	readers := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(body) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(body)) },
	}
	for name, r := range readers {
		t.Run(name, func(t *testing.T) {
			rows, page, err := decodeATOM(t, cols, DecodeOptions{}, r())
			if err != nil {
				t.Fatal(err)
			}
			if page.Rows != 2 || page.NextLink != "SalesOrders?$skiptoken=2" ||
				page.Count != 42 {
				t.Errorf("page = %+v", page)
			}
			compareRows(t, rows, want)
		})
	}
}

// TestDecodeATOMWallTimes reads Edm.DateTime values as wall times in the
// decoder's zone, and control characters written as references.
func TestDecodeATOMWallTimes(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := parseFile(t, "gi.v3.metadata.xml").Entity("StockItems")
	f, err := os.Open("testdata/stockitems.v3.atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, page, err := decodeATOM(t, e.Columns[:3],
		DecodeOptions{Location: toronto}, f)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{"AALEGO500 ", dec("1999.000000"),
			time.Date(2024, 11, 3, 1, 30, 0, 123000000, toronto)},
		{"Unit\x1fsep \x1f \ttab \rcr \U0010FFFF \u00f4", dec("-0.500000"),
			time.Date(2023, 11, 14, 22, 13, 20, 0, toronto)},
	}
	compareRows(t, rows, want)
	if page.Count != 2 || !strings.HasSuffix(page.NextLink, "$skip=2") {
		t.Errorf("page = %+v", page)
	}
}

// TestDecodeATOMEscapes checks that the reference rewriting gives back
// every text exactly, whatever the buffer boundaries.
func TestDecodeATOMEscapes(t *testing.T) {
	tests := []struct{ xml, want string }{
		{"a&#x1f;b&#0;c&#31;", "a\x1fb\x00c\x1f"},
		{"&#x10FFFF;&#x10FF05;", "\U0010FFFF\U0010FF05"},
		{"\U0010FFFF\U0010FF05\U0010FFFF", "\U0010FFFF\U0010FF05\U0010FFFF"},
		{"\U0010FFFF&#x5;\U0010FFFF\U0010FFFF", "\U0010FFFF\x05\U0010FFFF\U0010FFFF"},
		{"<![CDATA[&#x1F; ]] ]]>&#x1F;", "&#x1F; ]] \x1f"},
		{"&amp;#x1F; &#x20; &#x0000000001F; &#xZZ; & #1;",
			"&amp;#x1F; &#x20; \x1f &#xZZ; & #1;"},
	}
	col := []connectors.Column{{Name: "S", Type: connectors.TypeString}}
	for _, tt := range tests {
		// &#xZZ; and a bare & are not XML: only check them unparsed.
		body := feedOf("<d:S>" + tt.xml + "</d:S>")
		if strings.Contains(tt.xml, "ZZ") {
			var f refFilter
			f.reset(strings.NewReader(tt.xml))
			got, _ := io.ReadAll(&f)
			if string(unescapeText(got, nil)) != tt.want {
				t.Errorf("filter(%q) = %q; want %q", tt.xml, got, tt.want)
			}
			continue
		}
		for _, small := range []bool{false, true} {
			var r io.Reader = strings.NewReader(body)
			if small {
				r = iotest.OneByteReader(r)
			}
			rows, _, err := decodeATOM(t, col, DecodeOptions{}, r)
			if err != nil {
				t.Errorf("Decode(%q) = %v", tt.xml, err)
				continue
			}
			if len(rows) != 1 || rows[0][0] != tt.want {
				t.Errorf("Decode(%q) = %q; want %q", tt.xml, rows, tt.want)
			}
		}
	}
}

// feedOf wraps properties in a one-entry feed.
func feedOf(props string) string {
	return `<feed xmlns="http://www.w3.org/2005/Atom" ` +
		`xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" ` +
		`xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">` +
		`<entry><content type="application/xml"><m:properties>` + props +
		`</m:properties></content></entry></feed>`
}

func TestDecodeATOMErrors(t *testing.T) {
	cols := []connectors.Column{
		{Name: "S", Type: connectors.TypeString},
		{Name: "N", Type: connectors.TypeInt},
		{Name: "D", Type: connectors.TypeDecimal},
		{Name: "B", Type: connectors.TypeBool},
	}
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", ErrEmptyBody.Error()},
		{"blank", " \r\n", ErrEmptyBody.Error()},
		{"html", "<!DOCTYPE html><html><head><title>Sign In</title></head>",
			"response is not an ATOM feed: HTML page: Sign In"},
		{"json", `{"error":{"code":"","message":"Bad filter"}}`,
			"response is not an ATOM feed: Bad filter"},
		{"odata error", `<?xml version="1.0"?><m:error xmlns:m="` + nsMetadata +
			`"><m:code>42</m:code><m:message xml:lang="en-US">No such ` +
			`property</m:message></m:error>`,
			"response is not an ATOM feed: No such property (42)"},
		{"entry", `<entry xmlns="http://www.w3.org/2005/Atom"></entry>`,
			"not an ATOM feed but a single entry"},
		{"bad int", feedOf(`<d:S>a</d:S></m:properties></content></entry>` +
			`<entry><content><m:properties><d:N>1.5</d:N>`),
			`row 2: column N: cannot read "1.5" as int: not an integer`},
		{"bad decimal", feedOf(`<d:D>12,5</d:D>`),
			`row 1: column D: cannot read "12,5" as decimal`},
		{"bad bool", feedOf(`<d:B>yes</d:B>`),
			`row 1: column B: cannot read "yes" as bool: not a boolean`},
		{"structured", feedOf(`<d:S><d:City>x</d:City></d:S>`),
			"column S: cannot read a structured value as string"},
		{"truncated", feedOf(`<d:S>abc`)[:len(feedOf(`<d:S>abc`))-40],
			"invalid ATOM feed"},
		{"mismatched", feedOf(`<d:S>abc</d:N>`), "invalid ATOM feed"},
		{"trailing", feedOf("") + "<feed/>", "element <feed> after the feed"},
		{"raw control", feedOf("<d:S>a\x01b</d:S>"), "illegal character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeATOM(t, cols, DecodeOptions{},
				strings.NewReader(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%q) = %v; want error containing %q",
					tt.body, err, tt.want)
			}
		})
	}
}

func TestDecodeATOMStopsAndReadErrors(t *testing.T) {
	col := []connectors.Column{{Name: "S", Type: connectors.TypeString}}
	body := feedOf(`<d:S>a</d:S></m:properties></content></entry>` +
		`<entry><content><m:properties><d:S>b</d:S>`)
	stop := errors.New("stop")
	n := 0
	_, err := NewATOMDecoder(col, DecodeOptions{}).Decode(
		strings.NewReader(body), func([]any) error {
			n++
			return stop
		})
	if err != stop || n != 1 {
		t.Errorf("Decode() = %v after %d rows; want stop after 1", err, n)
	}

	broken := io.MultiReader(strings.NewReader(body[:len(body)-60]),
		iotest.ErrReader(io.ErrUnexpectedEOF))
	rows, page, err := decodeATOM(t, col, DecodeOptions{}, broken)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Decode() = %v; want the read error", err)
	}
	if len(rows) != 1 || page.Rows != 1 {
		t.Errorf("got %d rows (page %d) before the error; want 1",
			len(rows), page.Rows)
	}
}

// TestDecodeATOMSameAsJSON decodes the same rows written as JSON and as
// ATOM and expects identical values, slab layout included.
func TestDecodeATOMSameAsJSON(t *testing.T) {
	body, cols := salesOrdersBody(700)
	fromJSON, _, err := decodeAll(t, cols, DecodeOptions{SlabRows: 64},
		bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	atom := atomOf(cols, fromJSON)
	fromATOM, page, err := decodeATOM(t, cols, DecodeOptions{SlabRows: 64},
		iotest.HalfReader(bytes.NewReader(atom)))
	if err != nil {
		t.Fatal(err)
	}
	if page.Rows != 700 {
		t.Errorf("page.Rows = %d; want 700", page.Rows)
	}
	compareRows(t, fromATOM, fromJSON)
}

// atomOf writes rows as an ATOM feed the way a .NET OData v3 service
// does: typed values in their canonical text, nulls as m:null.
func atomOf(cols []connectors.Column, rows [][]any) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<feed xml:base="http://127.0.0.1/odata/Company/" ` +
		`xmlns="http://www.w3.org/2005/Atom" xmlns:d="` + nsData +
		`" xmlns:m="` + nsMetadata + `"><id>http://127.0.0.1/odata/` +
		`Company/SalesOrders</id><title type="text">SalesOrders</title>` +
		`<updated>2026-11-02T09:00:00Z</updated>` +
		`<link rel="self" title="SalesOrders" href="SalesOrders" />`)
	for _, row := range rows {
		b.WriteString(`<entry><id>http://127.0.0.1/odata/Company/` +
			`SalesOrders('x')</id><category term="GenericInquiry.` +
			`SalesOrders" scheme="http://schemas.microsoft.com/ado/2007/` +
			`08/dataservices/scheme" /><link rel="edit" title="SalesOrders"` +
			` href="SalesOrders('x')" /><title /><updated>2026-11-02T09:00` +
			`:00Z</updated><author><name /></author><content type=` +
			`"application/xml"><m:properties>`)
		for i, c := range cols {
			fmt.Fprintf(&b, `<d:%s`, c.Name)
			if c.SourceType != "Edm.String" {
				fmt.Fprintf(&b, ` m:type="%s"`, c.SourceType)
			}
			if row[i] == nil {
				b.WriteString(` m:null="true" />`)
				continue
			}
			b.WriteByte('>')
			writeXMLValue(&b, row[i])
			fmt.Fprintf(&b, `</d:%s>`, c.Name)
		}
		b.WriteString(`</m:properties></content></entry>`)
	}
	b.WriteString(`</feed>`)
	return b.Bytes()
}

func writeXMLValue(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case string:
		for _, r := range v {
			switch {
			case r == '<':
				b.WriteString("&lt;")
			case r == '&':
				b.WriteString("&amp;")
			case r < 0x20 && r != '\t' && r != '\n':
				fmt.Fprintf(b, "&#x%X;", r)
			default:
				b.WriteRune(r)
			}
		}
	case apd.Decimal:
		b.WriteString(v.Text('f'))
	case time.Time:
		b.WriteString(v.Format("2006-01-02T15:04:05.9999999Z07:00"))
	case [16]byte:
		b.WriteString(formatGUID(v))
	case []byte:
		b.WriteString(base64.StdEncoding.EncodeToString(v))
	default:
		fmt.Fprint(b, v)
	}
}

func BenchmarkDecodeSalesOrdersATOM(b *testing.B) {
	body, cols := salesOrdersBody(1000)
	var rows [][]any
	_, err := NewDecoder(cols, DecodeOptions{}).Decode(bytes.NewReader(body),
		func(row []any) error {
			rows = append(rows, row)
			return nil
		})
	if err != nil {
		b.Fatal(err)
	}
	atom := atomOf(cols, rows)
	d := NewATOMDecoder(cols, DecodeOptions{SlabRows: 1000})
	b.SetBytes(int64(len(atom)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(bytes.NewReader(atom), func([]any) error {
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(atom))/1000, "bytes/row")
}
