package rowexpr

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/syncctl/syncctl/connectors"
)

// Purpose says what an expression is for.
type Purpose int

const (
	// Value is a computed column's expression.
	Value Purpose = iota
	// Filter is a where expression: it must be a condition.
	Filter
)

// config is the expr-lang configuration every expression is parsed and
// compiled with: no builtins (their null and number semantics differ
// from ours), only the runtime functions.
func config(env map[string]any) *conf.Config {
	c := conf.CreateNew()
	for name := range c.Builtins {
		c.Disabled[name] = true
	}
	for name, f := range runtimeFuncs {
		c.Functions[name] = &builtin.Function{Name: name, Func: f}
	}
	c.Optimize = false
	if env != nil {
		c.WithEnv(env)
	}
	c.Strict = false
	return c
}

// parse parses src, turning a syntax error into an Error.
func parse(src string, c *conf.Config) (*parser.Tree, error) {
	tree, err := parser.ParseWithConfig(src, c)
	if err == nil {
		return tree, nil
	}
	var fe *file.Error
	if !errors.As(err, &fe) {
		return nil, Errors{{Summary: SummarySyntax, Detail: err.Error(), End: len(src)}}
	}
	start := runeOffset(src, fe.From)
	end := max(runeOffset(src, fe.To), start)
	return nil, Errors{{Start: start, End: end, Summary: SummarySyntax,
		Detail: syntaxDetail(fe.Message)}}
}

func syntaxDetail(msg string) string {
	if msg == "" {
		return "The expression does not parse."
	}
	return "The expression does not parse: " + msg + "."
}

// Syntax checks src without metadata: its syntax, the functions it calls
// and whatever can be typed without knowing the columns. The error, if
// any, is an Errors.
func Syntax(src string) error {
	tree, err := parse(src, config(nil))
	if err != nil {
		return err
	}
	c := newTyper(src, nil)
	c.check(&tree.Node)
	if len(c.errs) > 0 {
		return c.errs
	}
	return nil
}

// Options refine Compile.
type Options struct {
	Purpose Purpose
	// Type forces a computed column's type (see ParseType); "" infers
	// it from the expression.
	Type string
}

// Program is a compiled expression. It is immutable and safe for
// concurrent use; evaluate it through an Evaluator.
type Program struct {
	src  string
	prog *vm.Program
	typ  Type
	// refs are the columns the expression reads.
	refs []string
	conv func(any) (any, error)
}

// Compile parses src, type-checks it against cols (the columns a row
// carries, by source name) and compiles it. Errors are an Errors, each
// located in src.
func Compile(src string, cols []connectors.Column, opts Options) (*Program, error) {
	tree, err := parse(src, config(nil))
	if err != nil {
		return nil, err
	}
	c := newTyper(src, cols)
	t := c.check(&tree.Node)
	if len(c.errs) == 0 {
		t = c.result(t, opts)
	}
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	env := make(map[string]any, len(c.refs))
	for _, r := range c.refs {
		env[r] = nil
	}
	cfg := config(env)
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, fmt.Errorf("check %q: %w", src, err)
	}
	prog, err := compiler.Compile(tree, cfg)
	if err != nil {
		return nil, fmt.Errorf("compile %q: %w", src, err)
	}
	return &Program{src: src, prog: prog, typ: t, refs: c.refs,
		conv: converter(t)}, nil
}

// result checks the type of the whole expression for its purpose and
// returns the type of the values it gives.
func (c *typer) result(t Type, opts Options) Type {
	whole := Error{Start: 0, End: len(c.src)}
	fail := func(summary, format string, args ...any) Type {
		e := whole
		e.Summary, e.Detail = summary, fmt.Sprintf(format, args...)
		c.errs = append(c.errs, &e)
		return t
	}
	if opts.Purpose == Filter {
		if t.Kind != Bool && t.Kind != Unknown {
			return fail(SummaryFilter, "A where filter must give a bool (true keeps the row); this one gives %s.", an(t))
		}
		return Type{Kind: Bool}
	}
	if t.Kind == Null {
		return fail(SummaryType, "The expression is always null; give the column a value.")
	}
	if opts.Type == "" {
		return t
	}
	forced, err := ParseType(opts.Type)
	if err != nil {
		return fail(SummaryColumnType, "%s.", err)
	}
	if !convertible(t, forced) {
		return fail(SummaryColumnType, "The expression gives %s, which cannot be stored as %s.", an(t), opts.Type)
	}
	forced.Inexact = t.Inexact && forced.Kind == Decimal
	return forced
}

// Type is the type of the values the program gives.
func (p *Program) Type() Type { return p.typ }

// Columns are the source columns the expression reads, in the order it
// first names them.
func (p *Program) Columns() []string { return p.refs }

// String returns the expression's text.
func (p *Program) String() string { return p.src }

// Evaluator evaluates one Program row after row. It reuses its machine
// and environment between rows; it is not safe for concurrent use.
type Evaluator struct {
	p   *Program
	vm  vm.VM
	env map[string]any
	idx []int
}

// Evaluator returns an evaluator for rows laid out as columns: row[i] is
// the value of columns[i]. Every column the program reads must be there.
func (p *Program) Evaluator(columns []string) (*Evaluator, error) {
	pos := make(map[string]int, len(columns))
	for i, c := range columns {
		pos[c] = i
	}
	e := &Evaluator{p: p, env: make(map[string]any, len(p.refs))}
	for _, r := range p.refs {
		i, ok := pos[r]
		if !ok {
			return nil, fmt.Errorf("expression %q reads column %q, which the row does not carry", p.src, r)
		}
		e.idx = append(e.idx, i)
		e.env[r] = nil
	}
	return e, nil
}

// Eval evaluates the expression on one row and returns its value,
// converted to the program's type (nil for null).
func (e *Evaluator) Eval(row []any) (any, error) {
	for i, r := range e.p.refs {
		e.env[r] = row[e.idx[i]]
	}
	out, err := e.vm.Run(e.p.prog, e.env)
	if err != nil {
		return nil, e.p.runtimeError(err)
	}
	return e.p.conv(out)
}

// Keep evaluates a filter on one row: true keeps it, false and null drop
// it.
func (e *Evaluator) Keep(row []any) (bool, error) {
	v, err := e.Eval(row)
	return v == true, err
}

func (p *Program) runtimeError(err error) error {
	var fe *file.Error
	if errors.As(err, &fe) && fe.Prev != nil {
		err = fe.Prev
	}
	return fmt.Errorf("expression %q: %w", p.src, err)
}

// converter returns the function that turns a result into a value of t:
// integers become decimals where t is a decimal, decimals must fit a
// fixed precision and scale without rounding, and so on.
func converter(t Type) func(any) (any, error) {
	switch t.Kind {
	case Decimal:
		return decimalConverter(t)
	case Int:
		return intConverter
	case Float:
		return func(v any) (any, error) {
			if v == nil {
				return nil, nil
			}
			return toFloat(v), nil
		}
	case String:
		return stringConverter
	case Date:
		return dateConverter
	}
	return func(v any) (any, error) { return v, nil }
}

func decimalConverter(t Type) func(any) (any, error) {
	return func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		d, ok := toDec(v)
		if !ok {
			return nil, fmt.Errorf("want a decimal, got %T", v)
		}
		if t.Precision == 0 {
			return d, nil
		}
		var q apd.Decimal
		cond, err := wideCtx.Quantize(&q, &d, int32(-t.Scale))
		if err != nil || cond.Inexact() || cond.Rounded() {
			return nil, fmt.Errorf("value %s does not fit %s without rounding; round it with round(..., %d)",
				d.Text('f'), t, t.Scale)
		}
		if q.NumDigits() > int64(t.Precision) {
			return nil, fmt.Errorf("value %s does not fit %s", d.Text('f'), t)
		}
		return q, nil
	}
}

func intConverter(v any) (any, error) {
	switch x := v.(type) {
	case nil, int64:
		return v, nil
	case apd.Decimal:
		i, err := x.Int64()
		var r apd.Decimal
		if err == nil {
			r.SetInt64(i)
		}
		if err != nil || r.Cmp(&x) != 0 {
			return nil, fmt.Errorf("value %s is not a whole number that fits an int", x.Text('f'))
		}
		return i, nil
	}
	return nil, fmt.Errorf("want an int, got %T", v)
}

func stringConverter(v any) (any, error) {
	switch x := v.(type) {
	case nil, string:
		return v, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case apd.Decimal:
		return x.Text('f'), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:]), nil
	}
	return nil, fmt.Errorf("cannot store %T as a string", v)
}

func dateConverter(v any) (any, error) {
	t, ok := v.(time.Time)
	if !ok {
		return v, nil
	}
	u := t.UTC()
	if u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0 {
		return nil, fmt.Errorf("value %s is not a date (midnight UTC)", u.Format(time.RFC3339Nano))
	}
	return u, nil
}
