package odata

import (
	"bytes"
	"os"
	"testing"
	"testing/iotest"

	"github.com/syncctl/syncctl/connectors"
)

// FuzzDecodeATOM checks that no body makes the ATOM decoder panic or
// loop, and that reading in small pieces gives the same result as
// reading whole, so that the reference rewriting does not depend on
// where reads end.
func FuzzDecodeATOM(f *testing.F) {
	for _, name := range []string{"salesorders.v3.atom.xml",
		"stockitems.v3.atom.xml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(feedOf(`<d:S>&#x1F;<![CDATA[&#1;]]>` + "\U0010FFFF" +
		`</d:S><d:N m:null="true"/><d:D>1e5</d:D><d:T>2024-01-01T00:00:00</d:T>`)))
	cols := []connectors.Column{
		{Name: "S", Type: connectors.TypeString},
		{Name: "N", Type: connectors.TypeInt},
		{Name: "D", Type: connectors.TypeDecimal},
		{Name: "T", Type: connectors.TypeTimestamp},
		{Name: "OrderNbr", Type: connectors.TypeString},
		{Name: "InventoryID", Type: connectors.TypeString},
		{Name: "OrderTotal", Type: connectors.TypeDecimal},
		{Name: "LastModifiedDateTime", Type: connectors.TypeTimestamp},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r1, r2 [][]any
		p1, err1 := NewATOMDecoder(cols, DecodeOptions{}).Decode(
			bytes.NewReader(body), func(r []any) error {
				r1 = append(r1, r)
				return nil
			})
		p2, err2 := NewATOMDecoder(cols, DecodeOptions{}).Decode(
			iotest.OneByteReader(bytes.NewReader(body)),
			func(r []any) error {
				r2 = append(r2, r)
				return nil
			})
		if len(r1) != len(r2) || (err1 == nil) != (err2 == nil) || p1 != p2 {
			t.Fatalf("whole: %d rows, %v, %+v; bytes: %d rows, %v, %+v",
				len(r1), err1, p1, len(r2), err2, p2)
		}
		for i := range r1 {
			for j := range r1[i] {
				if !sameValue(r2[i][j], r1[i][j]) {
					t.Fatalf("row %d col %d: whole %#v, bytes %#v", i, j,
						r1[i][j], r2[i][j])
				}
			}
		}
	})
}
