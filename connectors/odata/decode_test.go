package odata

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// decodeAll decodes body with a decoder of cols, returning the rows.
func decodeAll(t *testing.T, cols []connectors.Column, opts DecodeOptions, r io.Reader) ([][]any, Page, error) {
	t.Helper()
	var rows [][]any
	page, err := NewDecoder(cols, opts).Decode(r, func(row []any) error {
		rows = append(rows, row)
		return nil
	})
	return rows, page, err
}

func salesOrderColumns(t *testing.T, names ...string) []connectors.Column {
	t.Helper()
	e, err := parseFile(t, "gi.v4.metadata.xml").Entity("SalesOrders")
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]connectors.Column, len(names))
	for i, n := range names {
		c, ok := e.Column(n)
		if !ok {
			t.Fatalf("no column %s", n)
		}
		cols[i] = c
	}
	return cols
}

func TestDecodeV4(t *testing.T) {
	body, err := os.ReadFile("testdata/salesorders.v4.json")
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

	// Read whole and one byte at a time, to cross every buffer boundary.
	readers := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(body) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(body)) },
	}
	for name, r := range readers {
		t.Run(name, func(t *testing.T) {
			rows, page, err := decodeAll(t, cols, DecodeOptions{}, r())
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

// compareRows compares decoded rows exactly: decimals by value and
// exponent, times by instant and offset.
func compareRows(t *testing.T, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows; want %d", len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) || cap(got[i]) != len(want[i]) {
			t.Errorf("row %d: len %d cap %d; want %d", i, len(got[i]),
				cap(got[i]), len(want[i]))
			continue
		}
		for j := range want[i] {
			if !sameValue(got[i][j], want[i][j]) {
				t.Errorf("row %d col %d = %#v; want %#v", i, j, got[i][j],
					want[i][j])
			}
		}
	}
}

func sameValue(a, b any) bool {
	switch b := b.(type) {
	case apd.Decimal:
		a, ok := a.(apd.Decimal)
		return ok && a.Text('f') == b.Text('f') && a.Negative == b.Negative
	case time.Time:
		a, ok := a.(time.Time)
		if !ok || !a.Equal(b) {
			return false
		}
		_, oa := a.Zone()
		_, ob := b.Zone()
		return oa == ob
	case []byte:
		a, ok := a.([]byte)
		return ok && bytes.Equal(a, b)
	}
	return a == b
}

func TestDecodeV3WallTimes(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	md := parseFile(t, "gi.v3.metadata.xml")
	e, _ := md.Entity("StockItems")
	f, err := os.Open("testdata/stockitems.v3.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, page, err := decodeAll(t, e.Columns[:3],
		DecodeOptions{Location: toronto}, f)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{"AALEGO500 ", dec("1999.000000"),
			time.Date(2024, 11, 3, 1, 30, 0, 123000000, toronto)},
		// /Date(ms)/ counts the wall time as if it were UTC.
		{"AACOMPUT01", dec("-0.500000"),
			time.Date(2023, 11, 14, 22, 13, 20, 0, toronto)},
	}
	compareRows(t, rows, want)
	if page.Count != 2 || !strings.HasSuffix(page.NextLink, "$skip=2") {
		t.Errorf("page = %+v", page)
	}
}

func TestDecodeV2Verbose(t *testing.T) {
	f, err := os.Open("testdata/products.v2.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols := []connectors.Column{
		{Name: "ID", Type: connectors.TypeInt},
		{Name: "Price", Type: connectors.TypeDecimal},
	}
	rows, page, err := decodeAll(t, cols, DecodeOptions{}, f)
	if err != nil {
		t.Fatal(err)
	}
	compareRows(t, rows, [][]any{{int64(1), dec("18.0000")},
		{int64(2), dec("19.0000")}})
	if page.Count != 2 || page.NextLink != "Products?$skiptoken=2" {
		t.Errorf("page = %+v", page)
	}
}

func TestDecodeErrors(t *testing.T) {
	str := connectors.Column{Name: "S", Type: connectors.TypeString}
	num := connectors.Column{Name: "N", Type: connectors.TypeInt}
	decimal := connectors.Column{Name: "D", Type: connectors.TypeDecimal}
	ts := connectors.Column{Name: "T", Type: connectors.TypeTimestamp}
	cols := []connectors.Column{str, num, decimal, ts}
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", ErrEmptyBody.Error()},
		{"blank", " \r\n", ErrEmptyBody.Error()},
		{"html", "<!DOCTYPE html><html><head><title>Sign In</title></head>",
			"response is not JSON: HTML page: Sign In"},
		{"number for string", `{"value":[{"S":"a"},{"S":12}]}`,
			"row 2: column S: cannot read 12 as string"},
		{"fraction for int", `{"value":[{"N":1.5}]}`,
			"row 1: column N: cannot read 1.5 as int: not an integer"},
		{"int overflow", `{"value":[{"N":9223372036854775808}]}`,
			"cannot read 9223372036854775808 as int: out of range"},
		{"bad decimal", `{"value":[{"D":"12,5"}]}`,
			`row 1: column D: cannot read "12,5" as decimal`},
		{"bool for decimal", `{"value":[{"D":true}]}`,
			"column D: cannot read true as decimal"},
		{"object for string", `{"value":[{"S":{"a":1}}]}`,
			"column S: cannot read an object as string"},
		{"bad time", `{"value":[{"T":"2024-02-30T00:00:00Z"}]}`,
			`column T: cannot read "2024-02-30T00:00:00Z" as timestamp`},
		{"truncated", `{"value":[{"S":"abc`, "unexpected end of JSON input"},
		{"garbage", `{"value":[{"S" "x"}]}`, `invalid character '"', expecting ':'`},
		{"trailing", `{"value":[]} x`, "expecting end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeAll(t, cols, DecodeOptions{},
				strings.NewReader(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%q) = %v; want error containing %q",
					tt.body, err, tt.want)
			}
		})
	}
}

func TestDecodeStopsAtCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	_, err := NewDecoder([]connectors.Column{{Name: "S",
		Type: connectors.TypeString}}, DecodeOptions{}).Decode(
		strings.NewReader(`{"value":[{"S":"a"},{"S":"b"},{"S":"c"}]}`),
		func([]any) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
	if err != stop || n != 2 {
		t.Errorf("Decode() = %v after %d rows; want stop after 2", err, n)
	}
}

func TestDecodeReadError(t *testing.T) {
	broken := io.MultiReader(strings.NewReader(`{"value":[{"S":"a"},`),
		iotest.ErrReader(io.ErrUnexpectedEOF))
	rows, page, err := decodeAll(t, []connectors.Column{{Name: "S",
		Type: connectors.TypeString}}, DecodeOptions{}, broken)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Decode() = %v; want the read error", err)
	}
	if len(rows) != 1 || page.Rows != 1 {
		t.Errorf("got %d rows (page %d) before the error; want 1", len(rows),
			page.Rows)
	}
}

func TestDecodeLongStringsAndSlabs(t *testing.T) {
	long := strings.Repeat("x\\\"y", 50000) // crosses the 64 KiB buffer
	var b strings.Builder
	b.WriteString(`{"value":[`)
	const n = 600
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if i == 3 {
			b.WriteString(`{"S":"` + long + `","Skip":"` + long + `"}`)
			continue
		}
		b.WriteString(`{"Skip":[{"x":"]"}],"S":"\u00e9\ud83d\ude9a"}`)
	}
	b.WriteString(`]}`)
	rows, _, err := decodeAll(t, []connectors.Column{{Name: "S",
		Type: connectors.TypeString}}, DecodeOptions{SlabRows: 7},
		strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("got %d rows; want %d", len(rows), n)
	}
	if want := strings.Repeat(`x"y`, 50000); rows[3][0] != want {
		t.Errorf("long string decoded wrong (length %d)", len(rows[3][0].(string)))
	}
	if rows[4][0] != "\u00e9\U0001F69A" {
		t.Errorf("row 4 = %q", rows[4][0])
	}
	// Rows must not share storage: appending to one leaves the next intact.
	_ = append(rows[0], "extra")
	if rows[1][0] != "\u00e9\U0001F69A" {
		t.Errorf("append to row 0 changed row 1: %q", rows[1][0])
	}
}

func TestDecoderReuse(t *testing.T) {
	d := NewDecoder([]connectors.Column{{Name: "N", Type: connectors.TypeInt}},
		DecodeOptions{})
	for i, body := range []string{"\xef\xbb\xbf" + `{"value":[{"N":1}]}`, `{"value":[{"x":0,"N":2}]}`,
		`{"@odata.nextLink":"next","value":[]}`} {
		var got []any
		page, err := d.Decode(strings.NewReader(body), func(r []any) error {
			got = append(got, r[0])
			return nil
		})
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if page.Rows != len(got) {
			t.Errorf("body %d: page.Rows = %d; want %d", i, page.Rows, len(got))
		}
		if i < 2 && (len(got) != 1 || got[0] != int64(i+1)) {
			t.Errorf("body %d: rows %v", i, got)
		}
		if i == 2 && page.NextLink != "next" {
			t.Errorf("body %d: next link %q", i, page.NextLink)
		}
	}
}
