package acumaticatest

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Hand-written JSON: rows are serialised with append functions into one
// reused buffer, never through reflection.

const hexLower = "0123456789abcdef"

// appendJSONString quotes s the way Microsoft.OData does by default:
// non-ASCII characters are escaped as \u and four hex digits (surrogate pairs above the
// BMP).
func appendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = appendUnicodeEscape(b, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r >= 0x10000 {
			r1, r2 := surrogates(r)
			b = appendUnicodeEscape(appendUnicodeEscape(b, r1), r2)
		} else {
			b = appendUnicodeEscape(b, r)
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

func appendUnicodeEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexLower[r>>12&15], hexLower[r>>8&15],
		hexLower[r>>4&15], hexLower[r&15])
}

// appendDecimal renders an unscaled value with exactly scale fraction
// digits: (123456, 4) is 12.3456, (-5, 2) is -0.05.
func appendDecimal(b []byte, u int64, scale int) []byte {
	mag := uint64(u)
	if u < 0 {
		b = append(b, '-')
		mag = uint64(-u)
	}
	var tmp [24]byte
	digits := strconv.AppendUint(tmp[:0], mag, 10)
	if scale <= 0 {
		return append(b, digits...)
	}
	if len(digits) <= scale {
		b = append(b, '0', '.')
		for range scale - len(digits) {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	point := len(digits) - scale
	b = append(b, digits[:point]...)
	b = append(b, '.')
	return append(b, digits[point:]...)
}

// appendTime renders ticks as local wall time in loc with its offset,
// like .NET's round-trip DateTimeOffset format with trailing zeros of
// the fraction removed: 2026-03-04T05:06:07.123-05:00.
func appendTime(b []byte, ticks int64, loc *time.Location) []byte {
	t := timeOf(ticks, loc)
	_, off := t.Zone()
	wall := t.Add(time.Duration(off) * time.Second).UTC()
	y, mo, d := wall.Date()
	h, mi, s := wall.Clock()
	b = appendNumber(b, y, 4)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	if frac := int(t.Nanosecond() / 100); frac != 0 {
		var f [7]byte
		for i := 6; i >= 0; i-- {
			f[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 7
		for f[n-1] == '0' {
			n--
		}
		b = append(b, '.')
		b = append(b, f[:n]...)
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = append2(b, off/3600)
	b = append(b, ':')
	return append2(b, off%3600/60)
}

func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// appendValue renders one cell as JSON.
func appendValue(b []byte, v *value, loc *time.Location) []byte {
	if v.null {
		return append(b, "null"...)
	}
	switch v.kind {
	case kString, kGuid:
		return appendJSONString(b, v.s)
	case kBool:
		if v.i != 0 {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case kInt:
		return strconv.AppendInt(b, v.i, 10)
	case kDecimal:
		return appendDecimal(b, v.i, int(v.scale))
	case kTime:
		b = append(b, '"')
		b = appendTime(b, v.i, loc)
		return append(b, '"')
	}
	return append(b, "null"...)
}
