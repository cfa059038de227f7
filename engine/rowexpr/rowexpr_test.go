package rowexpr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// testColumns are 20 columns shaped like Acumatica's SalesOrders.
var testColumns = []connectors.Column{
	{Name: "OrderType", Type: connectors.TypeString},
	{Name: "OrderNbr", Type: connectors.TypeString},
	{Name: "CustomerID", Type: connectors.TypeString},
	{Name: "Status", Type: connectors.TypeString},
	{Name: "Description", Type: connectors.TypeString},
	{Name: "OrderQty", Type: connectors.TypeDecimal, Precision: 19, Scale: 2},
	{Name: "OrderTotal", Type: connectors.TypeDecimal, Precision: 19, Scale: 4},
	{Name: "TaxTotal", Type: connectors.TypeDecimal, Precision: 19, Scale: 4},
	{Name: "PaidTotal", Type: connectors.TypeDecimal, Scale: connectors.VariableScale},
	{Name: "Approved", Type: connectors.TypeBool},
	{Name: "Hold", Type: connectors.TypeBool},
	{Name: "LineCount", Type: connectors.TypeInt, Bits: 32},
	{Name: "Priority", Type: connectors.TypeInt, Bits: 16},
	{Name: "Rate", Type: connectors.TypeFloat},
	{Name: "NoteID", Type: connectors.TypeUUID},
	{Name: "BranchID", Type: connectors.TypeString},
	{Name: "Date", Type: connectors.TypeDate},
	{Name: "RequestedOn", Type: connectors.TypeTimestamp},
	{Name: "CreatedDateTime", Type: connectors.TypeTimestamp},
	{Name: "LastModifiedDateTime", Type: connectors.TypeTimestamp},
}

func dec(s string) apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return *d
}

func testNames() []string {
	names := make([]string, len(testColumns))
	for i, c := range testColumns {
		names[i] = c.Name
	}
	return names
}

// testRow returns a row of testColumns; set overrides some values.
func testRow(set map[string]any) []any {
	row := []any{
		"SO", "SO000001", "C000042  ", "Open", "Standard order",
		dec("12.50"), dec("1234.5600"), dec("160.4928"), dec("100.1"),
		true, false, int64(7), int64(3), 1.5, [16]byte{1, 2, 3},
		"MAIN      ", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC),
		time.Date(2026, 2, 27, 14, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC),
	}
	for i, c := range testColumns {
		if v, ok := set[c.Name]; ok {
			row[i] = v
		}
	}
	return row
}

// show formats a result for comparison.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case apd.Decimal:
		return x.Text('f')
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func eval(t *testing.T, src string, opts Options, row []any) (any, error) {
	t.Helper()
	p, err := Compile(src, testColumns, opts)
	if err != nil {
		t.Fatalf("Compile(%q) = %v", src, err)
	}
	e, err := p.Evaluator(testNames())
	if err != nil {
		t.Fatal(err)
	}
	return e.Eval(row)
}

func TestEval(t *testing.T) {
	tests := []struct {
		src  string
		set  map[string]any
		want string
		typ  string
	}{
		{"OrderTotal - TaxTotal", nil, "1074.0672", "decimal"},
		{"OrderTotal - PaidTotal", nil, "1134.4600", "decimal"},
		{"0.1 + 0.2 == 0.3", nil, "true", "bool"},
		{"0.1 + 0.2", nil, "0.3", "decimal"},
		// Beyond float64: 17+ significant digits stay exact.
		{"OrderTotal + 0.0001", map[string]any{"OrderTotal": dec("99999999999999999.9999")},
			"100000000000000000.0000", "decimal"},
		{"OrderTotal * 3", map[string]any{"OrderTotal": dec("12345678901234567.8901")},
			"37037036703703703.6703", "decimal"},
		{"OrderQty * OrderTotal", nil, "15432.000000", "decimal"},
		{"1 / 3", nil, "0.3333333333333333333333333333333333", "decimal"},
		{"round(OrderTotal / 3, 2)", nil, "411.52", "decimal"},
		{"round(2.5, 0)", nil, "3", "decimal"},
		{"round(-2.5, 0)", nil, "-3", "decimal"},
		{"OrderTotal % 1000", nil, "234.5600", "decimal"},
		{"-OrderTotal", nil, "-1234.5600", "decimal"},
		{"abs(-OrderTotal)", nil, "1234.5600", "decimal"},
		{"LineCount * 2 + Priority", nil, "17", "int"},
		{"LineCount / 2", nil, "3.5", "decimal"},
		{"LineCount % 4", nil, "3", "int"},
		{"OrderTotal > 1000 and LineCount < 10", nil, "true", "bool"},
		{"LineCount == 7.0", nil, "true", "bool"},
		{"Rate * 2", nil, "3", "float"},
		{"trim(CustomerID)", nil, "C000042", "string"},
		{"upper(Status) + '/' + lower(OrderType)", nil, "OPEN/so", "string"},
		{"len(trim(BranchID))", nil, "4", "int"},
		{"Status != 'Cancelled'", nil, "true", "bool"},
		{"Status in ['Open', 'On Hold']", nil, "true", "bool"},
		{"Status not in ['Open', 'On Hold']", nil, "false", "bool"},
		{"OrderNbr startsWith 'SO'", nil, "true", "bool"},
		{"Description contains 'order'", nil, "true", "bool"},
		{"Date >= date('2026-01-01')", nil, "true", "bool"},
		{"LastModifiedDateTime < date('2026-03-02T08:15:00.5Z')", nil, "true", "bool"},
		{"RequestedOn > Date", nil, "true", "bool"},
		{"Hold ? 'held' : Status", nil, "Open", "string"},
		{"coalesce(PaidTotal, 0)", map[string]any{"PaidTotal": nil}, "0", "decimal"},
		{"PaidTotal ?? OrderTotal", map[string]any{"PaidTotal": nil}, "1234.5600", "decimal"},
		{"NoteID", nil, "[1 2 3 0 0 0 0 0 0 0 0 0 0 0 0 0]", "uuid"},
		{"date('2026-01-01')", nil, "2026-01-01T00:00:00Z", "date"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, testColumns, Options{})
			if err != nil {
				t.Fatalf("Compile(%q) = %v", tt.src, err)
			}
			if got := p.Type().Kind.String(); got != tt.typ {
				t.Errorf("Compile(%q).Type() = %s; want %s", tt.src, got, tt.typ)
			}
			got, err := eval(t, tt.src, Options{}, testRow(tt.set))
			if err != nil {
				t.Fatalf("Eval(%q) = %v", tt.src, err)
			}
			if show(got) != tt.want {
				t.Errorf("Eval(%q) = %s; want %s", tt.src, show(got), tt.want)
			}
		})
	}
}

// TestNulls pins the null semantics documented in doc.go.
func TestNulls(t *testing.T) {
	null := map[string]any{"Status": nil, "OrderTotal": nil, "Hold": nil,
		"CustomerID": nil, "LineCount": nil}
	tests := []struct{ src, want string }{
		{"OrderTotal - TaxTotal", "null"},
		{"-OrderTotal", "null"},
		{"LineCount + 1", "null"},
		{"trim(CustomerID)", "null"},
		{"Status + 'x'", "null"},
		{"Status == nil", "true"},
		{"Status != nil", "false"},
		{"Status != 'Cancelled'", "true"},
		{"Status == 'Cancelled'", "false"},
		{"OrderTotal > 0", "null"},
		{"Status startsWith 'O'", "null"},
		{"Hold and false", "false"},
		{"Hold and true", "null"},
		{"Hold or true", "true"},
		{"Hold or false", "null"},
		{"not Hold", "null"},
		{"Hold ? 1 : 2", "2"},
		{"coalesce(Status, CustomerID, 'none')", "none"},
		{"Status in ['Open', nil]", "true"},
	}
	for _, tt := range tests {
		got, err := eval(t, tt.src, Options{}, testRow(null))
		if err != nil {
			t.Fatalf("Eval(%q) = %v", tt.src, err)
		}
		if show(got) != tt.want {
			t.Errorf("Eval(%q) on nulls = %s; want %s", tt.src, show(got), tt.want)
		}
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		src  string
		set  map[string]any
		keep bool
	}{
		{"Status != 'Cancelled'", nil, true},
		{"Status != 'Cancelled'", map[string]any{"Status": "Cancelled"}, false},
		{"Status != 'Cancelled'", map[string]any{"Status": nil}, true},
		{"OrderTotal > 0", map[string]any{"OrderTotal": nil}, false},
		{"Hold", map[string]any{"Hold": nil}, false},
		{"not Hold", nil, true},
	}
	for _, tt := range tests {
		p, err := Compile(tt.src, testColumns, Options{Purpose: Filter})
		if err != nil {
			t.Fatalf("Compile(%q) = %v", tt.src, err)
		}
		e, err := p.Evaluator(testNames())
		if err != nil {
			t.Fatal(err)
		}
		keep, err := e.Keep(testRow(tt.set))
		if err != nil || keep != tt.keep {
			t.Errorf("Keep(%q, %v) = %v, %v; want %v", tt.src, tt.set, keep, err, tt.keep)
		}
	}
}

func TestForcedType(t *testing.T) {
	tests := []struct {
		src, typ string
		set      map[string]any
		want     string // or "error: substring"
	}{
		{"OrderTotal - TaxTotal", "decimal(18,4)", nil, "1074.0672"},
		{"OrderTotal - TaxTotal", "decimal(18,6)", nil, "1074.067200"},
		{"OrderTotal - TaxTotal", "decimal(18,2)", nil, "error: does not fit decimal(18,2) without rounding"},
		{"OrderTotal", "decimal(5,2)", nil, "error: does not fit decimal(5,2)"},
		{"LineCount", "decimal(10,2)", nil, "7.00"},
		{"OrderQty", "int", map[string]any{"OrderQty": dec("12.00")}, "12"},
		{"OrderQty", "int", nil, "error: not a whole number"},
		{"OrderTotal", "string", nil, "1234.5600"},
		{"LineCount", "string", nil, "7"},
		{"Date", "date", nil, "2026-03-01T00:00:00Z"},
		{"RequestedOn", "date", nil, "error: not a date"},
		{"LineCount", "float", nil, "7"},
	}
	for _, tt := range tests {
		got, err := eval(t, tt.src, Options{Type: tt.typ}, testRow(tt.set))
		if w, ok := strings.CutPrefix(tt.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Eval(%q as %s) = %s, %v; want an error with %q", tt.src, tt.typ, show(got), err, w)
			}
			continue
		}
		if err != nil || show(got) != tt.want {
			t.Errorf("Eval(%q as %s) = %s, %v; want %s", tt.src, tt.typ, show(got), err, tt.want)
		}
	}
}

func TestInferredColumn(t *testing.T) {
	tests := []struct {
		src  string
		want connectors.Column
	}{
		{"OrderTotal - TaxTotal", connectors.Column{Type: connectors.TypeDecimal, Scale: 4}},
		{"OrderQty - OrderTotal", connectors.Column{Type: connectors.TypeDecimal, Scale: 4}},
		{"OrderQty * OrderTotal", connectors.Column{Type: connectors.TypeDecimal, Scale: 6}},
		{"OrderTotal - PaidTotal", connectors.Column{Type: connectors.TypeDecimal, Scale: connectors.VariableScale}},
		{"round(OrderTotal / 3, 2)", connectors.Column{Type: connectors.TypeDecimal, Scale: 2}},
		{"LineCount + 1", connectors.Column{Type: connectors.TypeInt, Bits: 64}},
		{"trim(Status)", connectors.Column{Type: connectors.TypeString}},
		{"Date", connectors.Column{Type: connectors.TypeDate}},
	}
	for _, tt := range tests {
		p, err := Compile(tt.src, testColumns, Options{})
		if err != nil {
			t.Fatalf("Compile(%q) = %v", tt.src, err)
		}
		got := p.Type().Column("c")
		got.Name, got.SourceType, got.Nullable = "", "", false
		if got != tt.want {
			t.Errorf("Compile(%q) column = %+v; want %+v", tt.src, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src     string
		purpose Purpose
		summary string
		at      string // the text the error points at
		detail  string
	}{
		{"OrderTotal - PaidTotl", Value, SummaryColumn, "PaidTotl", `Did you mean "PaidTotal"?`},
		{"ordertotal", Value, SummaryColumn, "ordertotal", `Did you mean "OrderTotal"?`},
		{"Status - OrderTotal", Value, SummaryType, "-", "a string and a decimal"},
		{"Status + OrderTotal", Value, SummaryType, "+", "a string and a decimal"},
		{"Status == 1", Value, SummaryType, "==", "Cannot compare a string with an int"},
		{"Hold and Status", Value, SummaryType, "and", "two bools"},
		{"trim(LineCount)", Value, SummaryType, "trim", "needs a string"},
		{"trimm(Status)", Value, SummaryFunction, "trimm", "Did you mean trim?"},
		{"now() > Date", Value, SummaryFunction, "now", "same result"},
		{"round(OrderTotal, LineCount)", Value, SummaryType, "LineCount", "number of digits"},
		{"date('yesterday')", Value, SummaryType, "'yesterday'", "YYYY-MM-DD"},
		{"OrderTotal - TaxTotal", Filter, SummaryFilter, "OrderTotal - TaxTotal", "gives a decimal"},
		{"Status.Name", Value, SummaryUnsupported, "Name", "no fields"},
		{"OrderTotal -", Value, SummarySyntax, "-", "does not parse"},
		{"Status = 'Open'", Value, SummarySyntax, "=", "does not parse"},
		{"Status != 'Open", Value, SummarySyntax, "", "not terminated"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.src, testColumns, Options{Purpose: tt.purpose})
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Errorf("Compile(%q) = %v; want %s", tt.src, err, tt.summary)
			continue
		}
		e := errs[0]
		if e.Summary != tt.summary || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("Compile(%q) = %s: %s; want %s: ...%s...", tt.src, e.Summary, e.Detail, tt.summary, tt.detail)
		}
		if got := tt.src[e.Start:e.End]; got != tt.at {
			t.Errorf("Compile(%q) points at %q (%d-%d); want %q", tt.src, got, e.Start, e.End, tt.at)
		}
	}
}

func TestForcedTypeErrors(t *testing.T) {
	tests := []struct{ src, typ, detail string }{
		{"Status", "decimal(18,2)", "cannot be stored as decimal(18,2)"},
		{"OrderTotal", "decimal(40,2)", "out of range"},
		{"OrderTotal", "money", "not a column type"},
		{"Hold", "timestamp", "cannot be stored"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.src, testColumns, Options{Type: tt.typ})
		var errs Errors
		if !errors.As(err, &errs) || errs[0].Summary != SummaryColumnType ||
			!strings.Contains(errs[0].Detail, tt.detail) {
			t.Errorf("Compile(%q as %s) = %v; want %s with %q", tt.src, tt.typ, err, SummaryColumnType, tt.detail)
		}
	}
}

func TestSyntax(t *testing.T) {
	tests := []struct {
		src string
		ok  bool
		at  string // the text the error points at
	}{
		{"OrderTotal - PaidTotal", true, ""},
		{"NoSuchColumn + 1", true, ""},            // names need metadata
		{"Status != 'Cancelled' and", false, "d"}, // at the end
		{"(OrderTotal", false, "l"},
		{"fetch(OrderTotal)", false, "fetch"},
		{"now()", false, "now"},
		{"'Café' +* 1", false, "*"},
	}
	for _, tt := range tests {
		err := Syntax(tt.src)
		var errs Errors
		switch {
		case tt.ok:
			if err != nil {
				t.Errorf("Syntax(%q) = %v; want nil", tt.src, err)
			}
		case !errors.As(err, &errs):
			t.Errorf("Syntax(%q) = %v; want an error", tt.src, err)
		case tt.src[errs[0].Start:errs[0].End] != tt.at:
			t.Errorf("Syntax(%q) points at %q; want %q", tt.src, tt.src[errs[0].Start:errs[0].End], tt.at)
		}
	}
}

func TestRuntimeErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"OrderTotal / (TaxTotal - TaxTotal)", "division by zero"},
		{"LineCount % 0", "division by zero"},
		{"LineCount * 4611686018427387904", "integer overflow"},
		{"date(Status)", "want YYYY-MM-DD"},
	}
	for _, tt := range tests {
		_, err := eval(t, tt.src, Options{}, testRow(nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Eval(%q) = %v; want an error with %q", tt.src, err, tt.want)
		}
	}
}

func TestDivisionPrecision(t *testing.T) {
	got, err := eval(t, "2 / 3", Options{}, testRow(nil))
	if err != nil {
		t.Fatal(err)
	}
	d := got.(apd.Decimal)
	if n := d.NumDigits(); n != QuotientDigits {
		t.Errorf("2 / 3 has %d digits; want %d", n, QuotientDigits)
	}
	if s := d.Text('f'); !strings.HasSuffix(s, "67") {
		t.Errorf("2 / 3 = %s; want it rounded half to even", s)
	}
}
