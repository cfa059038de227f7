package odata

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// The conversions below turn the text of one JSON value into the Go value
// of a column type. They work on byte slices of the scanner's buffer and
// allocate only for the value they return.

var (
	errInteger  = errors.New("not an integer")
	errRange    = errors.New("out of range")
	errDecimal  = errors.New("not a decimal number")
	errTime     = errors.New("not an ISO 8601 date and time")
	errDate     = errors.New("not a date (YYYY-MM-DD)")
	errGUID     = errors.New("not a GUID")
	errFloat    = errors.New("not a number")
	errFraction = errors.New("fraction digits beyond nanoseconds")
)

// parseInt parses a decimal integer that fits in 64 bits.
func parseInt(b []byte) (int64, error) {
	neg := false
	i := 0
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i = 1
	}
	if i == len(b) {
		return 0, errInteger
	}
	var u uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, errInteger
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, errRange
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, errRange
		}
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, errRange
	}
	return int64(u), nil
}

// parseFloat parses a JSON number or one of OData's special values, which
// JSON carries as strings: NaN, INF and -INF.
func parseFloat(b []byte) (float64, error) {
	switch string(b) {
	case "NaN":
		return math.NaN(), nil
	case "INF", "Infinity":
		return math.Inf(1), nil
	case "-INF", "-Infinity":
		return math.Inf(-1), nil
	}
	for _, c := range b {
		if !isNumberByte(c) {
			return 0, errFloat
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, errFloat
	}
	return f, nil
}

// parseDecimal sets d to the exact value of the decimal text b, keeping
// its scale ("1999.000000" keeps six fraction digits). Numbers of up to
// 19 digits take a fast path that does not allocate.
func parseDecimal(b []byte, d *apd.Decimal) error {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i = 1
	}
	var u uint64
	intDigits, fracDigits, sig := 0, 0, 0
	dot := false
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' && !dot {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if dot {
			fracDigits++
		} else {
			intDigits++
		}
		if sig > 0 || c != '0' {
			sig++
		}
		if sig <= 19 {
			u = u*10 + uint64(c-'0')
		}
	}
	if i == len(b) && sig <= 19 && intDigits > 0 && (!dot || fracDigits > 0) {
		d.Form = apd.Finite
		d.Negative = neg
		d.Exponent = int32(-fracDigits)
		d.Coeff.SetUint64(u)
		return nil
	}
	// Exponents and long numbers: let apd parse them, refusing the
	// special values it also accepts.
	for _, c := range b {
		if !isNumberByte(c) {
			return errDecimal
		}
	}
	if _, _, err := d.SetString(string(b)); err != nil {
		return errDecimal
	}
	if d.Form != apd.Finite {
		return errDecimal
	}
	return nil
}

// zoneCache hands out fixed zones by offset so that parsed times share
// one *time.Location per offset instead of allocating one per value.
type zoneCache map[int]*time.Location

func (z zoneCache) get(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	if loc, ok := z[offset]; ok {
		return loc
	}
	loc := time.FixedZone("", offset)
	z[offset] = loc
	return loc
}

// parseTime parses an OData date and time: ISO 8601 with an offset
// (`2024-03-10T01:02:03.1234567-05:00`, `...Z`), without one (a wall time
// in loc, as OData v3 writes Edm.DateTime), a bare date (midnight in loc)
// or the legacy `/Date(milliseconds[+-hhmm])/` form. Fraction digits are
// kept exactly up to nanoseconds.
func parseTime(b []byte, loc *time.Location, zones zoneCache) (time.Time, error) {
	if len(b) > 6 && b[0] == '/' {
		return parseMSDate(b, loc, zones)
	}
	year, month, day, ok := parseYMD(b)
	if !ok {
		return time.Time{}, errTime
	}
	if len(b) == 10 {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc), nil
	}
	if len(b) < 16 || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' {
		return time.Time{}, errTime
	}
	hour, ok1 := num2(b[11:])
	min, ok2 := num2(b[14:])
	if !ok1 || !ok2 || hour > 23 || min > 59 {
		return time.Time{}, errTime
	}
	i := 16
	sec, nsec := 0, 0
	if i < len(b) && b[i] == ':' {
		s, ok := num2(b[i+1:])
		if !ok || s > 59 {
			return time.Time{}, errTime
		}
		sec = s
		i += 3
		if i < len(b) && b[i] == '.' {
			i++
			n := 0
			scale := 100000000
			start := i
			for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
				if scale == 0 {
					return time.Time{}, errFraction
				}
				n += int(b[i]-'0') * scale
				scale /= 10
			}
			if i == start {
				return time.Time{}, errTime
			}
			nsec = n
		}
	}
	if i == len(b) {
		return time.Date(year, time.Month(month), day, hour, min, sec,
			nsec, loc), nil
	}
	offset, ok := parseOffset(b[i:])
	if !ok {
		return time.Time{}, errTime
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec,
		time.UTC).Add(-time.Duration(offset) * time.Second)
	return t.In(zones.get(offset)), nil
}

// parseYMD parses the YYYY-MM-DD prefix of b.
func parseYMD(b []byte) (year, month, day int, ok bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, 0, 0, false
	}
	y1, ok1 := num2(b)
	y2, ok2 := num2(b[2:])
	m, ok3 := num2(b[5:])
	d, ok4 := num2(b[8:])
	if !ok1 || !ok2 || !ok3 || !ok4 || m < 1 || m > 12 || d < 1 ||
		d > daysIn(y1*100+y2, m) {
		return 0, 0, 0, false
	}
	return y1*100 + y2, m, d, true
}

func daysIn(year, month int) int {
	if month == 2 {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + (month+month/8)%2
}

func num2(b []byte) (int, bool) {
	if len(b) < 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

// parseOffset parses Z, +hh:mm, -hh:mm, +hhmm or +hh into seconds east
// of UTC.
func parseOffset(b []byte) (int, bool) {
	if len(b) == 1 && (b[0] == 'Z' || b[0] == 'z') {
		return 0, true
	}
	if len(b) < 3 || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	h, ok := num2(b[1:])
	if !ok || h > 23 {
		return 0, false
	}
	m := 0
	switch rest := b[3:]; {
	case len(rest) == 0:
	case len(rest) == 3 && rest[0] == ':':
		m, ok = num2(rest[1:])
	case len(rest) == 2:
		m, ok = num2(rest)
	default:
		ok = false
	}
	if !ok || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// parseMSDate parses `/Date(ms)/` and `/Date(ms+hhmm)/`. Without an
// offset the milliseconds count the wall time as if it were UTC (how WCF
// serialised DateTime), so the wall time is placed in loc.
func parseMSDate(b []byte, loc *time.Location, zones zoneCache) (time.Time, error) {
	const prefix, suffix = "/Date(", ")/"
	if len(b) < len(prefix)+len(suffix)+1 ||
		string(b[:len(prefix)]) != prefix ||
		string(b[len(b)-len(suffix):]) != suffix {
		return time.Time{}, errTime
	}
	body := b[len(prefix) : len(b)-len(suffix)]
	cut := len(body)
	for i := 1; i < len(body); i++ {
		if body[i] == '+' || body[i] == '-' {
			cut = i
			break
		}
	}
	ms, err := parseInt(body[:cut])
	if err != nil {
		return time.Time{}, errTime
	}
	t := time.UnixMilli(ms).UTC()
	if cut == len(body) {
		if loc == time.UTC {
			return t, nil
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(),
			t.Second(), t.Nanosecond(), loc), nil
	}
	off, ok := parseOffset(body[cut:])
	if !ok {
		return time.Time{}, errTime
	}
	return t.In(zones.get(off)), nil
}

// parseDate parses a date (YYYY-MM-DD) into midnight UTC. A date and time
// is accepted when its time of day is midnight, as OData v3 services
// write dates as Edm.DateTime.
func parseDate(b []byte, zones zoneCache) (time.Time, error) {
	year, month, day, ok := parseYMD(b)
	if !ok {
		return time.Time{}, errDate
	}
	if len(b) > 10 {
		t, err := parseTime(b, time.UTC, zones)
		if err != nil {
			return time.Time{}, errDate
		}
		if h, m, s := t.Clock(); h != 0 || m != 0 || s != 0 ||
			t.Nanosecond() != 0 {
			return time.Time{}, errDate
		}
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), nil
}

// parseGUID parses 8-4-4-4-12 hex digits, optionally in braces.
func parseGUID(b []byte) ([16]byte, error) {
	var g [16]byte
	if len(b) == 38 && b[0] == '{' && b[37] == '}' {
		b = b[1:37]
	}
	if len(b) != 36 || b[8] != '-' || b[13] != '-' || b[18] != '-' ||
		b[23] != '-' {
		return g, errGUID
	}
	j := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		hi, lo := unhex(b[i]), unhex(b[i+1])
		if hi < 0 || lo < 0 {
			return g, errGUID
		}
		g[j] = byte(hi<<4 | lo)
		j++
		i++
	}
	return g, nil
}

// parseBinary decodes base64 in the standard or URL alphabet (OData v4
// writes base64url, v3 standard base64), with or without padding.
func parseBinary(b []byte) ([]byte, error) {
	enc := base64.StdEncoding
	for _, c := range b {
		if c == '-' || c == '_' {
			enc = base64.URLEncoding
			break
		}
	}
	if len(b)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	out := make([]byte, enc.DecodedLen(len(b)))
	n, err := enc.Decode(out, b)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}
