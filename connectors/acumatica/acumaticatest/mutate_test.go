package acumaticatest

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// newest returns the largest LastModifiedDateTime of an entity.
func newest(s *Service, tenantName, entityName string) time.Time {
	lm := colIndex(s.Columns(entityName), "LastModifiedDateTime")
	var top time.Time
	for _, r := range s.Rows(tenantName, entityName) {
		if t := r[lm].(time.Time); t.After(top) {
			top = t
		}
	}
	return top
}

func TestTouch(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 500})
	c := newClient(t, base)
	cols := s.Columns("SalesOrders")
	lm, total := colIndex(cols, "LastModifiedDateTime"), colIndex(cols, "OrderTotal")
	before := s.Rows("Company", "SalesOrders")
	watermark := newest(s, "Company", "SalesOrders")

	if got := s.Touch("Company", "SalesOrders", 5); got != 5 {
		t.Fatalf("Touch = %d; want 5", got)
	}
	changed := c.query("SalesOrders", "$filter", "LastModifiedDateTime gt "+literalTime(watermark),
		"$orderby", "OrderType,OrderNbr")
	if len(changed) != 5 {
		t.Fatalf("%d rows after the watermark; want 5", len(changed))
	}
	byKey := map[string][]any{}
	for _, r := range before {
		byKey[keyOf(cols, r)] = r
	}
	for k, m := range changed {
		row := normalize(t, cols, m)
		want := DefaultClock.Add(time.Duration(k+1) * time.Millisecond)
		if got := row[lm].(time.Time); !got.Equal(want) {
			t.Errorf("touched row %d LastModifiedDateTime = %v; want %v", k, got, want)
		}
		old := byKey[keyOf(cols, row)]
		if old == nil {
			t.Fatalf("Touch created row %s", keyOf(cols, row))
		}
		if row[total] == old[total] {
			t.Errorf("row %s: OrderTotal unchanged at %v", keyOf(cols, row), old[total])
		}
	}
	// Every other row is exactly as before.
	after := s.Rows("Company", "SalesOrders")
	diff := 0
	for i := range after {
		if !sameRow(after[i], before[i]) {
			diff++
		}
	}
	if diff != 5 {
		t.Errorf("%d rows differ after touching 5", diff)
	}

	// The clock moves with Advance.
	s.Advance(time.Hour)
	s.Touch("Company", "SalesOrders", 2)
	if got, want := newest(s, "Company", "SalesOrders"),
		DefaultClock.Add(time.Hour+2*time.Millisecond); !got.Equal(want) {
		t.Errorf("after Advance(1h) and Touch(2), newest = %v; want %v", got, want)
	}
}

func TestInsert(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 500})
	c := newClient(t, base)
	cols := s.Columns("SalesOrders")
	before := s.Rows("Company", "SalesOrders")
	lastKey := keyOf(cols, before[len(before)-1])
	// A Touch in the future of the clock: inserts still come after it.
	s.Advance(time.Minute)
	s.Touch("Company", "SalesOrders", 1)
	s.Advance(-time.Minute)
	watermark := newest(s, "Company", "SalesOrders")

	if got := s.Insert("Company", "SalesOrders", 3); got != 3 {
		t.Fatalf("Insert = %d; want 3", got)
	}
	rows := c.query("SalesOrders", "$filter", "LastModifiedDateTime gt "+literalTime(watermark),
		"$orderby", trackingOrder)
	if len(rows) != 3 {
		t.Fatalf("%d rows after the watermark; want 3", len(rows))
	}
	for k, m := range rows {
		row := normalize(t, cols, m)
		if key := keyOf(cols, row); key <= lastKey {
			t.Errorf("inserted key %s is not after %s", key, lastKey)
		}
		want := watermark.Add(time.Duration(k+1) * time.Millisecond)
		lm := row[colIndex(cols, "LastModifiedDateTime")].(time.Time)
		created := row[colIndex(cols, "CreatedDateTime")].(time.Time)
		if !lm.Equal(want) || !created.Equal(want) {
			t.Errorf("inserted row %d stamped %v / %v; want %v", k, created, lm, want)
		}
	}
	if got := len(s.Rows("Company", "SalesOrders")); got != 503 {
		t.Errorf("Rows() has %d rows; want 503", got)
	}
}

func TestInsertTied(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 300})
	c := newClient(t, base)
	watermark := newest(s, "Company", "Customers")
	atWatermark := len(c.query("Customers", "$filter", "LastModifiedDateTime eq "+literalTime(watermark)))

	if got := s.InsertTied("Company", "Customers", 4); got != 4 {
		t.Fatalf("InsertTied = %d; want 4", got)
	}
	if got := newest(s, "Company", "Customers"); !got.Equal(watermark) {
		t.Errorf("InsertTied moved the newest timestamp to %v", got)
	}
	rows := c.query("Customers", "$filter", "LastModifiedDateTime eq "+literalTime(watermark))
	if len(rows) != atWatermark+4 {
		t.Errorf("%d rows at the watermark; want %d", len(rows), atWatermark+4)
	}
	// A client that only asks for newer rows misses them; the keyset
	// (timestamp, key) condition from its last row finds them.
	if got := c.query("Customers", "$filter", "LastModifiedDateTime gt "+literalTime(watermark)); len(got) != 0 {
		t.Errorf("rows strictly after the watermark: %d", len(got))
	}
	if got := s.InsertTied("Company", "PaymentTerms", 1); got != 0 {
		t.Errorf("InsertTied on an untracked entity = %d; want 0", got)
	}
}

func TestMutatePaymentTerms(t *testing.T) {
	s := New(Options{})
	before := s.Rows("Company", "PaymentTerms")
	s.Touch("Company", "PaymentTerms", 100)
	after := s.Rows("Company", "PaymentTerms")
	due := colIndex(s.Columns("PaymentTerms"), "DueDays")
	for i := range after {
		if after[i][due].(int64) != before[i][due].(int64)+1 {
			t.Errorf("%v: DueDays %v -> %v", after[i][0], before[i][due], after[i][due])
		}
	}
	if got := s.Insert("Company", "PaymentTerms", 2); got != 2 {
		t.Fatalf("Insert = %d", got)
	}
	ids := []any{}
	for _, r := range s.Rows("Company", "PaymentTerms") {
		ids = append(ids, r[0])
	}
	if want := []any{"X00001    ", "X00002    "}; !slices.Equal(ids[len(ids)-2:], want) {
		t.Errorf("inserted TermsIDs %v; want %v", ids[len(ids)-2:], want)
	}
}

func TestMutationsAreReproducible(t *testing.T) {
	run := func() [][]any {
		s := New(Options{Rows: 200})
		s.Touch("Company", "SalesOrders", 10)
		s.Insert("Company", "SalesOrders", 2)
		s.Touch("Company", "SalesOrders", 10)
		return s.Rows("Company", "SalesOrders")
	}
	a, b := run(), run()
	if !slices.EqualFunc(a, b, sameRow) {
		t.Error("the same mutations gave different data")
	}
}

func TestUnknownNames(t *testing.T) {
	s := New(Options{})
	if s.Touch("Nope", "SalesOrders", 1) != 0 || s.Insert("Company", "Nope", 1) != 0 ||
		s.Rows("Company", "Nope") != nil || s.Columns("Nope") != nil {
		t.Error("unknown tenant or entity changed or returned something")
	}
}

// TestMillionRows checks the fake holds a million rows per tenant in
// modest memory and answers a keyset page quickly.
func TestMillionRows(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	s, base := NewServer(t, Options{Rows: 1_000_000})
	built := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	mb := (int64(m1.HeapAlloc) - int64(m0.HeapAlloc)) >> 20
	if mb > 200 {
		t.Errorf("1M rows take %d MB of heap", mb)
	}
	t.Logf("built 1M rows in %v, %d MB of heap", built, mb)

	c := newClient(t, base)
	cols := s.Columns("SalesOrders")
	start = time.Now()
	first := c.query("SalesOrders", "$orderby", trackingOrder, "$top", "1000",
		"$filter", "LastModifiedDateTime ge 2026-01-01T00:00:00Z")
	last := normalize(t, cols, first[len(first)-1])
	next := c.query("SalesOrders", "$orderby", trackingOrder, "$top", "1000",
		"$filter", keysetFilter(last[colIndex(cols, "LastModifiedDateTime")].(time.Time),
			last[0].(string), last[1].(string)))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("two keyset pages over 1M rows took %v", d)
	}
	if len(next) != 1000 {
		t.Errorf("second page has %d rows", len(next))
	}
}

// TestConcurrentMutations reads while another goroutine mutates; run
// with -race. Every response must be one consistent snapshot: keyset
// pages in (timestamp, key) order without repeats.
func TestConcurrentMutations(t *testing.T) {
	s, base := NewServer(t, Options{Rows: 3000})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 60 {
			switch i % 3 {
			case 0:
				s.Touch("Company", "SalesOrders", 50)
			case 1:
				s.Insert("Company", "SalesOrders", 5)
			default:
				s.InsertTied("Company", "SalesOrders", 2)
			}
			s.Advance(time.Second)
		}
	}()
	c := newClient(t, base)
	cols := s.Columns("SalesOrders")
	lm := colIndex(cols, "LastModifiedDateTime")
	for {
		select {
		case <-done:
			return
		default:
		}
		rows := c.query("SalesOrders", "$orderby", trackingOrder)
		seen := map[string]bool{}
		var prev []any
		for _, m := range rows {
			r := normalize(t, cols, m)
			k := keyOf(cols, r)
			if seen[k] {
				t.Fatalf("row %s served twice in one response", k)
			}
			seen[k] = true
			if prev != nil && r[lm].(time.Time).Before(prev[lm].(time.Time)) {
				t.Fatalf("rows out of order at %s", k)
			}
			prev = r
		}
	}
}
