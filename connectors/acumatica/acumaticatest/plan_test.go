package acumaticatest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// orderedByTracking sorts rows by (LastModifiedDateTime, keys), the
// order an incremental client pages in.
func orderedByTracking(cols []Column, rows [][]any) [][]any {
	lm := colIndex(cols, "LastModifiedDateTime")
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b []any) int {
		return a[lm].(time.Time).Compare(b[lm].(time.Time))
	})
	return out
}

func literalTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// keysetFilter is the condition for rows after a (timestamp, OrderType,
// OrderNbr) cursor.
func keysetFilter(lm time.Time, orderType, orderNbr string) string {
	x := literalTime(lm)
	return fmt.Sprintf("(LastModifiedDateTime gt %s) or "+
		"(LastModifiedDateTime eq %s and (OrderType gt '%s' or "+
		"(OrderType eq '%s' and OrderNbr gt '%s')))",
		x, x, orderType, orderType, orderNbr)
}

const trackingOrder = "LastModifiedDateTime,OrderType,OrderNbr"

func TestKeysetAfterTiedCursor(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 2000})
	c := newClient(t, base)
	cols := s.Columns("SalesOrders")
	ordered := orderedByTracking(cols, s.Rows("Company", "SalesOrders"))
	lm, ot, on := colIndex(cols, "LastModifiedDateTime"),
		colIndex(cols, "OrderType"), colIndex(cols, "OrderNbr")

	// The cursor is the first row of the largest tie group, so the page
	// must start with the rest of that group.
	tied := tiedTimestamp(t, s, "Company", "SalesOrders")
	at := slices.IndexFunc(ordered, func(r []any) bool {
		return r[lm].(time.Time).Equal(tied)
	})
	cur := ordered[at]
	f := keysetFilter(cur[lm].(time.Time), cur[ot].(string), cur[on].(string))
	got := servedKeys(t, cols, c.query("SalesOrders", "$filter", f,
		"$orderby", trackingOrder, "$top", "50"))
	want := keysOf(cols, ordered[at+1:at+51])
	if !slices.Equal(got, want) {
		t.Errorf("page after tied cursor:\n got %v\nwant %v", got, want)
	}
	if !ordered[at+1][lm].(time.Time).Equal(tied) {
		t.Errorf("test data: row after the cursor does not share its timestamp")
	}
}

// TestKeysetPagingSeesEveryRowOnce pages through a table by keyset in
// small pages, after ties were added at the watermark, and expects
// every row exactly once, in order.
func TestKeysetPagingSeesEveryRowOnce(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 700})
	c := newClient(t, base)
	s.Touch("Company", "SalesOrders", 25)
	s.InsertTied("Company", "SalesOrders", 5)
	cols := s.Columns("SalesOrders")
	want := keysOf(cols, orderedByTracking(cols, s.Rows("Company", "SalesOrders")))
	var got []string
	opts := []string{"$orderby", trackingOrder, "$top", "37"}
	for page := 0; ; page++ {
		rows := c.query("SalesOrders", opts...)
		if len(rows) == 0 {
			break
		}
		for _, m := range rows {
			got = append(got, keyOf(cols, normalize(t, cols, m)))
		}
		last := normalize(t, cols, rows[len(rows)-1])
		f := keysetFilter(last[colIndex(cols, "LastModifiedDateTime")].(time.Time),
			last[0].(string), last[1].(string))
		opts = []string{"$orderby", trackingOrder, "$top", "37", "$filter", f}
		if page > 100 {
			t.Fatal("paging does not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("keyset paging returned %d rows, want %d in order", len(got), len(want))
	}
}

// TestPlannerMatchesScan checks the binary-search ranges against a
// plain scan for many generated filters, orders and pages.
func TestPlannerMatchesScan(t *testing.T) {
	s := New(Options{Rows: 3000, FractionDigits: -1})
	s.Touch("Company", "SalesOrders", 40)
	s.Insert("Company", "SalesOrders", 7)
	s.InsertTied("Company", "SalesOrders", 6)
	st := s.table("Company", "SalesOrders")
	cols := s.Columns("SalesOrders")
	ordered := orderedByTracking(cols, s.Rows("Company", "SalesOrders"))
	rng := rand.New(rand.NewPCG(1, 2))
	lmCol := colIndex(cols, "LastModifiedDateTime")

	pick := func() (string, string, string) {
		r := ordered[rng.IntN(len(ordered))]
		x := r[lmCol].(time.Time)
		switch rng.IntN(4) {
		case 0:
			x = x.Add(time.Second) // a timestamp no row may have
		case 1:
			x = x.Add(-time.Second)
		}
		ot, on := r[0].(string), r[1].(string)
		switch rng.IntN(5) {
		case 0:
			ot = strings.ToLower(ot)
		case 1:
			on += "  "
		case 2:
			on = on[:len(on)-1]
		}
		return literalTime(x), ot, on
	}
	templates := []func() string{
		func() string { x, ot, on := pick(); return keysetFilter(mustTime(x), ot, on) },
		func() string {
			x, ot, on := pick()
			w, _, _ := pick()
			return fmt.Sprintf("LastModifiedDateTime ge %s and (%s)", w,
				keysetFilter(mustTime(x), ot, on))
		},
		func() string {
			_, ot, on := pick()
			return fmt.Sprintf("OrderType gt '%s' or (OrderType eq '%s' and OrderNbr gt '%s')", ot, ot, on)
		},
		func() string {
			_, ot, on := pick()
			_, _, on2 := pick()
			return fmt.Sprintf("OrderType eq '%s' and OrderNbr ge '%s' and OrderNbr le '%s'", ot, on, on2)
		},
		func() string { x, _, _ := pick(); return "LastModifiedDateTime eq " + x },
		func() string {
			x, _, _ := pick()
			y, _, _ := pick()
			return fmt.Sprintf("LastModifiedDateTime gt %s and LastModifiedDateTime le %s", x, y)
		},
		func() string { _, _, on := pick(); return fmt.Sprintf("OrderNbr lt '%s'", on) },
		func() string { x, _, _ := pick(); return fmt.Sprintf("not (LastModifiedDateTime lt %s)", x) },
		func() string {
			x, _, _ := pick()
			return fmt.Sprintf("LastModifiedDateTime lt %s or Status eq 'Open'", x)
		},
		func() string {
			_, ot, _ := pick()
			return fmt.Sprintf("'%s' eq OrderType and Approved", ot)
		},
	}
	orders := []string{"", trackingOrder, "LastModifiedDateTime",
		"OrderType,OrderNbr,Status", "LastModifiedDateTime desc",
		"Status,OrderTotal desc", "CustomerName"}
	for i := range 600 {
		f := templates[i%len(templates)]()
		raw := "$filter=" + encodeQuery(f) + "&$orderby=" + encodeQuery(orders[i%len(orders)])
		if i%3 == 0 {
			raw += fmt.Sprintf("&$top=%d&$skip=%d", rng.IntN(40), rng.IntN(20))
		}
		q, err := parseQuery(salesOrders, raw, time.UTC)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		var got []int
		st.run(q, func(r *row) bool { got = append(got, r.idx); return true })
		if want := scan(st, q); !slices.Equal(got, want) {
			t.Fatalf("query %s:\n got %v\nwant %v", raw, got, want)
		}
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func encodeQuery(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B",
		"#", "%23", " ", "%20").Replace(s)
}

// scan answers a query the slow way: every row, sorted with the
// comparison the service documents, then filtered and paged.
func scan(st *tableState, q *query) []int {
	type rec struct {
		idx  int
		vals []value
	}
	var recs []rec
	r := newRow(st)
	for idx := range st.n {
		r.reset(idx)
		if q.filter != nil && !q.filter.matches(r) {
			continue
		}
		var vals []value
		for _, k := range q.order {
			v := *r.get(k.col)
			v.s = slices.Clone(v.s)
			vals = append(vals, v)
		}
		recs = append(recs, rec{idx, vals})
	}
	slices.SortStableFunc(recs, func(a, b rec) int {
		for i, k := range q.order {
			c := compareNullable(&a.vals[i], &b.vals[i])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.idx, b.idx)
	})
	out := []int{}
	for i, rc := range recs {
		if i < q.skip || q.top >= 0 && len(out) >= q.top {
			continue
		}
		out = append(out, rc.idx)
	}
	return out
}
