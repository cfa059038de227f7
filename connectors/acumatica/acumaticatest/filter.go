package acumaticatest

import (
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"
)

// The $filter language: the subset of OData v4 that Acumatica's generic
// inquiry endpoint accepts, with Microsoft.OData's precedence (or < and
// < comparison < not) and its error texts.

type nodeKind uint8

const (
	nLit nodeKind = iota
	nCol
	nAnd
	nOr
	nNot
	nCmp
	nFunc
)

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opGt
	opGe
	opLt
	opLe
)

var cmpOps = map[string]cmpOp{
	"eq": opEq, "ne": opNe, "gt": opGt, "ge": opGe, "lt": opLt, "le": opLe}

var cmpOpKinds = [...]string{"Equal", "NotEqual", "GreaterThan",
	"GreaterThanOrEqual", "LessThan", "LessThanOrEqual"}

// flip returns the operator for swapped operands (a < b == b > a).
func (op cmpOp) flip() cmpOp {
	switch op {
	case opGt:
		return opLt
	case opGe:
		return opLe
	case opLt:
		return opGt
	case opLe:
		return opGe
	}
	return op
}

func (op cmpOp) holds(c int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	case opLt:
		return c < 0
	}
	return c <= 0
}

// node is a type-checked filter expression.
type node struct {
	kind nodeKind
	typ  kind   // result kind
	edm  string // result Edm type, for error messages
	op   cmpOp
	col  int
	lit  value
	fn   string
	args []*node
}

// colCmp reports whether n compares a column with a non-null literal.
func (n *node) colCmp() (col int, op cmpOp, lit *value, ok bool) {
	if n.kind != nCmp || n.args[0].kind != nCol || n.args[1].kind != nLit ||
		n.args[1].typ == kNull {
		return 0, 0, nil, false
	}
	return n.args[0].col, n.op, &n.args[1].lit, true
}

// queryError is an error the service reports to the client.
type queryError struct {
	status int
	msg    string
}

func (e *queryError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) *queryError {
	return &queryError{status: status, msg: fmt.Sprintf(format, args...)}
}

// Tokens.

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tDateTime
	tDate
	tGuid
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int
}

type parser struct {
	src  string
	pos  int
	tok  token
	ent  *entity
	loc  *time.Location
	d    dialect
	errp *queryError
}

// parseFilter parses and type-checks an OData v4 $filter expression.
func parseFilter(src string, ent *entity, loc *time.Location) (*node, error) {
	return parseFilterIn(src, ent, loc, dialect{})
}

// parseFilterIn parses and type-checks a $filter expression written in
// the dialect of the surface it came through.
func parseFilterIn(src string, ent *entity, loc *time.Location, d dialect) (n *node, err error) {
	p := &parser{src: src, ent: ent, loc: loc, d: d}
	defer func() {
		if r := recover(); r != nil {
			qe, ok := r.(*queryError)
			if !ok {
				panic(r)
			}
			n, err = nil, qe
		}
	}()
	p.next()
	n = p.parseOr()
	if p.tok.kind != tEOF {
		p.syntaxError(p.tok.pos)
	}
	if n.typ != kBool {
		panic(errorf(500, "The $filter expression must evaluate to a "+
			"single boolean value."))
	}
	return n, nil
}

func (p *parser) syntaxError(pos int) {
	panic(errorf(500, "Syntax error at position %d in '%s'.", pos, p.src))
}

func (p *parser) fail(format string, args ...any) {
	panic(errorf(500, format, args...))
}

func (p *parser) isKeyword(word string) bool {
	return p.tok.kind == tIdent && p.tok.text == word
}

func (p *parser) parseOr() *node {
	l := p.parseAnd()
	for p.isKeyword("or") {
		p.next()
		r := p.parseAnd()
		l = p.logical(nOr, "Or", l, r)
	}
	return l
}

func (p *parser) parseAnd() *node {
	l := p.parseComparison()
	for p.isKeyword("and") {
		p.next()
		r := p.parseComparison()
		l = p.logical(nAnd, "And", l, r)
	}
	return l
}

func (p *parser) logical(k nodeKind, name string, l, r *node) *node {
	if l.typ != kBool && l.typ != kNull || r.typ != kBool && r.typ != kNull {
		p.fail("A binary operator with incompatible types was detected. "+
			"Found operand types '%s' and '%s' for operator kind '%s'.",
			l.edm, r.edm, name)
	}
	return &node{kind: k, typ: kBool, edm: "Edm.Boolean", args: []*node{l, r}}
}

func (p *parser) parseComparison() *node {
	l := p.parseUnary()
	for p.tok.kind == tIdent {
		op, ok := cmpOps[p.tok.text]
		if !ok {
			switch p.tok.text {
			case "add", "sub", "mul", "div", "mod", "has", "in":
				p.fail("The operator '%s' is not supported.", p.tok.text)
			}
			return l
		}
		p.next()
		r := p.parseUnary()
		l = p.comparison(op, l, r)
	}
	return l
}

// comparable reports whether two kinds may be compared.
func comparable(a, b kind) bool {
	return a == b || a == kNull || b == kNull || a.numeric() && b.numeric()
}

func (p *parser) comparison(op cmpOp, l, r *node) *node {
	// A date-only literal compared with a DateTimeOffset means local
	// midnight, as the generic inquiry compares in the user's zone.
	if l.typ == kTime && r.kind == nLit && r.typ == kDate {
		r = p.dateAsTime(r)
	}
	if r.typ == kTime && l.kind == nLit && l.typ == kDate {
		l = p.dateAsTime(l)
	}
	if !comparable(l.typ, r.typ) || p.d.v3 && l.typ == kTime &&
		r.typ == kTime && l.edm != r.edm ||
		op != opEq && op != opNe && (l.typ == kGuid || l.typ == kBool) {
		p.fail("A binary operator with incompatible types was detected. "+
			"Found operand types '%s' and '%s' for operator kind '%s'.",
			l.edm, r.edm, cmpOpKinds[op])
	}
	if l.kind == nLit && r.kind != nLit {
		l, r, op = r, l, op.flip()
	}
	return &node{kind: nCmp, typ: kBool, edm: "Edm.Boolean", op: op,
		args: []*node{l, r}}
}

func (p *parser) dateAsTime(n *node) *node {
	t := timeOf(n.lit.i, time.UTC)
	y, m, d := t.Date()
	ticks := ticksOf(time.Date(y, m, d, 0, 0, 0, 0, p.loc))
	return &node{kind: nLit, typ: kTime, edm: "Edm.DateTimeOffset",
		lit: value{kind: kTime, i: ticks}}
}

func (p *parser) parseUnary() *node {
	if p.isKeyword("not") {
		p.next()
		x := p.parseUnary()
		if x.typ != kBool && x.typ != kNull {
			p.fail("A unary operator with an incompatible type was "+
				"detected. Found operand type '%s' for operator kind 'Not'.",
				x.edm)
		}
		return &node{kind: nNot, typ: kBool, edm: "Edm.Boolean",
			args: []*node{x}}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() *node {
	t := p.tok
	switch t.kind {
	case tLParen:
		p.next()
		n := p.parseOr()
		if p.tok.kind != tRParen {
			p.fail("')' or operator expected at position %d in '%s'.",
				p.tok.pos, p.src)
		}
		p.next()
		return n
	case tString:
		p.next()
		return literal(kString, "Edm.String", value{s: []byte(t.text)})
	case tNumber:
		p.next()
		return p.number(t)
	case tDateTime:
		p.next()
		return p.dateTime(t)
	case tDate:
		p.next()
		return p.date(t)
	case tGuid:
		p.next()
		return literal(kGuid, "Edm.Guid",
			value{s: []byte(strings.ToLower(t.text))})
	case tIdent:
		p.next()
		return p.identifier(t)
	}
	if n := p.primaryV3(t); n != nil {
		return n
	}
	if t.kind == tEOF {
		p.fail("Expression expected at position %d in '%s'.", t.pos, p.src)
	}
	p.syntaxError(t.pos)
	return nil
}

func literal(k kind, edm string, v value) *node {
	v.kind = k
	return &node{kind: nLit, typ: k, edm: edm, lit: v}
}

func (p *parser) identifier(t token) *node {
	switch t.text {
	case "true", "false":
		return literal(kBool, "Edm.Boolean", value{i: b2i(t.text == "true")})
	case "null":
		return &node{kind: nLit, typ: kNull, edm: "<null>",
			lit: value{null: true}}
	}
	if p.tok.kind == tLParen {
		return p.function(t)
	}
	c := p.ent.col(t.text)
	if c < 0 {
		p.fail("Could not find a property named '%s' on type "+
			"'GenericInquiry.%s'.", t.text, p.ent.name)
	}
	col := &p.ent.cols[c]
	return &node{kind: nCol, typ: col.kind, edm: p.d.edmType(col.Type),
		col: c}
}

// functions maps the supported string functions to their result kind.
var functions = map[string]kind{
	"contains": kBool, "startswith": kBool, "endswith": kBool,
	"tolower": kString, "toupper": kString, "trim": kString,
	"length": kInt,
}

func (p *parser) function(name token) *node {
	swap := false
	if p.d.v3 {
		name, swap = p.functionV3(name)
	}
	res, ok := functions[name.text]
	if !ok {
		p.fail("An unknown function with name '%s' was found. This may "+
			"also be a function import or a key lookup on a navigation "+
			"property, which is not allowed.", name.text)
	}
	p.next() // (
	var args []*node
	for p.tok.kind != tRParen {
		if len(args) > 0 {
			if p.tok.kind != tComma {
				p.syntaxError(p.tok.pos)
			}
			p.next()
		}
		args = append(args, p.parseOr())
	}
	p.next() // )
	want := 1
	if res == kBool {
		want = 2
	}
	ok = len(args) == want
	for _, a := range args {
		ok = ok && (a.typ == kString || a.typ == kNull)
	}
	if !ok {
		sig := "Edm.String Nullable=true"
		if want == 2 {
			sig += ", " + sig
		}
		p.fail("No function signature for the function with name '%s' "+
			"matches the specified arguments. The function signatures "+
			"considered are: %s(%s).", name.text, name.text, sig)
	}
	if swap {
		args[0], args[1] = args[1], args[0]
	}
	return &node{kind: nFunc, typ: res, edm: res.edmName(), fn: name.text,
		args: args}
}

// number parses an integer or decimal literal exactly.
func (p *parser) number(t token) *node {
	text := t.text
	neg := strings.HasPrefix(text, "-")
	digits := strings.TrimPrefix(text, "-")
	intPart, frac, isDec := strings.Cut(digits, ".")
	if isDec && (frac == "" || intPart == "") {
		p.syntaxError(t.pos)
	}
	b, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		p.syntaxError(t.pos)
	}
	if neg {
		b.Neg(b)
	}
	v := value{scale: int8(min(len(frac), 100))}
	if len(frac) > 100 {
		p.fail("The value '%s' is too precise.", text)
	}
	if b.IsInt64() {
		v.i = b.Int64()
	} else {
		v.big = b
	}
	switch {
	case isDec:
		return literal(kDecimal, "Edm.Decimal", v)
	case v.big == nil && v.i >= -1<<31 && v.i < 1<<31:
		return literal(kInt, "Edm.Int32", v)
	case v.big == nil:
		return literal(kInt, "Edm.Int64", v)
	}
	return literal(kDecimal, "Edm.Decimal", v)
}

func (p *parser) dateTime(t token) *node {
	ticks, ok := parseDateTimeOffset(t.text)
	if !ok {
		p.fail("The DateTimeOffset text '%s' should be in format "+
			"'yyyy-mm-ddThh:mm:ss('.'s+)?(zz|Z)?' and each field value is "+
			"within valid range.", t.text)
	}
	return literal(kTime, "Edm.DateTimeOffset", value{i: ticks})
}

func (p *parser) date(t token) *node {
	d, err := time.Parse("2006-01-02", t.text)
	if err != nil {
		p.fail("The Date text '%s' should be in format 'yyyy-mm-dd' and "+
			"each field value is within valid range.", t.text)
	}
	return literal(kDate, "Edm.Date", value{i: ticksOf(d)})
}

// parseDateTimeOffset reads yyyy-mm-ddThh:mm[:ss[.fffffff]](Z|±hh:mm)
// into ticks. Up to seven fraction digits are allowed, as in .NET.
func parseDateTimeOffset(s string) (int64, bool) {
	body, zone, ok := splitZone(s)
	if !ok {
		return 0, false
	}
	layout := "2006-01-02T15:04"
	if len(body) > len(layout) {
		layout += ":05"
	}
	frac := ""
	if i := strings.IndexByte(body, '.'); i >= 0 {
		body, frac = body[:i], body[i+1:]
		if frac == "" || len(frac) > 7 || strings.Trim(frac, "0123456789") != "" {
			return 0, false
		}
	}
	t, err := time.Parse(layout, body)
	if err != nil {
		return 0, false
	}
	ticks := ticksOf(t) - int64(zone)*ticksPerSecond
	f := 0
	for i := range 7 {
		f *= 10
		if i < len(frac) {
			f += int(frac[i] - '0')
		}
	}
	return ticks + int64(f), true
}

// splitZone separates the zone designator and returns its offset in
// seconds east of UTC.
func splitZone(s string) (string, int, bool) {
	if strings.HasSuffix(s, "Z") {
		return s[:len(s)-1], 0, true
	}
	if len(s) < 6 {
		return "", 0, false
	}
	z := s[len(s)-6:]
	if z[0] != '+' && z[0] != '-' || z[3] != ':' {
		return "", 0, false
	}
	zt, err := time.Parse("15:04", z[1:])
	if err != nil {
		return "", 0, false
	}
	off := zt.Hour()*3600 + zt.Minute()*60
	if z[0] == '-' {
		off = -off
	}
	return s[:len(s)-6], off, true
}

// Lexer.

func (p *parser) next() {
	src := p.src
	for p.pos < len(src) && isSpace(src[p.pos]) {
		p.pos++
	}
	start := p.pos
	if start >= len(src) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := src[start]
	switch {
	case c == '(':
		p.punct(tLParen)
	case c == ')':
		p.punct(tRParen)
	case c == ',':
		p.punct(tComma)
	case c == '\'':
		p.tok = token{kind: tString, text: p.quoted(), pos: start}
	case isGuidAt(src, start) && !p.d.v3:
		p.pos += 36
		p.tok = token{kind: tGuid, text: src[start:p.pos], pos: start}
	case isDigit(c) || c == '-' && start+1 < len(src) && isDigit(src[start+1]):
		p.lexNumberOrDate()
	case isIdentStart(c):
		p.lexIdent()
	default:
		p.syntaxError(start)
	}
}

func (p *parser) punct(k tokKind) {
	p.tok = token{kind: k, text: p.src[p.pos : p.pos+1], pos: p.pos}
	p.pos++
}

// quoted reads a string literal, where a doubled quote stands for one.
func (p *parser) quoted() string {
	var b strings.Builder
	start := p.pos
	p.pos++
	for {
		i := strings.IndexByte(p.src[p.pos:], '\'')
		if i < 0 {
			p.fail("There is an unterminated string literal at position "+
				"%d in '%s'.", start, p.src)
		}
		b.WriteString(p.src[p.pos : p.pos+i])
		p.pos += i + 1
		if p.pos < len(p.src) && p.src[p.pos] == '\'' {
			b.WriteByte('\'')
			p.pos++
			continue
		}
		return b.String()
	}
}

func (p *parser) lexIdent() {
	start := p.pos
	for p.pos < len(p.src) && isIdentPart(p.src[p.pos]) {
		p.pos++
	}
	// A typed literal such as datetimeoffset'...' or datetime'...' is
	// OData v3 syntax; the v4 parser reads the prefix as a string.
	if p.pos < len(p.src) && p.src[p.pos] == '\'' && p.d.v3 {
		p.typedLiteral(start)
		return
	}
	if p.pos < len(p.src) && p.src[p.pos] == '\'' {
		p.quoted()
		p.fail("Unrecognized 'Edm.String' literal '%s' at '%d' in '%s'.",
			p.src[start:p.pos], start, p.src)
	}
	p.tok = token{kind: tIdent, text: p.src[start:p.pos], pos: start}
}

func (p *parser) lexNumberOrDate() {
	src, start := p.src, p.pos
	if isDateAt(src, start) && !p.d.v3 {
		p.pos += 10
		if p.pos < len(src) && src[p.pos] == 'T' {
			for p.pos < len(src) && isDateTimeChar(src[p.pos]) {
				p.pos++
			}
			p.tok = token{kind: tDateTime, text: src[start:p.pos], pos: start}
			return
		}
		p.tok = token{kind: tDate, text: src[start:p.pos], pos: start}
		return
	}
	p.pos++
	for p.pos < len(src) && (isDigit(src[p.pos]) || src[p.pos] == '.') {
		p.pos++
	}
	if p.d.v3 && p.numberSuffix(start) {
		return
	}
	if p.pos < len(src) && isIdentPart(src[p.pos]) {
		p.syntaxError(p.pos)
	}
	p.tok = token{kind: tNumber, text: src[start:p.pos], pos: start}
}

func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isHex(c byte) bool    { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }
func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isIdentStart(c byte) bool { return isLetter(c) || c == '_' || c >= utf8.RuneSelf }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func isDateTimeChar(c byte) bool {
	return isDigit(c) || c == 'T' || c == 'Z' || c == ':' || c == '.' ||
		c == '+' || c == '-'
}

// isDateAt reports whether s has yyyy-mm-dd at i.
func isDateAt(s string, i int) bool {
	if len(s)-i < 10 {
		return false
	}
	for k := range 10 {
		c := s[i+k]
		if k == 4 || k == 7 {
			if c != '-' {
				return false
			}
		} else if !isDigit(c) {
			return false
		}
	}
	return len(s) == i+10 || !isIdentPart(s[i+10]) || s[i+10] == 'T'
}

// isGuidAt reports whether s has a canonical GUID at i.
func isGuidAt(s string, i int) bool {
	if len(s)-i < 36 {
		return false
	}
	for k := range 36 {
		c := s[i+k]
		if k == 8 || k == 13 || k == 18 || k == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return len(s) == i+36 || !isIdentPart(s[i+36])
}
