package connectortest

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// Normalize converts a value read from a database into the form Query
// returns: string, int64, float64, decimal text, bool, time.Time in UTC,
// [16]byte, []byte or nil. It handles the usual Go types database drivers
// produce (sized integers, float32, apd and big decimals, times in any
// location, fmt.Stringer for decimals); Harness.Query implementations
// convert driver-specific types first and pass the rest through Normalize.
// Values of other types are returned unchanged, which the suite reports
// as a mismatch.
func Normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case apd.Decimal:
		return x.Text('f')
	case *apd.Decimal:
		if x == nil {
			return nil
		}
		return x.Text('f')
	case *big.Float:
		return x.Text('f', -1)
	case time.Time:
		return x.UTC()
	}
	return v
}

// anyValue in a wanted row matches any stored value.
type anyValue struct{}

// Timestamps are stored with microsecond precision.
const timestampPrecision = time.Microsecond

// checkRows compares every row of t in d with want, whose rows hold t's
// columns in order. Rows are matched by t's key; columns the stored table
// has and t lacks must be NULL.
func checkRows(t *testing.T, h Harness, d connectors.Destination, tbl *connectors.Table, want [][]any) {
	t.Helper()
	stored := describe(t, d, tbl.Name)
	if stored == nil {
		t.Fatalf("Describe(%q) = nil after Prepare", tbl.Name)
	}
	got := h.Query(t, d, tbl.Name)

	// Bring want into the stored column order.
	pos := make([]int, len(stored.Columns))
	cols := make([]connectors.Column, len(stored.Columns))
	for i, c := range stored.Columns {
		pos[i] = tbl.ColumnIndex(c.Name)
		cols[i] = c
		if pos[i] >= 0 {
			cols[i] = tbl.Columns[pos[i]]
		}
	}
	wantStored := make([][]any, len(want))
	for r, row := range want {
		wantStored[r] = make([]any, len(pos))
		for i, p := range pos {
			if p >= 0 {
				wantStored[r][i] = row[p]
			}
		}
	}

	var key []int
	for _, k := range tbl.Key {
		key = append(key, slices.IndexFunc(stored.Columns,
			func(c connectors.Column) bool { return c.Name == k }))
	}
	sortRows(got, key)
	sortRows(wantStored, key)
	compareRows(t, tbl.Name, cols, got, wantStored)
}

// compareRows reports the differences between got and want, whose rows
// are in the same order.
func compareRows(t *testing.T, table string, cols []connectors.Column, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("Query(%q) returned %d rows; want %d\ngot:  %s\nwant: %s",
			table, len(got), len(want), formatRows(got), formatRows(want))
		return
	}
	errs := 0
	for r := range want {
		if len(got[r]) != len(cols) {
			t.Fatalf("Query(%q) row %d has %d values; want %d", table, r,
				len(got[r]), len(cols))
		}
		for i, c := range cols {
			if equalValue(c, got[r][i], want[r][i]) {
				continue
			}
			if errs++; errs > 10 {
				t.Fatalf("Query(%q): too many differences", table)
			}
			t.Errorf("Query(%q) row %d column %q (%s) = %s; want %s",
				table, r, c.Name, c.Type, format(got[r][i]),
				format(want[r][i]))
		}
	}
}

// equalValue reports whether a normalised stored value equals the value
// that was loaded into column c.
func equalValue(c connectors.Column, got, want any) bool {
	if want == (anyValue{}) {
		return true
	}
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	switch w := want.(type) {
	case apd.Decimal:
		return equalDecimal(got, &w)
	case *apd.Decimal:
		return equalDecimal(got, w)
	case float64:
		g, ok := got.(float64)
		return ok && (g == w || math.IsNaN(g) && math.IsNaN(w))
	case time.Time:
		g, ok := got.(time.Time)
		if !ok {
			return false
		}
		if c.Type == connectors.TypeDate {
			gy, gm, gd := g.Date()
			wy, wm, wd := w.Date()
			return gy == wy && gm == wm && gd == wd
		}
		return g.Equal(w.Truncate(timestampPrecision)) &&
			g.Location() == time.UTC
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	}
	return got == want
}

func equalDecimal(got any, want *apd.Decimal) bool {
	s, ok := got.(string)
	if !ok {
		return false
	}
	g, _, err := apd.NewFromString(s)
	return err == nil && g.Cmp(want) == 0
}

// sortRows sorts rows by the values at positions key.
func sortRows(rows [][]any, key []int) {
	slices.SortStableFunc(rows, func(a, b []any) int {
		for _, k := range key {
			if k < 0 || k >= len(a) || k >= len(b) {
				continue
			}
			if c := compareValue(a[k], b[k]); c != 0 {
				return c
			}
		}
		return 0
	})
}

func compareValue(a, b any) int {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	return strings.Compare(format(a), format(b))
}

func format(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case anyValue:
		return "(any value)"
	case string:
		if len(x) > 60 {
			return fmt.Sprintf("%q... (%d bytes)", x[:60], len(x))
		}
		return fmt.Sprintf("%q", x)
	case []byte:
		if len(x) > 30 {
			return fmt.Sprintf("%x... (%d bytes)", x[:30], len(x))
		}
		return fmt.Sprintf("[]byte(%x)", x)
	case apd.Decimal:
		return "decimal " + x.Text('f')
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

func formatRows(rows [][]any) string {
	var b strings.Builder
	for i, row := range rows {
		if i == 20 {
			fmt.Fprintf(&b, "\n  ... %d more", len(rows)-i)
			break
		}
		b.WriteString("\n  (")
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(format(v))
		}
		b.WriteString(")")
	}
	return b.String()
}
