package odata

import (
	"strconv"
	"strings"
)

// Query holds the system query options of one request. Zero fields are
// left out of the URL.
type Query struct {
	Select []string
	// Filter is a filter expression, built with Dialect.Literal,
	// Dialect.Keyset and And.
	Filter string
	// OrderBy lists properties, each optionally followed by " desc".
	OrderBy []string
	Top     int
	Skip    int
	// Format is "json" for OData v3 services that would otherwise
	// answer in ATOM.
	Format string
}

// Encode writes the query string (without "?") in a fixed order:
// $select, $filter, $orderby, $top, $skip, $format. Values are
// percent-encoded with EscapeQuery.
func (q *Query) Encode() string {
	var b strings.Builder
	add := func(name, value string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(EscapeQuery(value))
	}
	if len(q.Select) > 0 {
		add("$select", strings.Join(q.Select, ","))
	}
	if q.Filter != "" {
		add("$filter", q.Filter)
	}
	if len(q.OrderBy) > 0 {
		add("$orderby", strings.Join(q.OrderBy, ","))
	}
	if q.Top > 0 {
		add("$top", strconv.Itoa(q.Top))
	}
	if q.Skip > 0 {
		add("$skip", strconv.Itoa(q.Skip))
	}
	if q.Format != "" {
		add("$format", q.Format)
	}
	return b.String()
}

// EscapeQuery percent-encodes s for use as a query option value. It
// leaves the characters OData expressions are made of readable (letters,
// digits, -._~ and '(),:$*!@/) and encodes everything else, so spaces
// become %20 (never "+") and a "+" in a time offset becomes %2B.
func EscapeQuery(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keepInQuery(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keepInQuery(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

// EscapePath percent-encodes one path segment (an entity set or tenant
// name): spaces become %20.
func EscapePath(s string) string {
	var b strings.Builder
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || strings.IndexByte("'()!*$,;=:@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
		'0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func keepInQuery(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("'(),:$*!@/", c) >= 0
}
