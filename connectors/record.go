package connectors

import (
	"fmt"
	"sort"
	"strings"
)

// Type is the logical type of a column, independent of any wire format or
// database. Sources map their own types onto it; destinations map it onto
// their column types.
type Type int

// The logical types. The Go type a row value of each type holds is given
// in brackets; every value may also be nil.
const (
	TypeString    Type = iota + 1 // [string]
	TypeInt                       // [int64]
	TypeFloat                     // [float64]
	TypeDecimal                   // [apd.Decimal], exact
	TypeBool                      // [bool]
	TypeTimestamp                 // [time.Time], an instant
	TypeDate                      // [time.Time] at midnight UTC
	TypeUUID                      // [[16]byte]
	TypeBinary                    // [[]byte]
)

var typeNames = map[Type]string{
	TypeString:    "string",
	TypeInt:       "int",
	TypeFloat:     "float",
	TypeDecimal:   "decimal",
	TypeBool:      "bool",
	TypeTimestamp: "timestamp",
	TypeDate:      "date",
	TypeUUID:      "uuid",
	TypeBinary:    "binary",
}

// String returns the lowercase name of t.
func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type(%d)", int(t))
}

// VariableScale marks a decimal column whose scale varies per value
// (OData's Scale="Variable").
const VariableScale = -1

// Column describes one column of a source entity or destination table.
type Column struct {
	Name string
	Type Type
	// SourceType is the type as the source names it (for example
	// "Edm.Decimal"), shown in plans and errors.
	SourceType string
	// Precision and Scale apply to decimals. Precision 0 means unknown;
	// Scale is VariableScale when the source does not fix it.
	Precision int
	Scale     int
	// Bits is the integer width (16, 32, 64) for TypeInt, 0 if unknown.
	Bits     int
	Nullable bool
}

// Entity is what a source knows about one entity set: its columns in
// source order and its key.
type Entity struct {
	Name    string
	Columns []Column
	Key     []string
}

// Column returns the column named name and whether it exists. Names match
// exactly: source column names are case-sensitive.
func (e *Entity) Column(name string) (Column, bool) {
	for _, c := range e.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ColumnNames lists the names of e's columns in order.
func (e *Entity) ColumnNames() []string {
	names := make([]string, len(e.Columns))
	for i, c := range e.Columns {
		names[i] = c.Name
	}
	return names
}

// Similar returns the column name closest to name, for "did you mean"
// hints, or "" when nothing is close.
func (e *Entity) Similar(name string) string {
	best, bestDist := "", 4
	for _, c := range e.Columns {
		if strings.EqualFold(c.Name, name) {
			return c.Name
		}
		if d := EditDistance(strings.ToLower(c.Name), strings.ToLower(name)); d < bestDist {
			best, bestDist = c.Name, d
		}
	}
	return best
}

// Closest returns the candidate nearest to s by edit distance, if it is
// less than limit away; "" otherwise. Ties go to the first in sorted
// order, so hints are stable.
func Closest(s string, candidates []string, limit int) string {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", limit
	for _, c := range sorted {
		if d := EditDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// EditDistance is the Levenshtein edit distance between a and b, used
// for "did you mean" hints.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
