package acumaticatest

import (
	"math/big"
	"unicode"
	"unicode/utf8"
)

// kind is the comparison class of an Edm type.
type kind uint8

const (
	kNull kind = iota // the null literal
	kString
	kBool
	kInt
	kDecimal
	kTime
	kDate // a date-only filter literal, compared as local midnight
	kGuid
)

// edmName names the Edm type of a kind, for error messages.
func (k kind) edmName() string {
	switch k {
	case kString:
		return "Edm.String"
	case kBool:
		return "Edm.Boolean"
	case kInt:
		return "Edm.Int32"
	case kDecimal:
		return "Edm.Decimal"
	case kTime:
		return "Edm.DateTimeOffset"
	case kDate:
		return "Edm.Date"
	case kGuid:
		return "Edm.Guid"
	}
	return "<null>"
}

// numeric reports whether values of k compare as numbers.
func (k kind) numeric() bool { return k == kInt || k == kDecimal }

// value is one cell or literal. Strings and guids live in s (often a
// slice of a per-row arena); integers, booleans (0/1), decimal unscaled
// values and DateTimeOffset ticks (100 ns since the Unix epoch) live in
// i. Decimal literals too wide for int64 carry big instead.
type value struct {
	kind  kind
	null  bool
	s     []byte
	i     int64
	scale int8
	big   *big.Int
}

// ticksPerSecond is the DateTimeOffset resolution (.NET ticks).
const ticksPerSecond = 10_000_000

// compareValues orders two non-null values of compatible kinds.
func compareValues(a, b *value) int {
	switch {
	case a.kind == kString || a.kind == kGuid:
		return collate(a.s, b.s)
	case a.kind.numeric():
		return compareDecimal(a, b)
	}
	return cmpInt(a.i, b.i)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareDecimal compares numbers exactly, scaling the one with fewer
// fraction digits up and falling back to big integers on overflow.
func compareDecimal(a, b *value) int {
	as, bs := int(a.scale), int(b.scale)
	if a.big == nil && b.big == nil {
		switch {
		case as == bs:
			return cmpInt(a.i, b.i)
		case as < bs:
			if x, ok := mulPow10(a.i, bs-as); ok {
				return cmpInt(x, b.i)
			}
		default:
			if y, ok := mulPow10(b.i, as-bs); ok {
				return cmpInt(a.i, y)
			}
		}
	}
	x, y := bigOf(a), bigOf(b)
	if as < bs {
		x.Mul(x, pow10Big(bs-as))
	} else if bs < as {
		y.Mul(y, pow10Big(as-bs))
	}
	return x.Cmp(y)
}

func bigOf(v *value) *big.Int {
	if v.big != nil {
		return new(big.Int).Set(v.big)
	}
	return big.NewInt(v.i)
}

func pow10Big(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// mulPow10 returns x*10^n unless that overflows int64.
func mulPow10(x int64, n int) (int64, bool) {
	for ; n > 0; n-- {
		if x > 922337203685477580 || x < -922337203685477580 {
			return 0, false
		}
		x *= 10
	}
	return x, true
}

// collate compares strings the way SQL Server's default case-insensitive
// collation does for our purposes: trailing spaces are ignored and
// letters compare case-insensitively; everything else by code point.
func collate(a, b []byte) int {
	a, b = trimTrailingSpaces(a), trimTrailingSpaces(b)
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			ca, cb = lowerASCII(ca), lowerASCII(cb)
			if ca != cb {
				return cmpInt(int64(ca), int64(cb))
			}
			i++
			j++
			continue
		}
		ra, na := utf8.DecodeRune(a[i:])
		rb, nb := utf8.DecodeRune(b[j:])
		ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		if ra != rb {
			return cmpInt(int64(ra), int64(rb))
		}
		i += na
		j += nb
	}
	return cmpInt(int64(len(a)-i), int64(len(b)-j))
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func trimTrailingSpaces(s []byte) []byte {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}
