package odata

import (
	"math"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

func dec(s string) apd.Decimal {
	var d apd.Decimal
	if _, _, err := d.SetString(s); err != nil {
		panic(err)
	}
	return d
}

func TestLiteral(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	v4 := Dialect{Version: V4}
	v3 := Dialect{Version: V3, Location: toronto}
	str := connectors.Column{Name: "S", Type: connectors.TypeString, SourceType: "Edm.String"}
	i32 := connectors.Column{Name: "I", Type: connectors.TypeInt, SourceType: "Edm.Int32"}
	i64 := connectors.Column{Name: "L", Type: connectors.TypeInt, SourceType: "Edm.Int64"}
	decimal := connectors.Column{Name: "D", Type: connectors.TypeDecimal, SourceType: "Edm.Decimal"}
	dbl := connectors.Column{Name: "F", Type: connectors.TypeFloat, SourceType: "Edm.Double"}
	dto := connectors.Column{Name: "T", Type: connectors.TypeTimestamp, SourceType: "Edm.DateTimeOffset"}
	dt := connectors.Column{Name: "T", Type: connectors.TypeTimestamp, SourceType: "Edm.DateTime"}
	date := connectors.Column{Name: "D", Type: connectors.TypeDate, SourceType: "Edm.Date"}
	guid := connectors.Column{Name: "G", Type: connectors.TypeUUID, SourceType: "Edm.Guid"}
	bin := connectors.Column{Name: "B", Type: connectors.TypeBinary, SourceType: "Edm.Binary"}

	minus5 := time.FixedZone("", -5*3600)
	instant := time.Date(2024, 3, 10, 1, 2, 3, 123456700, minus5)
	g := [16]byte{0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65,
		0x70, 0x86, 0x77, 0x28, 0x95, 0x0e}

	tests := []struct {
		d    Dialect
		c    connectors.Column
		v    any
		want string
	}{
		{v4, str, "O'Brien & Co", "'O''Brien & Co'"},
		{v4, str, nil, "null"},
		{v4, str, true, "true"},
		{v4, i32, int64(-42), "-42"},
		{v3, i32, int64(-42), "-42"},
		{v3, i64, int64(7), "7L"},
		{v4, decimal, dec("1999.000000"), "1999.000000"},
		{v3, decimal, dec("-0.50"), "-0.50M"},
		{v4, decimal, dec("1E+3"), "1000"},
		{v4, decimal, "12.50", "12.50"},
		{v4, dbl, 1.5, "1.5"},
		{v4, dbl, 2.0, "2.0"},
		{v3, dbl, 2.5, "2.5d"},
		{v4, dbl, math.Inf(-1), "-INF"},
		{v4, dto, instant, "2024-03-10T01:02:03.1234567-05:00"},
		{v4, dto, instant.UTC(), "2024-03-10T06:02:03.1234567Z"},
		{v4, dto, time.Date(2024, 1, 1, 0, 0, 0, 123456789, time.UTC), "2024-01-01T00:00:00.1234567Z"},
		{v4, dto, time.Date(2024, 1, 1, 0, 0, 0, 500000000, time.UTC), "2024-01-01T00:00:00.5Z"},
		{v3, dt, instant, "datetime'2024-03-10T01:02:03.1234567'"},
		{v3, dt, time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC), "datetime'2024-07-01T08:00:00'"},
		{v3, dto, instant, "datetimeoffset'2024-03-10T01:02:03.1234567-05:00'"},
		{v4, date, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29"},
		{v3, date, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "datetime'2024-02-29T00:00:00'"},
		{v4, guid, g, "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{v3, guid, g, "guid'0f8fad5b-d9cb-469f-a165-70867728950e'"},
		{v4, guid, "0F8FAD5B-D9CB-469F-A165-70867728950E", "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{v4, bin, []byte{0xfb, 0xff}, "binary'-_8='"},
		{v3, bin, []byte{0xfb, 0xff}, "X'fbff'"},
	}
	for _, tt := range tests {
		got, err := tt.d.Literal(tt.c, tt.v)
		if err != nil || got != tt.want {
			t.Errorf("%v Literal(%s, %#v) = %q, %v; want %q", tt.d.Version,
				tt.c.SourceType, tt.v, got, err, tt.want)
		}
	}
}

func TestLiteralErrors(t *testing.T) {
	guid := connectors.Column{Name: "G", Type: connectors.TypeUUID}
	decimal := connectors.Column{Name: "D", Type: connectors.TypeDecimal}
	nan := apd.Decimal{Form: apd.NaN}
	for _, tt := range []struct {
		c connectors.Column
		v any
	}{
		{guid, "not-a-guid"},
		{decimal, "1,5"},
		{decimal, nan},
		{decimal, struct{}{}},
	} {
		if got, err := (Dialect{Version: V4}).Literal(tt.c, tt.v); err == nil {
			t.Errorf("Literal(%v, %#v) = %q; want error", tt.c.Type, tt.v, got)
		}
	}
}

func TestKeyset(t *testing.T) {
	str := func(n string) connectors.Column {
		return connectors.Column{Name: n, Type: connectors.TypeString}
	}
	ts := connectors.Column{Name: "LastModifiedDateTime",
		Type: connectors.TypeTimestamp, SourceType: "Edm.DateTimeOffset"}
	at := time.Date(2024, 3, 10, 6, 2, 3, 123456700, time.UTC)
	d := Dialect{Version: V4}
	tests := []struct {
		cols []connectors.Column
		vals []any
		want string
	}{
		{[]connectors.Column{str("A")}, []any{"x"}, "(A gt 'x')"},
		{[]connectors.Column{str("A"), str("B")}, []any{"x", "y"},
			"(A gt 'x') or (A eq 'x' and B gt 'y')"},
		{[]connectors.Column{ts, str("OrderType"), str("OrderNbr")},
			[]any{at, "SO", "SO0001"},
			"(LastModifiedDateTime gt 2024-03-10T06:02:03.1234567Z) or " +
				"(LastModifiedDateTime eq 2024-03-10T06:02:03.1234567Z and " +
				"((OrderType gt 'SO') or (OrderType eq 'SO' and OrderNbr gt 'SO0001')))"},
		{[]connectors.Column{ts, str("K")}, []any{nil, "k"},
			"(LastModifiedDateTime ne null) or (LastModifiedDateTime eq null and K gt 'k')"},
	}
	for _, tt := range tests {
		got, err := d.Keyset(tt.cols, tt.vals)
		if err != nil || got != tt.want {
			t.Errorf("Keyset(%v) =\n%q, %v\nwant\n%q", tt.vals, got, err, tt.want)
		}
	}
	if _, err := d.Keyset([]connectors.Column{str("A")}, nil); err == nil {
		t.Error("Keyset with missing values succeeded")
	}
}

func TestAnd(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"", "A ge 1"}, "A ge 1"},
		{[]string{"(A gt 1) or (B gt 2)"}, "(A gt 1) or (B gt 2)"},
		{[]string{"T ge 5", "(A gt 1) or (A eq 1 and B gt 2)"},
			"T ge 5 and ((A gt 1) or (A eq 1 and B gt 2))"},
		{[]string{"T ge 5", "(A gt 'x or y')"}, "T ge 5 and (A gt 'x or y')"},
	}
	for _, tt := range tests {
		if got := And(tt.in...); got != tt.want {
			t.Errorf("And(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestQueryEncode(t *testing.T) {
	q := Query{
		Select:  []string{"OrderType", "OrderNbr"},
		Filter:  "LastModifiedDateTime ge 2024-03-10T01:02:03+05:00 and Name eq 'A&B #1 100%'",
		OrderBy: []string{"LastModifiedDateTime", "OrderNbr desc"},
		Top:     500,
		Skip:    10,
		Format:  "json",
	}
	want := "$select=OrderType,OrderNbr" +
		"&$filter=LastModifiedDateTime%20ge%202024-03-10T01:02:03%2B05:00%20and%20Name%20eq%20'A%26B%20%231%20100%25'" +
		"&$orderby=LastModifiedDateTime,OrderNbr%20desc&$top=500&$skip=10&$format=json"
	if got := q.Encode(); got != want {
		t.Errorf("Encode() =\n%s\nwant\n%s", got, want)
	}
	if got := (&Query{}).Encode(); got != "" {
		t.Errorf("empty Encode() = %q", got)
	}
	if got := EscapePath("Sub Co/1+2"); got != "Sub%20Co%2F1%2B2" {
		t.Errorf("EscapePath = %q", got)
	}
}

func TestLiteralLocalAsUTC(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Skip(err)
	}
	c := connectors.Column{Name: "T", Type: connectors.TypeTimestamp,
		SourceType: "Edm.DateTimeOffset"}
	at := time.Date(2026, 7, 1, 16, 0, 0, 120000000, time.UTC) // 12:00 EDT
	d := Dialect{Version: V4, Location: toronto, LocalAsUTC: true}
	if got, _ := d.Literal(c, at); got != "2026-07-01T12:00:00.12Z" {
		t.Errorf("Literal(%v) = %s; want the wall time labelled UTC", at, got)
	}
}
