package acumaticatest

import (
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// show renders a parsed filter fully parenthesised, so tests can check
// precedence and literal decoding.
func show(e *entity, n *node) string {
	switch n.kind {
	case nCol:
		return e.cols[n.col].Name
	case nLit:
		return showLiteral(n)
	case nAnd, nOr:
		op := map[nodeKind]string{nAnd: "and", nOr: "or"}[n.kind]
		return "(" + show(e, n.args[0]) + " " + op + " " + show(e, n.args[1]) + ")"
	case nNot:
		return "(not " + show(e, n.args[0]) + ")"
	case nCmp:
		ops := []string{"eq", "ne", "gt", "ge", "lt", "le"}
		return "(" + show(e, n.args[0]) + " " + ops[n.op] + " " +
			show(e, n.args[1]) + ")"
	}
	var args []string
	for _, a := range n.args {
		args = append(args, show(e, a))
	}
	return n.fn + "(" + strings.Join(args, ",") + ")"
}

func showLiteral(n *node) string {
	v := &n.lit
	switch n.typ {
	case kNull:
		return "null"
	case kString:
		return "'" + strings.ReplaceAll(string(v.s), "'", "''") + "'"
	case kGuid:
		return string(v.s)
	case kBool:
		return map[bool]string{true: "true", false: "false"}[v.i != 0]
	case kInt, kDecimal:
		if v.big != nil {
			return new(big.Rat).SetFrac(v.big, pow10Big(int(v.scale))).
				FloatString(int(v.scale))
		}
		return n.edm + ":" + string(appendDecimal(nil, v.i, int(v.scale)))
	case kTime:
		return string(appendTime(nil, v.i, time.UTC))
	}
	return "?"
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"OrderType eq 'SO'", "(OrderType eq 'SO')"},
		{"OrderType ne 'SO'", "(OrderType ne 'SO')"},
		{"LineCount gt 5", "(LineCount gt Edm.Int32:5)"},
		{"LineCount ge 5", "(LineCount ge Edm.Int32:5)"},
		{"LineCount lt 5", "(LineCount lt Edm.Int32:5)"},
		{"LineCount le 5", "(LineCount le Edm.Int32:5)"},
		// A literal on the left is moved right with the operator flipped.
		{"5 lt LineCount", "(LineCount gt Edm.Int32:5)"},
		{"'SO' le OrderType", "(OrderType ge 'SO')"},
		// or < and < comparison < not.
		{"LineCount eq 1 or Priority eq 2 and LineCount eq 3",
			"((LineCount eq Edm.Int32:1) or ((Priority eq Edm.Int32:2) and (LineCount eq Edm.Int32:3)))"},
		{"(LineCount eq 1 or Priority eq 2) and LineCount eq 3",
			"(((LineCount eq Edm.Int32:1) or (Priority eq Edm.Int32:2)) and (LineCount eq Edm.Int32:3))"},
		{"not Approved and Hold", "((not Approved) and Hold)"},
		{"not (Status eq 'Open')", "(not (Status eq 'Open'))"},
		{"not not Hold", "(not (not Hold))"},
		{"Approved eq Hold eq true", "((Approved eq Hold) eq true)"},
		{"Approved", "Approved"},
		{"  ( ( Hold ) )  ", "Hold"},
		// Literals.
		{"Description eq 'It''s'", "(Description eq 'It''s')"},
		{"Description eq ''''", "(Description eq '''')"},
		{"Description eq ''", "(Description eq '')"},
		{"Description eq 'caf\u00e9 \U0001F69A'", "(Description eq 'caf\u00e9 \U0001F69A')"},
		{"Description eq null", "(Description eq null)"},
		{"null ne Description", "(Description ne null)"},
		{"Approved eq false", "(Approved eq false)"},
		{"OrderTotal gt -12.50", "(OrderTotal gt Edm.Decimal:-12.50)"},
		{"OrderTotal gt 0.0000000001", "(OrderTotal gt Edm.Decimal:0.0000000001)"},
		{"OrderTotal lt 3000000000", "(OrderTotal lt Edm.Int64:3000000000)"},
		{"OrderTotal lt 123456789012345678901234.5",
			"(OrderTotal lt 123456789012345678901234.5)"},
		{"LastModifiedDateTime gt 2026-01-02T03:04:05.1234567Z",
			"(LastModifiedDateTime gt 2026-01-02T03:04:05.1234567+00:00)"},
		{"LastModifiedDateTime gt 2026-01-02T03:04:05+05:00",
			"(LastModifiedDateTime gt 2026-01-01T22:04:05+00:00)"},
		{"LastModifiedDateTime ge 2022-07-13T00:00-04:00",
			"(LastModifiedDateTime ge 2022-07-13T04:00:00+00:00)"},
		{"Date ge 2025-10-14", "(Date ge 2025-10-14T00:00:00+00:00)"},
		{"NoteID eq 6E31401A-CD2F-4E8A-BA7C-ACA96D5E2427",
			"(NoteID eq 6e31401a-cd2f-4e8a-ba7c-aca96d5e2427)"},
		// Functions.
		{"contains(CustomerName,'acme')", "contains(CustomerName,'acme')"},
		{"startswith(CustomerID, 'C0') and endswith(OrderNbr,'1')",
			"(startswith(CustomerID,'C0') and endswith(OrderNbr,'1'))"},
		{"tolower(Status) eq 'open'", "(tolower(Status) eq 'open')"},
		{"length(trim(CustomerID)) eq 7", "(length(trim(CustomerID)) eq Edm.Int32:7)"},
		// The keyset condition a client sends for (timestamp, keys).
		{"(LastModifiedDateTime gt 2026-01-02T03:04:05Z) or " +
			"(LastModifiedDateTime eq 2026-01-02T03:04:05Z and " +
			"(OrderType gt 'A' or (OrderType eq 'A' and OrderNbr gt 'B')))",
			"((LastModifiedDateTime gt 2026-01-02T03:04:05+00:00) or " +
				"((LastModifiedDateTime eq 2026-01-02T03:04:05+00:00) and " +
				"((OrderType gt 'A') or ((OrderType eq 'A') and (OrderNbr gt 'B')))))"},
	}
	for _, tt := range tests {
		n, err := parseFilter(tt.in, salesOrders, time.UTC)
		if err != nil {
			t.Errorf("parseFilter(%q) error: %v", tt.in, err)
			continue
		}
		if got := show(salesOrders, n); got != tt.want {
			t.Errorf("parseFilter(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseFilterDateInZone(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Skip(err)
	}
	n, err := parseFilter("Date eq 2026-07-01", salesOrders, toronto)
	if err != nil {
		t.Fatal(err)
	}
	got := show(salesOrders, n)
	if want := "(Date eq 2026-07-01T04:00:00+00:00)"; got != want {
		t.Errorf("date literal in America/Toronto = %s; want %s", got, want)
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"CreatedDateTime gt datetimeoffset'2024-01-01'",
			"Unrecognized 'Edm.String' literal 'datetimeoffset'2024-01-01'' " +
				"at '19' in 'CreatedDateTime gt datetimeoffset'2024-01-01''."},
		{"LastModifiedDateTime gt datetime'2022-07-13T00:00:00.000'",
			"Unrecognized 'Edm.String' literal 'datetime'2022-07-13T00:00:00.000''"},
		{"Foo eq 1",
			"Could not find a property named 'Foo' on type 'GenericInquiry.SalesOrders'."},
		{"orderType eq 'SO'", "Could not find a property named 'orderType'"},
		{"substringof('x',CustomerName)",
			"An unknown function with name 'substringof' was found."},
		{"isof('Edm.String')", "An unknown function with name 'isof' was found."},
		{"OrderType gt 5", "A binary operator with incompatible types was " +
			"detected. Found operand types 'Edm.String' and 'Edm.Int32' for " +
			"operator kind 'GreaterThan'."},
		{"LastModifiedDateTime ge '2024-01-01'", "Found operand types " +
			"'Edm.DateTimeOffset' and 'Edm.String' for operator kind " +
			"'GreaterThanOrEqual'."},
		{"NoteID eq 'abc'", "Found operand types 'Edm.Guid' and 'Edm.String'"},
		{"Approved lt true", "for operator kind 'LessThan'"},
		{"LastModifiedDateTime gt 2024-01-01T00:00:00",
			"The DateTimeOffset text '2024-01-01T00:00:00' should be in format"},
		{"LastModifiedDateTime gt 2024-01-01T00:00:00 05:00",
			"The DateTimeOffset text '2024-01-01T00:00:00' should be in format"},
		{"LastModifiedDateTime gt 2024-01-01T00:00:00.12345678Z",
			"The DateTimeOffset text"},
		{"LastModifiedDateTime gt 2024-13-01T00:00:00Z", "The DateTimeOffset text"},
		{"Date gt 2024-02-30", "The Date text '2024-02-30'"},
		{"OrderType eq 'SO", "There is an unterminated string literal at position 13"},
		{"OrderType eq", "Expression expected at position 12"},
		{"(OrderType eq 'SO'", "')' or operator expected at position 18"},
		{"OrderType eq 'SO' xx", "Syntax error at position 18"},
		{"OrderType eq 'SO' and", "Expression expected"},
		{"OrderType eq 1.", "Syntax error"},
		{"LineCount eq 12abc", "Syntax error"},
		{"OrderType eq #", "Syntax error at position 13"},
		{"OrderType", "The $filter expression must evaluate to a single boolean value."},
		{"not Status", "A unary operator with an incompatible type was detected. " +
			"Found operand type 'Edm.String' for operator kind 'Not'."},
		{"Status and Hold", "for operator kind 'And'"},
		{"LineCount add 1 eq 2", "The operator 'add' is not supported."},
		{"contains(LineCount,'1')", "No function signature for the function with name 'contains'"},
		{"tolower(Status,'x') eq 'a'", "No function signature for the function with name 'tolower'"},
	}
	for _, tt := range tests {
		_, err := parseFilter(tt.in, salesOrders, time.UTC)
		if err == nil {
			t.Errorf("parseFilter(%q) succeeded; want error %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseFilter(%q) error = %q; want %q", tt.in, err, tt.want)
		}
		if qe := err.(*queryError); qe.status != 500 {
			t.Errorf("parseFilter(%q) status = %d; want 500", tt.in, qe.status)
		}
	}
}

// TestFilterSemantics runs filters through HTTP and compares the rows
// returned with a Go predicate over Rows: collation, null logic, exact
// decimals, instants, functions.
func TestFilterSemantics(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 400})
	c := newClient(t, base)
	cols := s.Columns("SalesOrders")
	all := s.Rows("Company", "SalesOrders")
	at := func(row []any, name string) any { return row[colIndex(cols, name)] }
	str := func(row []any, name string) string { v, _ := at(row, name).(string); return v }
	dec := func(row []any, name string) *big.Rat {
		v, ok := at(row, name).(string)
		if !ok {
			return nil
		}
		r, _ := new(big.Rat).SetString(v)
		return r
	}
	rat := func(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }
	tied := tiedTimestamp(t, s, "Company", "SalesOrders")
	note := str(all[17], "NoteID")

	tests := []struct {
		filter string
		want   func(row []any) bool
	}{
		{"OrderType eq 'SO'", func(r []any) bool { return str(r, "OrderType") == "SO" }},
		{"OrderType eq 'so'", func(r []any) bool { return str(r, "OrderType") == "SO" }},
		// Trailing spaces are ignored, on either side.
		{"CustomerID eq 'C000002'", func(r []any) bool { return str(r, "CustomerID") == "C000002   " }},
		{"CustomerID eq 'c000002      '", func(r []any) bool { return str(r, "CustomerID") == "C000002   " }},
		{"CustomerID ne 'C000002'", func(r []any) bool { return str(r, "CustomerID") != "C000002   " }},
		{"BranchID eq 'MAIN'", func(r []any) bool { return str(r, "BranchID") == "MAIN      " }},
		{"OrderNbr ge 'so000100' and OrderNbr lt 'SO000120'", func(r []any) bool {
			n := str(r, "OrderNbr")
			return n >= "SO000100" && n < "SO000120"
		}},
		// SQL null logic: comparisons with null are unknown, even negated.
		{"Description eq null", func(r []any) bool { return at(r, "Description") == nil }},
		{"Description ne null", func(r []any) bool { return at(r, "Description") != nil }},
		{"not (Description eq 'Standard order')", func(r []any) bool {
			return at(r, "Description") != nil && str(r, "Description") != "Standard order"
		}},
		{"RequestedOn gt 2025-06-01T00:00:00Z", func(r []any) bool {
			v, ok := at(r, "RequestedOn").(time.Time)
			return ok && v.After(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
		}},
		{"RequestedOn gt 2025-06-01T02:00:00+02:00", func(r []any) bool {
			v, ok := at(r, "RequestedOn").(time.Time)
			return ok && v.After(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
		}},
		{"Date ge 2025-10-14", func(r []any) bool {
			return !at(r, "Date").(time.Time).Before(time.Date(2025, 10, 14, 0, 0, 0, 0, time.UTC))
		}},
		// Decimals compare exactly, across scales and with integers.
		{"OrderTotal lt 0", func(r []any) bool { return dec(r, "OrderTotal").Sign() < 0 }},
		{"OrderTotal ge 100000.00005", func(r []any) bool {
			return dec(r, "OrderTotal").Cmp(rat("100000.00005")) >= 0
		}},
		{"PaidTotal eq 0.0000000001", func(r []any) bool {
			d := dec(r, "PaidTotal")
			return d != nil && d.Cmp(rat("0.0000000001")) == 0
		}},
		{"PaidTotal gt 50000.5 and PaidTotal le 90000", func(r []any) bool {
			d := dec(r, "PaidTotal")
			return d != nil && d.Cmp(rat("50000.5")) > 0 && d.Cmp(rat("90000")) <= 0
		}},
		{"OrderTotal gt 99999999999999.9998", func(r []any) bool {
			return dec(r, "OrderTotal").Cmp(rat("99999999999999.9998")) > 0
		}},
		{"OrderTotal lt 123456789012345678901234.5", func(r []any) bool { return true }},
		{"LineCount gt 100 and Priority le 3", func(r []any) bool {
			return at(r, "LineCount").(int64) > 100 && at(r, "Priority").(int64) <= 3
		}},
		{"LineCount gt 100.5", func(r []any) bool { return at(r, "LineCount").(int64) > 100 }},
		{"Approved and not Hold", func(r []any) bool {
			return at(r, "Approved").(bool) && !at(r, "Hold").(bool)
		}},
		{"Approved eq false or Hold eq true", func(r []any) bool {
			return !at(r, "Approved").(bool) || at(r, "Hold").(bool)
		}},
		{"Status eq 'on hold'", func(r []any) bool { return str(r, "Status") == "On Hold" }},
		{"contains(Description,'CAF\u00c9')", func(r []any) bool {
			return strings.Contains(strings.ToLower(str(r, "Description")), "caf\u00e9")
		}},
		{"startswith(CustomerName,'acme')", func(r []any) bool {
			return strings.HasPrefix(str(r, "CustomerName"), "Acme")
		}},
		{"endswith(OrderNbr,'7')", func(r []any) bool { return strings.HasSuffix(str(r, "OrderNbr"), "7") }},
		{"tolower(Status) eq 'open'", func(r []any) bool { return str(r, "Status") == "Open" }},
		{"length(CustomerID) eq 7", func(r []any) bool { return true }},
		{"LastModifiedDateTime eq " + tied.UTC().Format(time.RFC3339Nano), func(r []any) bool {
			return at(r, "LastModifiedDateTime").(time.Time).Equal(tied)
		}},
		{"NoteID eq " + strings.ToUpper(note), func(r []any) bool { return str(r, "NoteID") == note }},
	}
	for _, tt := range tests {
		var want []string
		for _, r := range all {
			if tt.want(r) {
				want = append(want, keyOf(cols, r))
			}
		}
		got := servedKeys(t, cols, c.query("SalesOrders", "$filter", tt.filter))
		if !slices.Equal(got, want) {
			t.Errorf("$filter=%s: got %d rows, want %d\n got %.300v\nwant %.300v",
				tt.filter, len(got), len(want), got, want)
		}
		if len(want) == 0 {
			t.Errorf("$filter=%s matches no rows; the case tests nothing", tt.filter)
		}
	}
}

// tiedTimestamp returns a LastModifiedDateTime shared by several rows.
func tiedTimestamp(t testing.TB, s *Service, tenantName, entityName string) time.Time {
	t.Helper()
	cols := s.Columns(entityName)
	lm := colIndex(cols, "LastModifiedDateTime")
	count := map[int64]int{}
	var best int64
	for _, r := range s.Rows(tenantName, entityName) {
		k := r[lm].(time.Time).UnixNano()
		count[k]++
		if count[k] > count[best] {
			best = k
		}
	}
	if count[best] < 2 {
		t.Fatalf("no tied LastModifiedDateTime in %s", entityName)
	}
	return time.Unix(0, best)
}
