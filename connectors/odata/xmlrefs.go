package odata

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// OData services built on .NET write ATOM with character checking off,
// so a string holding a control character (U+001F, say) comes out as the
// reference &#x1F;, which XML 1.0 forbids and encoding/xml refuses.
// refFilter sits between the body and the XML decoder and rewrites such
// references into characters XML allows: the escape rune escRune
// followed by escBase+c. A genuine escRune in the body is doubled, so
// that unescapeText restores every text exactly.
const (
	escRune = 0x10FFFF // a noncharacter, legal in XML
	escBase = 0x10FF00 // escBase+c stands for the control character c
)

var escUTF8 = []byte("\xf4\x8f\xbf\xbf") // escRune in UTF-8

// refFilter rewrites a byte stream as described above. Character
// references inside CDATA sections are text and stay as they are.
type refFilter struct {
	r     io.Reader
	in    []byte // read, not yet rewritten: in[:n]
	n     int
	out   []byte // rewritten, not yet returned: out[off:]
	off   int
	cdata bool
	err   error // the reader's error, returned once out is drained
	empty int   // successive reads that returned nothing
}

func (f *refFilter) reset(r io.Reader) {
	if f.in == nil {
		f.in = make([]byte, 32<<10)
	}
	f.r, f.n, f.out, f.off, f.cdata, f.err = r, 0, f.out[:0], 0, false, nil
	f.empty = 0
}

// Read returns rewritten bytes.
func (f *refFilter) Read(p []byte) (int, error) {
	for f.off == len(f.out) {
		if f.err != nil {
			return 0, f.err
		}
		f.fill()
	}
	n := copy(p, f.out[f.off:])
	f.off += n
	return n, nil
}

// fill reads more input and rewrites as much of it as can be decided.
func (f *refFilter) fill() {
	m, err := f.r.Read(f.in[f.n:])
	f.n += m
	if err != nil {
		f.err = err
	} else if m == 0 {
		if f.empty++; f.empty >= 100 {
			f.err = io.ErrNoProgress
		}
		return
	}
	f.empty = 0
	f.out, f.off = f.out[:0], 0
	done := f.rewrite(f.in[:f.n], f.err != nil)
	f.n = copy(f.in, f.in[done:f.n])
}

// rewrite appends the rewritten form of in to f.out and returns how many
// bytes it consumed: all of them when final, else it stops before a
// pattern that the bytes read so far do not decide.
func (f *refFilter) rewrite(in []byte, final bool) int {
	i := 0
	for i < len(in) {
		j := i
		for j < len(in) && !special[in[j]] {
			j++
		}
		f.out = append(f.out, in[i:j]...)
		if i = j; i == len(in) {
			break
		}
		step, wait := f.special(in[i:], final)
		if wait {
			return i
		}
		i += step
	}
	return i
}

// special are the bytes that may start a pattern.
var special = [256]bool{'&': true, '<': true, ']': true, 0xf4: true}

// special handles the pattern starting at in[0], returning the bytes
// consumed, or wait when more input is needed to decide.
func (f *refFilter) special(in []byte, final bool) (int, bool) {
	need := func(pattern string) (match, wait bool) {
		if len(in) < len(pattern) {
			return false, !final && bytes.HasPrefix([]byte(pattern), in)
		}
		return string(in[:len(pattern)]) == pattern, false
	}
	switch {
	case in[0] == 0xf4:
		match, wait := need(string(escUTF8))
		if wait {
			return 0, true
		}
		if match {
			f.out = append(append(f.out, escUTF8...), escUTF8...)
			return len(escUTF8), false
		}
	case f.cdata && in[0] == ']':
		match, wait := need("]]>")
		if wait {
			return 0, true
		}
		if match {
			f.cdata = false
			f.out = append(f.out, "]]>"...)
			return 3, false
		}
	case !f.cdata && in[0] == '<':
		match, wait := need("<![CDATA[")
		if wait {
			return 0, true
		}
		if match {
			f.cdata = true
			f.out = append(f.out, "<![CDATA["...)
			return 9, false
		}
	case !f.cdata && in[0] == '&':
		c, n, wait := controlRef(in, final)
		if wait {
			return 0, true
		}
		if n > 0 {
			f.out = append(f.out, escUTF8...)
			if c != escRune {
				c += escBase
			}
			f.out = utf8.AppendRune(f.out, c)
			return n, false
		}
	}
	f.out = append(f.out, in[0])
	return 1, false
}

// controlRef reads a character reference (&#31;, &#x1F;) at the start of
// in to a control character XML forbids, or to escRune itself, returning
// the character and the reference's length; n == 0 when in does not
// start with one.
func controlRef(in []byte, final bool) (c rune, n int, wait bool) {
	const longest = len("&#x0000010FFFF;")
	end := bytes.IndexByte(in[:min(len(in), longest)], ';')
	if end < 0 {
		return 0, 0, !final && len(in) < longest
	}
	ref := in[:end]
	if len(ref) < 3 || ref[1] != '#' {
		return 0, 0, false
	}
	digits, base := ref[2:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, 0, false
	}
	for _, d := range digits {
		v := rune(unhex(d))
		if v < 0 || v >= base {
			return 0, 0, false
		}
		if c = c*base + v; c > escRune {
			return 0, 0, false
		}
	}
	if c >= 0x20 && c != escRune || c == '\t' || c == '\n' || c == '\r' {
		return 0, 0, false
	}
	return c, end + 1, false
}

// unescapeText undoes refFilter's rewriting in a decoded text, writing
// the result into scratch (which must not overlap text).
func unescapeText(text, scratch []byte) []byte {
	i := max(bytes.Index(text, escUTF8), 0)
	out := append(scratch[:0], text[:i]...)
	for i < len(text) {
		if !bytes.HasPrefix(text[i:], escUTF8) {
			out = append(out, text[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i+len(escUTF8):])
		switch {
		case r == escRune:
			out = append(out, escUTF8...)
		case escBase <= r && r < escBase+0x20:
			out = append(out, byte(r-escBase))
		default:
			out = append(out, escUTF8...) // a lone escape: keep it
			size = 0
		}
		i += len(escUTF8) + size
	}
	return out
}
