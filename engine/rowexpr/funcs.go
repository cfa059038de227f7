package rowexpr

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// Decimal contexts. Sums, differences and products are exact (precision
// 0 never rounds); quotients round to 34 significant digits, half to even;
// remainders and round() need a precision only to bound their work.
var (
	exactCtx = apd.BaseContext
	quoCtx   = apd.Context{Precision: 34, Rounding: apd.RoundHalfEven,
		MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
		Traps: apd.DefaultTraps}
	wideCtx = apd.Context{Precision: 1000, Rounding: apd.RoundHalfUp,
		MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
		Traps: apd.DefaultTraps}
)

// QuotientDigits is the number of significant digits a division keeps.
const QuotientDigits = 34

var (
	errDivZero  = errors.New("division by zero")
	errOverflow = errors.New("integer overflow")
)

// toDec converts an integer or decimal operand to a decimal, exactly.
func toDec(v any) (apd.Decimal, bool) {
	switch x := v.(type) {
	case apd.Decimal:
		return x, true
	case *apd.Decimal:
		return *x, true
	case int64:
		var d apd.Decimal
		d.SetInt64(x)
		return d, true
	}
	return apd.Decimal{}, false
}

// toFloat converts a numeric operand to a float.
func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	d, _ := toDec(v)
	f, _ := d.Float64()
	return f
}

// arith applies one of + - * / % to two numeric operands: integers stay
// integers (except under /), anything with a float is a float, the rest
// is an exact decimal.
func arith(op byte, a, b any) (any, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	x, xok := a.(int64)
	y, yok := b.(int64)
	if xok && yok && op != '/' {
		return intArith(op, x, y)
	}
	_, af := a.(float64)
	_, bf := b.(float64)
	if af || bf {
		return floatArith(op, toFloat(a), toFloat(b))
	}
	dx, ok1 := toDec(a)
	dy, ok2 := toDec(b)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("invalid operands %T and %T", a, b)
	}
	return decArith(op, &dx, &dy)
}

func intArith(op byte, x, y int64) (any, error) {
	switch op {
	case '+':
		r := x + y
		if (r > x) != (y > 0) {
			return nil, errOverflow
		}
		return r, nil
	case '-':
		r := x - y
		if (r < x) != (y > 0) {
			return nil, errOverflow
		}
		return r, nil
	case '*':
		hi, lo := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
		if hi != 0 || lo > math.MaxInt64 || x == math.MinInt64 || y == math.MinInt64 {
			return nil, errOverflow
		}
		return x * y, nil
	case '%':
		if y == 0 {
			return nil, errDivZero
		}
		if y == -1 {
			return int64(0), nil
		}
		return x % y, nil
	}
	return nil, fmt.Errorf("unknown operator %c", op)
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func floatArith(op byte, x, y float64) (any, error) {
	switch op {
	case '+':
		return x + y, nil
	case '-':
		return x - y, nil
	case '*':
		return x * y, nil
	case '/':
		if y == 0 {
			return nil, errDivZero
		}
		return x / y, nil
	case '%':
		if y == 0 {
			return nil, errDivZero
		}
		return math.Mod(x, y), nil
	}
	return nil, fmt.Errorf("unknown operator %c", op)
}

func decArith(op byte, x, y *apd.Decimal) (any, error) {
	var r apd.Decimal
	var err error
	switch op {
	case '+':
		_, err = exactCtx.Add(&r, x, y)
	case '-':
		_, err = exactCtx.Sub(&r, x, y)
	case '*':
		_, err = exactCtx.Mul(&r, x, y)
	case '/':
		if y.IsZero() {
			return nil, errDivZero
		}
		if _, err = quoCtx.Quo(&r, x, y); err == nil {
			trimZeros(&r)
		}
	case '%':
		if y.IsZero() {
			return nil, errDivZero
		}
		_, err = wideCtx.Rem(&r, x, y)
	}
	if err != nil {
		return nil, fmt.Errorf("decimal %c: %w", op, err)
	}
	return r, nil
}

// trimZeros drops the trailing zeros a quotient is padded with, down to
// a whole number: 7 / 2 is 3.5, not 3.500...0.
func trimZeros(d *apd.Decimal) {
	if d.Exponent >= 0 {
		return
	}
	var r apd.Decimal
	r.Reduce(d)
	if r.Exponent > 0 {
		_, _ = wideCtx.Quantize(&r, &r, 0)
	}
	d.Set(&r)
}

// neg negates a number.
func neg(a any) (any, error) {
	switch x := a.(type) {
	case nil:
		return nil, nil
	case int64:
		if x == math.MinInt64 {
			return nil, errOverflow
		}
		return -x, nil
	case float64:
		return -x, nil
	}
	d, ok := toDec(a)
	if !ok {
		return nil, fmt.Errorf("cannot negate %T", a)
	}
	var r apd.Decimal
	r.Neg(&d)
	return r, nil
}

// compare orders two non-null values of comparable types.
func compare(a, b any) (int, error) {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case int64:
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			}
			return 0, nil
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), nil
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0, nil
			case !x:
				return -1, nil
			}
			return 1, nil
		}
	case [16]byte:
		if y, ok := b.([16]byte); ok {
			return bytes.Compare(x[:], y[:]), nil
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y), nil
		}
	}
	_, af := a.(float64)
	_, bf := b.(float64)
	if af || bf {
		x, y := toFloat(a), toFloat(b)
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
		return 0, nil
	}
	dx, ok1 := toDec(a)
	dy, ok2 := toDec(b)
	if ok1 && ok2 {
		return dx.Cmp(&dy), nil
	}
	return 0, fmt.Errorf("cannot compare %T with %T", a, b)
}

// equal is == with null as a value: null equals only null.
func equal(a, b any) (bool, error) {
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	c, err := compare(a, b)
	return c == 0, err
}

// order applies < <= > >=; a null operand gives null.
func order(op string, a, b any) (any, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	c, err := compare(a, b)
	if err != nil {
		return nil, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// and3, or3 and not3 are SQL's three-valued logic.
func and3(a, b any) any {
	if a == false || b == false {
		return false
	}
	if a == nil || b == nil {
		return nil
	}
	return true
}

func or3(a, b any) any {
	if a == true || b == true {
		return true
	}
	if a == nil || b == nil {
		return nil
	}
	return false
}

func not3(a any) any {
	if a == nil {
		return nil
	}
	return !a.(bool)
}

// strOp applies a string function to a non-null string.
func strOp(a any, fn func(string) any) any {
	s, ok := a.(string)
	if !ok {
		return nil
	}
	return fn(s)
}

func roundTo(a any, n int64) (any, error) {
	switch x := a.(type) {
	case nil:
		return nil, nil
	case float64:
		p := math.Pow(10, float64(n))
		return math.Round(x*p) / p, nil
	}
	d, ok := toDec(a)
	if !ok {
		return nil, fmt.Errorf("round: not a number: %T", a)
	}
	var r apd.Decimal
	if _, err := wideCtx.Quantize(&r, &d, int32(-n)); err != nil {
		return nil, fmt.Errorf("round: %w", err)
	}
	return r, nil
}

func absOf(a any) (any, error) {
	switch x := a.(type) {
	case nil:
		return nil, nil
	case int64:
		if x == math.MinInt64 {
			return nil, errOverflow
		}
		return abs64(x), nil
	case float64:
		return math.Abs(x), nil
	}
	d, ok := toDec(a)
	if !ok {
		return nil, fmt.Errorf("abs: not a number: %T", a)
	}
	var r apd.Decimal
	r.Abs(&d)
	return r, nil
}

// parseDate reads a date ("2026-01-01", midnight UTC) or an instant
// (RFC 3339, "2026-01-01T10:00:00Z"). dateOnly tells which it was.
func parseDate(s string) (t time.Time, dateOnly bool, err error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	t, err = time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("date(%q): want YYYY-MM-DD or an RFC 3339 time with an offset, such as 2026-01-01T08:00:00Z", s)
	}
	return t, false, nil
}

// fn adapts a function of fixed arity to expr-lang's calling convention.
type fn = func(params ...any) (any, error)

// runtimeFuncs are the functions operators and calls are rewritten into.
// Their names start with "$", which expressions cannot spell.
var runtimeFuncs = map[string]fn{
	"$add": func(p ...any) (any, error) { return arith('+', p[0], p[1]) },
	"$sub": func(p ...any) (any, error) { return arith('-', p[0], p[1]) },
	"$mul": func(p ...any) (any, error) { return arith('*', p[0], p[1]) },
	"$div": func(p ...any) (any, error) { return arith('/', p[0], p[1]) },
	"$mod": func(p ...any) (any, error) { return arith('%', p[0], p[1]) },
	"$neg": func(p ...any) (any, error) { return neg(p[0]) },
	"$concat": func(p ...any) (any, error) {
		if p[0] == nil || p[1] == nil {
			return nil, nil
		}
		return p[0].(string) + p[1].(string), nil
	},
	"$eq": func(p ...any) (any, error) { return equal(p[0], p[1]) },
	"$ne": func(p ...any) (any, error) {
		eq, err := equal(p[0], p[1])
		return !eq, err
	},
	"$lt":  func(p ...any) (any, error) { return order("<", p[0], p[1]) },
	"$le":  func(p ...any) (any, error) { return order("<=", p[0], p[1]) },
	"$gt":  func(p ...any) (any, error) { return order(">", p[0], p[1]) },
	"$ge":  func(p ...any) (any, error) { return order(">=", p[0], p[1]) },
	"$and": func(p ...any) (any, error) { return and3(p[0], p[1]), nil },
	"$or":  func(p ...any) (any, error) { return or3(p[0], p[1]), nil },
	"$not": func(p ...any) (any, error) { return not3(p[0]), nil },
	// $truth turns a condition into what the VM's jumps need.
	"$truth": func(p ...any) (any, error) { return p[0] == true, nil },
	"$in": func(p ...any) (any, error) {
		for _, v := range p[1:] {
			if eq, err := equal(p[0], v); eq || err != nil {
				return eq, err
			}
		}
		return false, nil
	},
	"$contains": func(p ...any) (any, error) {
		return strPair(p, strings.Contains), nil
	},
	"$startsWith": func(p ...any) (any, error) {
		return strPair(p, strings.HasPrefix), nil
	},
	"$endsWith": func(p ...any) (any, error) {
		return strPair(p, strings.HasSuffix), nil
	},
	"$coalesce": func(p ...any) (any, error) {
		for _, v := range p {
			if v != nil {
				return v, nil
			}
		}
		return nil, nil
	},
	"$trim": func(p ...any) (any, error) {
		return strOp(p[0], func(s string) any { return strings.TrimSpace(s) }), nil
	},
	"$upper": func(p ...any) (any, error) {
		return strOp(p[0], func(s string) any { return strings.ToUpper(s) }), nil
	},
	"$lower": func(p ...any) (any, error) {
		return strOp(p[0], func(s string) any { return strings.ToLower(s) }), nil
	},
	"$len": func(p ...any) (any, error) {
		return strOp(p[0], func(s string) any { return int64(utf8.RuneCountInString(s)) }), nil
	},
	"$round": func(p ...any) (any, error) { return roundTo(p[0], p[1].(int64)) },
	"$abs":   func(p ...any) (any, error) { return absOf(p[0]) },
	"$date": func(p ...any) (any, error) {
		s, ok := p[0].(string)
		if !ok {
			return nil, nil
		}
		t, _, err := parseDate(s)
		return t, err
	},
}

func strPair(p []any, f func(string, string) bool) any {
	a, ok1 := p[0].(string)
	b, ok2 := p[1].(string)
	if !ok1 || !ok2 {
		return nil
	}
	return f(a, b)
}
