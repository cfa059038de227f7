package odata

import (
	"bytes"
	"os"
	"testing"
	"testing/iotest"

	"github.com/syncctl/syncctl/connectors"
)

// FuzzDecode checks that no body makes the decoder panic or loop, and
// that reading in small pieces gives the same result as reading whole.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"salesorders.v4.json", "stockitems.v3.json",
		"products.v2.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"value":[{"S":"\ud83d\ude9a","N":-0,"D":"1e5","T":"/Date(0)/"}]}`))
	cols := []connectors.Column{
		{Name: "S", Type: connectors.TypeString},
		{Name: "N", Type: connectors.TypeInt},
		{Name: "D", Type: connectors.TypeDecimal},
		{Name: "T", Type: connectors.TypeTimestamp},
		{Name: "OrderNbr", Type: connectors.TypeString},
		{Name: "OrderTotal", Type: connectors.TypeDecimal},
		{Name: "LastModifiedDateTime", Type: connectors.TypeTimestamp},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n1, n2 := 0, 0
		p1, err1 := NewDecoder(cols, DecodeOptions{}).Decode(
			bytes.NewReader(body), func([]any) error { n1++; return nil })
		p2, err2 := NewDecoder(cols, DecodeOptions{}).Decode(
			iotest.HalfReader(bytes.NewReader(body)),
			func([]any) error { n2++; return nil })
		if n1 != n2 || (err1 == nil) != (err2 == nil) || p1 != p2 {
			t.Errorf("whole: %d rows, %v, %+v; halves: %d rows, %v, %+v",
				n1, err1, p1, n2, err2, p2)
		}
	})
}
