package acumaticatest

import (
	"strings"
	"time"
)

// dialect is the OData version of the surface a request came through.
// The zero value is the v4 generic inquiry endpoint.
type dialect struct {
	v3 bool
	// earlier reads an ambiguous wall time as the earlier instant.
	earlier bool
}

// edmType is the type a v4 column type has on the surface: OData v3
// has no offsets, so DateTimeOffset columns are DateTime there.
func (d dialect) edmType(t string) string {
	if d.v3 && t == "Edm.DateTimeOffset" {
		return "Edm.DateTime"
	}
	return t
}

// knownFormat reports whether $format names a format the surface
// serves: JSON everywhere, ATOM on v3.
func (d dialect) knownFormat(f string) bool {
	f = strings.ToLower(f)
	switch {
	case f == "json", strings.HasPrefix(f, "application/json"):
		return true
	case d.v3 && (f == "atom" || f == "xml" ||
		strings.HasPrefix(f, "application/atom+xml")):
		return true
	}
	return false
}

// Tokens of OData v3 literals, beyond the v4 ones.
const (
	tWallTime   tokKind = 100 + iota // datetime'...'
	tOffsetTime                      // datetimeoffset'...'
	tGuidV3                          // guid'...'
	tNumberV3                        // 12.5M, 7L, 1.5d
)

// typedLiteral lexes a v3 literal with a type prefix, such as
// datetime'2026-01-02T03:04:05.123', starting at start; the prefix has
// been read and the quote is next.
func (p *parser) typedLiteral(start int) {
	prefix := strings.ToLower(p.src[start:p.pos])
	text := p.quoted()
	kinds := map[string]tokKind{"datetime": tWallTime,
		"datetimeoffset": tOffsetTime, "guid": tGuidV3}
	k, ok := kinds[prefix]
	if !ok {
		p.fail("Unrecognized '%s' literal '%s' at '%d' in '%s'.",
			prefix, p.src[start:p.pos], start, p.src)
	}
	p.tok = token{kind: k, text: text, pos: start}
}

// numberSuffix lexes the type suffix of a v3 number (M decimal, L long,
// D double, F single), reporting whether there was one.
func (p *parser) numberSuffix(start int) bool {
	if p.pos >= len(p.src) || strings.IndexByte("mMlLdDfF", p.src[p.pos]) < 0 {
		return false
	}
	if p.pos+1 < len(p.src) && isIdentPart(p.src[p.pos+1]) {
		p.syntaxError(p.pos + 1)
	}
	p.tok = token{kind: tNumberV3, text: p.src[start:p.pos], pos: start}
	p.pos++
	return true
}

// primaryV3 turns a v3 literal token into a node, or returns nil.
func (p *parser) primaryV3(t token) *node {
	switch t.kind {
	case tNumberV3:
		p.next()
		return p.number(t)
	case tGuidV3:
		p.next()
		if !isGuidAt(t.text, 0) || len(t.text) != 36 {
			p.fail("Unrecognized 'Edm.Guid' literal 'guid'%s'' at '%d' "+
				"in '%s'.", t.text, t.pos, p.src)
		}
		return literal(kGuid, "Edm.Guid",
			value{s: []byte(strings.ToLower(t.text))})
	case tOffsetTime:
		p.next()
		ticks, ok := parseDateTimeOffset(t.text)
		if !ok {
			p.fail("Unrecognized 'Edm.DateTimeOffset' literal "+
				"'datetimeoffset'%s'' at '%d' in '%s'.", t.text, t.pos, p.src)
		}
		return literal(kTime, "Edm.DateTimeOffset", value{i: ticks})
	case tWallTime:
		p.next()
		ticks, ok := wallTicks(t.text, p.loc, p.d.earlier)
		if !ok {
			p.fail("Unrecognized 'Edm.DateTime' literal 'datetime'%s'' "+
				"at '%d' in '%s'.", t.text, t.pos, p.src)
		}
		return literal(kTime, "Edm.DateTime", value{i: ticks})
	}
	return nil
}

// functionV3 maps a v3 string function to its v4 twin: substringof
// (needle first) is contains with its arguments swapped, and contains
// itself does not exist in v3.
func (p *parser) functionV3(name token) (token, bool) {
	switch name.text {
	case "contains":
		p.fail("Unknown function '%s' at position %d.", name.text, name.pos)
	case "substringof":
		name.text = "contains"
		return name, true
	}
	return name, false
}

// wallTicks reads a wall time without offset (yyyy-mm-ddThh:mm[:ss[.f]])
// as an instant in loc. A wall time that occurs twice, in the repeated
// hour of a daylight-saving fall-back, names the later instant (standard
// time), as .NET's TimeZoneInfo reads it, or the earlier one when
// earlier is set. One that never occurs (skipped by a spring-forward)
// moves forward by the skip.
func wallTicks(s string, loc *time.Location, earlier bool) (int64, bool) {
	if strings.ContainsAny(s, "Zz+") || strings.Count(s, "-") != 2 {
		return 0, false
	}
	ticks, ok := parseDateTimeOffset(s + "Z")
	if !ok {
		return 0, false
	}
	utc := timeOf(ticks, time.UTC)
	var found []int64
	seen := map[int]bool{}
	for _, probe := range []time.Duration{-26 * time.Hour, 0, 26 * time.Hour} {
		_, off := utc.Add(probe).In(loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		at := ticks - int64(off)*ticksPerSecond
		if _, o := timeOf(at, loc).Zone(); o == off {
			found = append(found, at)
		}
	}
	switch {
	case len(found) == 0:
		// A skipped wall time: read it with the offset before the skip.
		_, off := utc.Add(-26 * time.Hour).In(loc).Zone()
		return ticks - int64(off)*ticksPerSecond, true
	case len(found) == 1:
		return found[0], true
	}
	lo, hi := min(found[0], found[1]), max(found[0], found[1])
	if earlier {
		return lo, true
	}
	return hi, true
}
