package acumaticatest

import (
	"bytes"
	"unicode/utf8"
)

// Filters evaluate with SQL's three-valued logic, as Acumatica runs them
// as part of a SQL WHERE clause: a comparison with a null column is
// unknown, and a row is returned only when the filter is true. The null
// literal is the exception: "X eq null" and "X ne null" test for null.

type tri uint8

const (
	fls tri = iota
	tru
	unk
)

func triOf(b bool) tri {
	if b {
		return tru
	}
	return fls
}

// matches reports whether the current row passes the filter.
func (n *node) matches(r *row) bool { return n.evalBool(r) == tru }

func (n *node) evalBool(r *row) tri {
	switch n.kind {
	case nAnd:
		a := n.args[0].evalBool(r)
		if a == fls {
			return fls
		}
		b := n.args[1].evalBool(r)
		if b == fls {
			return fls
		}
		if a == tru && b == tru {
			return tru
		}
		return unk
	case nOr:
		a := n.args[0].evalBool(r)
		if a == tru {
			return tru
		}
		b := n.args[1].evalBool(r)
		if b == tru {
			return tru
		}
		if a == fls && b == fls {
			return fls
		}
		return unk
	case nNot:
		switch n.args[0].evalBool(r) {
		case tru:
			return fls
		case fls:
			return tru
		}
		return unk
	case nCmp:
		return n.evalCmp(r)
	}
	v := n.operand(r)
	if v.null {
		return unk
	}
	return triOf(v.i != 0)
}

func (n *node) evalCmp(r *row) tri {
	a, b := n.args[0], n.args[1]
	if a.typ == kNull || b.typ == kNull {
		other := a
		if a.typ == kNull {
			other = b
		}
		isNull := other.operand(r).null
		switch n.op {
		case opEq:
			return triOf(isNull)
		case opNe:
			return triOf(!isNull)
		}
		return unk
	}
	va, vb := a.operand(r), b.operand(r)
	if va.null || vb.null {
		return unk
	}
	return triOf(n.op.holds(compareValues(va, vb)))
}

// operand evaluates a node as a value. Columns and literals, the common
// case, cost no allocation; computed values are allocated.
func (n *node) operand(r *row) *value {
	switch n.kind {
	case nCol:
		return r.get(n.col)
	case nLit:
		return &n.lit
	}
	v := new(value)
	if n.kind == nFunc {
		n.callFunc(r, v)
		return v
	}
	v.kind = kBool
	switch n.evalBool(r) {
	case tru:
		v.i = 1
	case unk:
		v.null = true
	}
	return v
}

func (n *node) callFunc(r *row, out *value) {
	a := n.args[0].operand(r)
	*out = value{kind: n.typ}
	if a.null {
		out.null = true
		return
	}
	switch n.fn {
	case "tolower":
		out.s = bytes.ToLower(a.s)
	case "toupper":
		out.s = bytes.ToUpper(a.s)
	case "trim":
		out.s = bytes.TrimSpace(a.s)
	case "length":
		out.i = int64(utf8.RuneCount(trimTrailingSpaces(a.s)))
	default:
		b := n.args[1].operand(r)
		if b.null {
			out.null = true
			return
		}
		s, sub := bytes.ToLower(a.s), bytes.ToLower(b.s)
		switch n.fn {
		case "contains":
			out.i = b2i(bytes.Contains(s, sub))
		case "startswith":
			out.i = b2i(bytes.HasPrefix(s, sub))
		case "endswith":
			out.i = b2i(bytes.HasSuffix(s, sub))
		}
	}
}
