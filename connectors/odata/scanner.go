package odata

import (
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small JSON tokenizer over an io.Reader. It keeps its own
// buffer so that tokens can be returned as slices of it without copying:
// a token stays valid until the next call that reads input. Strings with
// escapes are unescaped into a reused scratch buffer.
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte
	end  int   // end of valid data in buf
	base int64 // stream offset of buf[0], for error positions
	eof  bool
	err  error // read error other than io.EOF
	str  []byte
}

const scanBufSize = 64 << 10

func (s *scanner) reset(r io.Reader) {
	if s.buf == nil {
		s.buf = make([]byte, scanBufSize)
	}
	s.r, s.pos, s.end, s.base, s.eof, s.err = r, 0, 0, 0, false, nil
}

// skipBOM skips a UTF-8 byte order mark at the start of the input, which
// some IIS-hosted services write.
func (s *scanner) skipBOM() {
	for s.end-s.pos < 3 {
		if _, ok := s.more(s.pos); !ok {
			break
		}
	}
	if s.end-s.pos >= 3 && string(s.buf[s.pos:s.pos+3]) == "\xef\xbb\xbf" {
		s.pos += 3
	}
}

// more reads more input, keeping buf[keep:end]. It moves the kept bytes
// to the start of the buffer (growing it when they fill it) and returns
// the distance they moved, which callers subtract from saved indices. It
// reports false when no more input can be read.
func (s *scanner) more(keep int) (int, bool) {
	if s.eof || s.err != nil {
		return 0, false
	}
	shift := keep
	if shift > 0 {
		copy(s.buf, s.buf[keep:s.end])
		s.end -= shift
		s.pos -= shift
		s.base += int64(shift)
	}
	if s.end == len(s.buf) {
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.err = err
		}
		if n > 0 {
			return shift, true
		}
		if err != nil {
			return shift, false
		}
	}
	s.err = io.ErrNoProgress
	return shift, false
}

// fail returns the error for input that ended or broke at the current
// position: the read error when there was one, else a syntax error.
func (s *scanner) fail(what string) error {
	if s.err != nil {
		return s.err
	}
	if s.pos >= s.end {
		return fmt.Errorf("unexpected end of JSON input at offset %d, "+
			"expecting %s", s.base+int64(s.pos), what)
	}
	return &SyntaxError{Offset: s.base + int64(s.pos),
		Msg: fmt.Sprintf("invalid character %s, expecting %s",
			quoteChar(s.buf[s.pos]), what)}
}

// SyntaxError is malformed JSON in a response body.
type SyntaxError struct {
	Offset int64 // byte offset in the body
	Msg    string
}

// Error says where the JSON broke.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

func quoteChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}

// peek skips white space and returns the next byte without consuming it.
// It returns 0 at the end of input.
func (s *scanner) peek() byte {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c
			}
		}
		if _, ok := s.more(s.pos); !ok {
			return 0
		}
	}
}

// expect consumes the byte c after optional white space.
func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return s.fail(fmt.Sprintf("%q", rune(c)))
	}
	s.pos++
	return nil
}

// next consumes a ',' or the closing byte close after optional white
// space, reporting whether it was the closing byte.
func (s *scanner) next(close byte) (bool, error) {
	switch s.peek() {
	case ',':
		s.pos++
		return false, nil
	case close:
		s.pos++
		return true, nil
	}
	return false, s.fail(fmt.Sprintf("',' or %q", rune(close)))
}

// readString consumes a JSON string (the scanner is at its opening
// quote) and returns its unescaped bytes.
func (s *scanner) readString() ([]byte, error) {
	start := s.pos + 1
	i := start
	escaped := false
	for {
		for i < s.end {
			c := s.buf[i]
			switch {
			case c == '"':
				raw := s.buf[start:i]
				s.pos = i + 1
				if escaped {
					return s.unescape(raw)
				}
				return raw, nil
			case c == '\\':
				escaped = true
				i += 2
				continue
			case c < 0x20:
				s.pos = i
				return nil, s.fail("a string character")
			}
			i++
		}
		shift, ok := s.more(start - 1)
		if !ok {
			s.pos = s.end
			return nil, s.fail("end of string")
		}
		start -= shift
		i -= shift
	}
}

// unescape decodes the escapes of raw into the scratch buffer.
func (s *scanner) unescape(raw []byte) ([]byte, error) {
	out := s.str[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return nil, s.escapeError()
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := decodeU(raw[i+1:])
			if n == 0 {
				return nil, s.escapeError()
			}
			i += n
			out = utf8.AppendRune(out, r)
		default:
			return nil, s.escapeError()
		}
	}
	s.str = out
	return out, nil
}

func (s *scanner) escapeError() error {
	return &SyntaxError{Offset: s.base + int64(s.pos),
		Msg: "invalid escape in string"}
}

// decodeU decodes the hex digits after `\u`, joining surrogate pairs. It
// returns the rune and the number of bytes used, 0 on error.
func decodeU(b []byte) (rune, int) {
	r := hex4(b)
	if r < 0 {
		return 0, 0
	}
	if utf16.IsSurrogate(r) {
		if len(b) >= 10 && b[4] == '\\' && b[5] == 'u' {
			if r2 := hex4(b[6:]); r2 >= 0 {
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					return d, 10
				}
			}
		}
		return utf8.RuneError, 4
	}
	return r, 4
}

func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		v := unhex(c)
		if v < 0 {
			return -1
		}
		r = r<<4 | rune(v)
	}
	return r
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// isNumberByte reports whether c may appear in a JSON number.
func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' ||
		c == 'e' || c == 'E'
}

// readNumber consumes a JSON number and returns its text. The text is
// validated by the conversion that uses it.
func (s *scanner) readNumber() []byte {
	start := s.pos
	i := start
	for {
		for i < s.end && isNumberByte(s.buf[i]) {
			i++
		}
		if i < s.end {
			break
		}
		shift, ok := s.more(start)
		start -= shift
		i -= shift
		if !ok {
			break
		}
	}
	s.pos = i
	return s.buf[start:i]
}

// readWord consumes the literal word (true, false or null) at the current
// position, reporting false when the input holds something else.
func (s *scanner) readWord(word string) bool {
	for s.end-s.pos < len(word) {
		if _, ok := s.more(s.pos); !ok {
			return false
		}
	}
	if string(s.buf[s.pos:s.pos+len(word)]) != word {
		return false
	}
	s.pos += len(word)
	return true
}

// skipValue consumes one JSON value of any kind, nested ones included.
func (s *scanner) skipValue() error {
	switch c := s.peek(); {
	case c == '"':
		_, err := s.readString()
		return err
	case c == '{' || c == '[':
		return s.skipNested()
	case c == '-' || '0' <= c && c <= '9':
		s.readNumber()
		return nil
	case c == 't':
		return s.word("true")
	case c == 'f':
		return s.word("false")
	case c == 'n':
		return s.word("null")
	}
	return s.fail("a value")
}

func (s *scanner) word(w string) error {
	if !s.readWord(w) {
		return s.fail(w)
	}
	return nil
}

// skipNested consumes an object or array by counting brackets outside
// strings; its contents are not otherwise validated.
func (s *scanner) skipNested() error {
	depth := 0
	inString := false
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			s.pos++
			if inString {
				switch c {
				case '\\':
					if s.pos == s.end {
						if _, ok := s.more(s.pos - 1); !ok {
							return s.fail("end of string")
						}
					}
					s.pos++
				case '"':
					inString = false
				}
				continue
			}
			switch c {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return nil
				}
			}
		}
		if _, ok := s.more(s.pos); !ok {
			return s.fail("end of object or array")
		}
	}
}
