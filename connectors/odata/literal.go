package odata

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// Dialect is how one service writes values in URLs: its protocol version
// and the time zone of its wall times.
type Dialect struct {
	Version Version
	// Location is the zone of date-times without an offset (OData v3's
	// Edm.DateTime): filter literals are written as wall times in it and
	// decoded values are read in it. Nil means UTC.
	Location *time.Location
	// LocalAsUTC writes v4 date-time literals as wall times in Location
	// labelled UTC, for services that label their local wall times as
	// +00:00 and read literals the same way.
	LocalAsUTC bool
}

func (d Dialect) location() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// Formats of date-time literals. Go truncates the fraction to the digits
// given, trimming trailing zeros: OData carries at most 7 (100 ns ticks).
const (
	v4TimeLayout   = "2006-01-02T15:04:05.9999999Z07:00"
	v3WallLayout   = "2006-01-02T15:04:05.9999999"
	v3OffsetLayout = "2006-01-02T15:04:05.9999999Z07:00"
	dateLayout     = "2006-01-02"
)

// Literal writes v as a filter literal for column c, the way the dialect
// wants it:
//
//   - v4: strings 'x' (quotes doubled), numbers bare, date-times as bare
//     ISO 8601 with their offset (`2024-03-10T12:00:00.1234567-05:00`),
//     dates bare, GUIDs bare, binary as binary'base64url';
//   - v3: decimals 1.5M, 64-bit integers 7L, doubles 1.5d,
//     Edm.DateTime as datetime'...' in the dialect's zone,
//     Edm.DateTimeOffset as datetimeoffset'...', guid'...', X'hex'.
//
// v is nil or a value of the Go type of c.Type; strings are also
// accepted for numbers and GUIDs, as long as they are valid.
func (d Dialect) Literal(c connectors.Column, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "null", nil
	case string:
		return d.stringLiteral(c, v)
	case bool:
		return strconv.FormatBool(v), nil
	case int64:
		return d.intLiteral(c, v), nil
	case int:
		return d.intLiteral(c, int64(v)), nil
	case int32:
		return d.intLiteral(c, int64(v)), nil
	case int16:
		return d.intLiteral(c, int64(v)), nil
	case float64:
		return d.floatLiteral(c, v), nil
	case float32:
		return d.floatLiteral(c, float64(v)), nil
	case apd.Decimal:
		return d.decimalLiteral(c, &v)
	case *apd.Decimal:
		return d.decimalLiteral(c, v)
	case time.Time:
		return d.timeLiteral(c, v), nil
	case [16]byte:
		return d.guidLiteral(formatGUID(v)), nil
	case []byte:
		if d.Version == V3 {
			return "X'" + hex.EncodeToString(v) + "'", nil
		}
		return "binary'" + base64.URLEncoding.EncodeToString(v) + "'", nil
	}
	return "", fmt.Errorf("column %s: no literal for a %T value", c.Name, v)
}

// Quote writes s as a string literal, doubling single quotes.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (d Dialect) stringLiteral(c connectors.Column, s string) (string, error) {
	switch c.Type {
	case connectors.TypeUUID:
		g, err := parseGUID([]byte(s))
		if err != nil {
			return "", fmt.Errorf("column %s: %q is %w", c.Name, s, err)
		}
		return d.guidLiteral(formatGUID(g)), nil
	case connectors.TypeInt:
		n, err := parseInt([]byte(s))
		if err != nil {
			return "", fmt.Errorf("column %s: %q is %w", c.Name, s, err)
		}
		return d.intLiteral(c, n), nil
	case connectors.TypeDecimal:
		var dec apd.Decimal
		if err := parseDecimal([]byte(s), &dec); err != nil {
			return "", fmt.Errorf("column %s: %q is %w", c.Name, s, err)
		}
		return d.decimalLiteral(c, &dec)
	}
	return Quote(s), nil
}

func (d Dialect) intLiteral(c connectors.Column, n int64) string {
	s := strconv.FormatInt(n, 10)
	if d.Version == V3 {
		switch c.SourceType {
		case "Edm.Int64":
			return s + "L"
		case "Edm.Decimal":
			return s + "M"
		}
	}
	return s
}

func (d Dialect) floatLiteral(c connectors.Column, f float64) string {
	var s string
	switch {
	case math.IsNaN(f):
		s = "NaN"
	case math.IsInf(f, 1):
		s = "INF"
	case math.IsInf(f, -1):
		s = "-INF"
	default:
		s = strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEN") {
			s += ".0"
		}
	}
	if d.Version == V3 && c.SourceType != "Edm.Decimal" {
		if c.SourceType == "Edm.Single" {
			return s + "f"
		}
		return s + "d"
	}
	return s
}

func (d Dialect) decimalLiteral(c connectors.Column, v *apd.Decimal) (string, error) {
	if v.Form != apd.Finite {
		return "", fmt.Errorf("column %s: decimal %s has no literal",
			c.Name, v.String())
	}
	s := v.Text('f')
	if d.Version == V3 {
		return s + "M", nil
	}
	return s, nil
}

func (d Dialect) timeLiteral(c connectors.Column, t time.Time) string {
	if c.Type == connectors.TypeDate {
		if d.Version == V3 {
			return "datetime'" + t.Format(dateLayout) + "T00:00:00'"
		}
		return t.Format(dateLayout)
	}
	if d.Version == V4 && d.LocalAsUTC {
		return wallAsUTC(t, d.location()).Format(v4TimeLayout)
	}
	if d.Version == V4 {
		return t.Format(v4TimeLayout)
	}
	if c.SourceType == "Edm.DateTimeOffset" {
		return "datetimeoffset'" + t.Format(v3OffsetLayout) + "'"
	}
	return "datetime'" + t.In(d.location()).Format(v3WallLayout) + "'"
}

// wallAsUTC returns the instant in UTC whose clock reads what t's clock
// reads in loc.
func wallAsUTC(t time.Time, loc *time.Location) time.Time {
	y, mo, dd := t.In(loc).Date()
	h, mi, s := t.In(loc).Clock()
	return time.Date(y, mo, dd, h, mi, s, t.Nanosecond(), time.UTC)
}

func (d Dialect) guidLiteral(s string) string {
	if d.Version == V3 {
		return "guid'" + s + "'"
	}
	return s
}

// formatGUID writes g as 8-4-4-4-12 lowercase hex digits.
func formatGUID(g [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], g[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], g[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], g[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], g[8:10])
	b[23] = '-'
	hex.Encode(b[24:], g[10:])
	return string(b[:])
}

// Keyset returns the filter that selects the rows strictly after one
// position in ascending order of cols, vals holding the position's values:
//
//	(c1 gt v1) or (c1 eq v1 and ((c2 gt v2) or (c2 eq v2 and c3 gt v3)))
//
// Null values sort first, as SQL Server sorts them: "after null" is
// "ne null".
func (d Dialect) Keyset(cols []connectors.Column, vals []any) (string, error) {
	if len(cols) == 0 || len(cols) != len(vals) {
		return "", fmt.Errorf("keyset of %d columns with %d values",
			len(cols), len(vals))
	}
	gts := make([]string, len(cols))
	eqs := make([]string, len(cols))
	for i, c := range cols {
		if vals[i] == nil {
			gts[i] = c.Name + " ne null"
			eqs[i] = c.Name + " eq null"
			continue
		}
		lit, err := d.Literal(c, vals[i])
		if err != nil {
			return "", err
		}
		gts[i] = c.Name + " gt " + lit
		eqs[i] = c.Name + " eq " + lit
	}
	// Build from the last column outwards.
	n := len(cols)
	expr := gts[n-1]
	for i := n - 2; i >= 0; i-- {
		inner := expr
		if i < n-2 {
			inner = "(" + inner + ")"
		}
		expr = "(" + gts[i] + ") or (" + eqs[i] + " and " + inner + ")"
	}
	if n == 1 {
		expr = "(" + expr + ")"
	}
	return expr, nil
}

// And joins filter expressions with "and", parenthesising those that
// contain an "or" and leaving out empty ones.
func And(exprs ...string) string {
	var parts []string
	for _, e := range exprs {
		if e != "" {
			parts = append(parts, e)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i, e := range parts {
		if strings.Contains(e, " or ") && !wrapped(e) {
			parts[i] = "(" + e + ")"
		}
	}
	return strings.Join(parts, " and ")
}

// wrapped reports whether the whole of e is one parenthesised group.
func wrapped(e string) bool {
	if len(e) < 2 || e[0] != '(' || e[len(e)-1] != ')' {
		return false
	}
	depth := 0
	inString := false
	for i := 0; i < len(e); i++ {
		switch e[i] {
		case '\'':
			inString = !inString
		case '(':
			if !inString {
				depth++
			}
		case ')':
			if !inString {
				depth--
				if depth == 0 && i < len(e)-1 {
					return false
				}
			}
		}
	}
	return true
}
