package odata

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// salesOrdersBody writes a body of n rows shaped like Acumatica's
// SalesOrders inquiry, and the columns to decode it with.
func salesOrdersBody(n int) ([]byte, []connectors.Column) {
	col := func(name string, typ connectors.Type, src string) connectors.Column {
		return connectors.Column{Name: name, Type: typ, SourceType: src}
	}
	cols := []connectors.Column{
		col("OrderType", connectors.TypeString, "Edm.String"),
		col("OrderNbr", connectors.TypeString, "Edm.String"),
		col("CustomerID", connectors.TypeString, "Edm.String"),
		col("CustomerName", connectors.TypeString, "Edm.String"),
		col("Status", connectors.TypeString, "Edm.String"),
		col("Date", connectors.TypeTimestamp, "Edm.DateTimeOffset"),
		col("RequestedOn", connectors.TypeTimestamp, "Edm.DateTimeOffset"),
		col("Description", connectors.TypeString, "Edm.String"),
		col("CurrencyID", connectors.TypeString, "Edm.String"),
		col("OrderQty", connectors.TypeDecimal, "Edm.Decimal"),
		col("OrderTotal", connectors.TypeDecimal, "Edm.Decimal"),
		col("TaxTotal", connectors.TypeDecimal, "Edm.Decimal"),
		col("PaidTotal", connectors.TypeDecimal, "Edm.Decimal"),
		col("Approved", connectors.TypeBool, "Edm.Boolean"),
		col("Hold", connectors.TypeBool, "Edm.Boolean"),
		col("LineCount", connectors.TypeInt, "Edm.Int32"),
		col("Priority", connectors.TypeInt, "Edm.Int16"),
		col("NoteID", connectors.TypeUUID, "Edm.Guid"),
		col("BranchID", connectors.TypeString, "Edm.String"),
		col("CreatedDateTime", connectors.TypeTimestamp, "Edm.DateTimeOffset"),
		col("LastModifiedDateTime", connectors.TypeTimestamp, "Edm.DateTimeOffset"),
	}
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":"http://127.0.0.1:8080/t/Company/api/odata/gi/$metadata#SalesOrders","value":[`)
	statuses := []string{"Open", "Completed", "On Hold", "Back Order"}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"OrderType":"SO","OrderNbr":"SO%06d","CustomerID":"C%08d",`+
			`"CustomerName":"Customer \"%d\" Ltd.","Status":"%s",`+
			`"Date":"2024-03-%02dT00:00:00-05:00","RequestedOn":null,`+
			`"Description":"Rush delivery \u2014 customer called twice %d",`+
			`"CurrencyID":"USD","OrderQty":%d.%02d,"OrderTotal":%d.%04d,`+
			`"TaxTotal":%d.%04d,"PaidTotal":%d.%d,"Approved":%t,"Hold":false,`+
			`"LineCount":%d,"Priority":%d,`+
			`"NoteID":"0f8fad5b-d9cb-469f-a165-%012x","BranchID":"MAIN      ",`+
			`"CreatedDateTime":"2024-03-%02dT10:%02d:%02d.%07d-05:00",`+
			`"LastModifiedDateTime":"2024-03-%02dT11:%02d:%02d.%03d+00:00"}`,
			i, i%5000, i, statuses[i%4], 1+i%28, i%1000,
			i%500, i%100, i*37%100000, i%10000, i*5%10000, i%10000,
			i%3000, i%1000, i%2 == 0, 1+i%250, i%10, i,
			1+i%28, i%60, (i*7)%60, i*13%10000000,
			1+i%28, i%60, (i*11)%60, i%1000)
	}
	b.WriteString(`]}`)
	return b.Bytes(), cols
}

func TestSalesOrdersBodyDecodes(t *testing.T) {
	body, cols := salesOrdersBody(100)
	rows, _, err := decodeAll(t, cols, DecodeOptions{}, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 100 || rows[99][1] != "SO000099" || rows[5][6] != nil {
		t.Errorf("unexpected rows: %d, %v", len(rows), rows[99][:3])
	}
}

func BenchmarkDecodeSalesOrders(b *testing.B) {
	body, cols := salesOrdersBody(1000)
	d := NewDecoder(cols, DecodeOptions{SlabRows: 1000})
	var rows int
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(bytes.NewReader(body), func([]any) error {
			rows++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(body))/1000, "bytes/row")
}

func BenchmarkDecodeSkipAll(b *testing.B) {
	body, _ := salesOrdersBody(1000)
	d := NewDecoder([]connectors.Column{{Name: "Missing",
		Type: connectors.TypeString}}, DecodeOptions{SlabRows: 1000})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(bytes.NewReader(body), func([]any) error {
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTime(b *testing.B) {
	zones := zoneCache{}
	in := []byte("2024-03-10T01:02:03.1234567-05:00")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseTime(in, time.UTC, zones); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDecimal(b *testing.B) {
	in := []byte("123456789.1234")
	var d apd.Decimal
	b.ReportAllocs()
	for b.Loop() {
		if err := parseDecimal(in, &d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseGUID(b *testing.B) {
	in := []byte("0f8fad5b-d9cb-469f-a165-70867728950e")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseGUID(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyset(b *testing.B) {
	cols := []connectors.Column{
		{Name: "LastModifiedDateTime", Type: connectors.TypeTimestamp},
		{Name: "OrderType", Type: connectors.TypeString},
		{Name: "OrderNbr", Type: connectors.TypeString},
	}
	vals := []any{time.Date(2024, 3, 10, 6, 2, 3, 123456700, time.UTC), "SO", "SO000123"}
	d := Dialect{Version: V4}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Keyset(cols, vals); err != nil {
			b.Fatal(err)
		}
	}
}
