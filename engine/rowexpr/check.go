package rowexpr

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/expr-lang/expr/ast"

	"github.com/syncctl/syncctl/connectors"
)

// Error is a problem in an expression. Start and End are byte offsets
// into the expression's text (End exclusive), so that a caller can point
// at the exact place in its configuration file.
type Error struct {
	Start, End int
	// Summary is short, in sentence case, without a final period; Detail
	// says what is wrong and what to do.
	Summary string
	Detail  string
}

func (e *Error) Error() string { return e.Summary + ": " + e.Detail }

// Errors are the problems of one expression, in the order of the text.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Summaries of the errors, shared by the diagnostics built from them.
const (
	SummarySyntax      = "Invalid expression"
	SummaryColumn      = "Unknown column in expression"
	SummaryFunction    = "Unknown function in expression"
	SummaryType        = "Type mismatch in expression"
	SummaryUnsupported = "Unsupported expression"
	SummaryFilter      = "Filter is not a condition"
	SummaryColumnType  = "Computed column type mismatch"
)

// functions are the functions expressions may call, for "did you mean".
var functions = []string{"abs", "coalesce", "date", "len", "lower", "round", "trim", "upper"}

// typer infers the type of every node of a parsed expression, reports
// what does not type-check, and rewrites operators and calls into the
// runtime functions.
type typer struct {
	src  string
	cols map[string]Type // nil: no metadata, every column is Unknown
	// names lists the columns, for "did you mean".
	names []string
	errs  Errors
	refs  []string
	seen  map[string]bool
}

func newTyper(src string, cols []connectors.Column) *typer {
	c := &typer{src: src, seen: map[string]bool{}}
	if cols != nil {
		c.cols = map[string]Type{}
		for _, col := range cols {
			c.cols[col.Name] = typeOfColumn(col)
			c.names = append(c.names, col.Name)
		}
	}
	return c
}

// span converts a node's location (in runes) into byte offsets.
func (c *typer) span(n ast.Node) (int, int) {
	loc := n.Location()
	return runeOffset(c.src, loc.From), runeOffset(c.src, loc.To)
}

func runeOffset(s string, runes int) int {
	i := 0
	for n := 0; n < runes && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func (c *typer) fail(n ast.Node, summary, format string, args ...any) Type {
	start, end := c.span(n)
	c.errs = append(c.errs, &Error{Start: start, End: end, Summary: summary,
		Detail: fmt.Sprintf(format, args...)})
	return Type{Kind: Unknown}
}

func (c *typer) mismatch(n ast.Node, format string, args ...any) Type {
	return c.fail(n, SummaryType, format, args...)
}

// call replaces *node with a call of a runtime function.
func call(node *ast.Node, name string, args ...ast.Node) {
	ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: name},
		Arguments: args})
}

// check types *node and rewrites it.
func (c *typer) check(node *ast.Node) Type {
	switch n := (*node).(type) {
	case *ast.NilNode:
		return Type{Kind: Null}
	case *ast.BoolNode:
		return Type{Kind: Bool}
	case *ast.StringNode:
		return Type{Kind: String}
	case *ast.IntegerNode:
		ast.Patch(node, &ast.ConstantNode{Value: int64(n.Value)})
		return Type{Kind: Int}
	case *ast.FloatNode:
		return c.decimalLiteral(node, n)
	case *ast.IdentifierNode:
		return c.identifier(n)
	case *ast.UnaryNode:
		return c.unary(node, n)
	case *ast.BinaryNode:
		return c.binary(node, n)
	case *ast.ConditionalNode:
		return c.conditional(node, n)
	case *ast.CallNode:
		return c.call(node, n)
	case *ast.ArrayNode:
		return c.fail(n, SummaryUnsupported,
			"A list is only allowed after in, as in Status in ['Open', 'On Hold'].")
	case *ast.MemberNode, *ast.ChainNode, *ast.SliceNode:
		return c.fail(n, SummaryUnsupported,
			"Columns are plain values: there are no fields, indexes or slices.")
	}
	return c.fail(*node, SummaryUnsupported,
		"Expressions use columns, literals, operators and the functions %s.",
		strings.Join(functions, ", "))
}

// decimalLiteral reads a number with a point exactly as written.
func (c *typer) decimalLiteral(node *ast.Node, n *ast.FloatNode) Type {
	start, end := c.span(n)
	text := strings.ReplaceAll(c.src[start:end], "_", "")
	d, _, err := apd.NewFromString(text)
	if err != nil {
		d, _, err = apd.NewFromString(fmt.Sprint(n.Value))
		if err != nil {
			return c.fail(n, SummarySyntax, "%s is not a number.", text)
		}
	}
	ast.Patch(node, &ast.ConstantNode{Value: *d})
	return Type{Kind: Decimal, Scale: max(0, -int(d.Exponent))}
}

func (c *typer) identifier(n *ast.IdentifierNode) Type {
	if c.cols == nil {
		return Type{Kind: Unknown}
	}
	t, ok := c.cols[n.Value]
	if !ok {
		detail := fmt.Sprintf("The entity has no column %q.", n.Value)
		if s := similar(n.Value, c.names); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		return c.fail(n, SummaryColumn, "%s", detail)
	}
	if !c.seen[n.Value] {
		c.seen[n.Value] = true
		c.refs = append(c.refs, n.Value)
	}
	return t
}

func (c *typer) unary(node *ast.Node, n *ast.UnaryNode) Type {
	t := c.check(&n.Node)
	switch n.Operator {
	case "not", "!":
		if !t.loose() && t.Kind != Bool {
			return c.mismatch(n, "%s needs a bool, not %s.", n.Operator, an(t))
		}
		call(node, "$not", n.Node)
		return Type{Kind: Bool}
	case "-", "+":
		if !t.loose() && !t.numeric() {
			return c.mismatch(n, "Unary %s needs a number, not %s.", n.Operator, an(t))
		}
		if n.Operator == "-" {
			call(node, "$neg", n.Node)
		} else {
			ast.Patch(node, n.Node)
		}
		return t
	}
	return c.fail(n, SummaryUnsupported, "The operator %s is not supported.", n.Operator)
}

// binaryFuncs are the runtime functions of the binary operators.
var binaryFuncs = map[string]string{
	"+": "$add", "-": "$sub", "*": "$mul", "/": "$div", "%": "$mod",
	"==": "$eq", "!=": "$ne", "<": "$lt", "<=": "$le", ">": "$gt", ">=": "$ge",
	"and": "$and", "&&": "$and", "or": "$or", "||": "$or",
	"contains": "$contains", "startsWith": "$startsWith", "endsWith": "$endsWith",
	"??": "$coalesce",
}

func (c *typer) binary(node *ast.Node, n *ast.BinaryNode) Type {
	if n.Operator == "in" {
		return c.in(node, n)
	}
	l := c.check(&n.Left)
	r := c.check(&n.Right)
	fn, ok := binaryFuncs[n.Operator]
	if !ok {
		return c.fail(n, SummaryUnsupported, "The operator %s is not supported.", n.Operator)
	}
	t := c.binaryType(n, l, r)
	if n.Operator == "+" && (l.Kind == String || r.Kind == String) {
		fn = "$concat"
	}
	call(node, fn, n.Left, n.Right)
	return t
}

// binaryType is the result type of a binary operator.
func (c *typer) binaryType(n *ast.BinaryNode, l, r Type) Type {
	op := n.Operator
	bad := func(what string) Type {
		return c.mismatch(n, "%s needs %s; it has %s and %s.", op, what, an(l), an(r))
	}
	switch op {
	case "+", "-", "*", "/", "%":
		if op == "+" && (l.Kind == String || r.Kind == String) &&
			(l.loose() || l.Kind == String) && (r.loose() || r.Kind == String) {
			return Type{Kind: String}
		}
		if !(l.loose() || l.numeric()) || !(r.loose() || r.numeric()) {
			return bad("two numbers")
		}
		return arithType(op, l, r)
	case "==", "!=":
		if !comparable(l, r) {
			return c.mismatch(n, "Cannot compare %s with %s.", an(l), an(r))
		}
		return Type{Kind: Bool}
	case "<", "<=", ">", ">=":
		if l.Kind == Null || r.Kind == Null {
			return c.mismatch(n, "%s with nil is always null; test for null with == nil or != nil.", op)
		}
		if !comparable(l, r) || l.Kind == Bool || l.Kind == Binary {
			return c.mismatch(n, "Cannot order %s and %s.", an(l), an(r))
		}
		return Type{Kind: Bool}
	case "and", "&&", "or", "||":
		if !(l.loose() || l.Kind == Bool) || !(r.loose() || r.Kind == Bool) {
			return bad("two bools")
		}
		return Type{Kind: Bool}
	case "contains", "startsWith", "endsWith":
		if !(l.loose() || l.Kind == String) || !(r.loose() || r.Kind == String) {
			return bad("two strings")
		}
		return Type{Kind: Bool}
	case "??":
		t, ok := unify(l, r)
		if !ok {
			return c.mismatch(n, "?? needs two values of one type; it has %s and %s.", an(l), an(r))
		}
		return t
	}
	return Type{Kind: Unknown}
}

// arithType is the type of an arithmetic result.
func arithType(op string, l, r Type) Type {
	switch {
	case l.Kind == Unknown || r.Kind == Unknown:
		return Type{Kind: Unknown}
	case l.Kind == Float || r.Kind == Float:
		return Type{Kind: Float}
	case op == "/":
		return Type{Kind: Decimal, Scale: connectors.VariableScale, Inexact: true}
	case l.Kind != Decimal && r.Kind != Decimal:
		return Type{Kind: Int}
	}
	t := Type{Kind: Decimal, Inexact: l.Inexact || r.Inexact}
	if op == "*" {
		t.Scale = sumScale(l.decScale(), r.decScale())
	} else {
		t.Scale = maxScale(l.decScale(), r.decScale())
	}
	return t
}

// comparable reports whether == may compare a and b.
func comparable(a, b Type) bool {
	switch {
	case a.loose() || b.loose() || a.Kind == b.Kind:
		return true
	case a.numeric() && b.numeric():
		return true
	case a.temporal() && b.temporal():
		return true
	}
	return false
}

// in rewrites `x in [a, b]` into a call with the list's elements as
// arguments.
func (c *typer) in(node *ast.Node, n *ast.BinaryNode) Type {
	l := c.check(&n.Left)
	arr, ok := n.Right.(*ast.ArrayNode)
	if !ok {
		return c.fail(n.Right, SummaryUnsupported,
			"in needs a list literal, as in Status in ['Open', 'On Hold'].")
	}
	args := []ast.Node{n.Left}
	for i := range arr.Nodes {
		t := c.check(&arr.Nodes[i])
		if !comparable(l, t) {
			c.mismatch(arr.Nodes[i], "The list holds %s; it cannot match %s.", an(t), an(l))
		}
		args = append(args, arr.Nodes[i])
	}
	call(node, "$in", args...)
	return Type{Kind: Bool}
}

func (c *typer) conditional(node *ast.Node, n *ast.ConditionalNode) Type {
	cond := c.check(&n.Cond)
	if !cond.loose() && cond.Kind != Bool {
		c.mismatch(n.Cond, "A condition must be a bool, not %s.", an(cond))
	}
	a := c.check(&n.Exp1)
	b := c.check(&n.Exp2)
	call(&n.Cond, "$truth", n.Cond)
	t, ok := unify(a, b)
	if !ok {
		return c.mismatch(n, "The two branches give %s and %s; make them one type.", an(a), an(b))
	}
	return t
}

func (c *typer) call(node *ast.Node, n *ast.CallNode) Type {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return c.fail(n, SummaryUnsupported, "Only the functions %s can be called.", strings.Join(functions, ", "))
	}
	args := make([]Type, len(n.Arguments))
	for i := range n.Arguments {
		args[i] = c.check(&n.Arguments[i])
	}
	switch id.Value {
	case "trim", "upper", "lower", "len":
		if !c.arity(n, 1, 1) {
			break
		}
		if !args[0].loose() && args[0].Kind != String {
			return c.mismatch(n, "%s needs a string, not %s.", id.Value, an(args[0]))
		}
		call(node, "$"+id.Value, n.Arguments...)
		if id.Value == "len" {
			return Type{Kind: Int}
		}
		return Type{Kind: String}
	case "abs":
		if !c.arity(n, 1, 1) {
			break
		}
		if !args[0].loose() && !args[0].numeric() {
			return c.mismatch(n, "abs needs a number, not %s.", an(args[0]))
		}
		call(node, "$abs", n.Arguments...)
		return args[0]
	case "coalesce":
		if !c.arity(n, 1, 100) {
			break
		}
		t := args[0]
		for _, a := range args[1:] {
			u, ok := unify(t, a)
			if !ok {
				return c.mismatch(n, "coalesce needs values of one type; it has %s and %s.", an(t), an(a))
			}
			t = u
		}
		call(node, "$coalesce", n.Arguments...)
		return t
	case "round":
		return c.round(node, n, args)
	case "date":
		return c.date(node, n, args)
	case "now":
		return c.fail(n, SummaryFunction,
			"now() is not allowed: an expression must give the same result for the same row on every run. Compare with a fixed date instead, such as date(\"2026-01-01\").")
	default:
		detail := fmt.Sprintf("There is no function %s.", id.Value)
		if s := similar(id.Value, functions); s != "" {
			detail += fmt.Sprintf(" Did you mean %s?", s)
		} else {
			detail += " The functions are " + strings.Join(functions, ", ") + "."
		}
		return c.fail(n, SummaryFunction, "%s", detail)
	}
	return Type{Kind: Unknown}
}

func (c *typer) arity(n *ast.CallNode, lo, hi int) bool {
	name := n.Callee.(*ast.IdentifierNode).Value
	switch k := len(n.Arguments); {
	case k < lo || k > hi:
		want := fmt.Sprintf("%d argument", lo)
		if lo != 1 {
			want += "s"
		}
		if hi > lo {
			want = fmt.Sprintf("at least %d argument", lo)
		}
		c.mismatch(n, "%s takes %s; it has %d.", name, want, k)
		return false
	}
	return true
}

func (c *typer) round(node *ast.Node, n *ast.CallNode, args []Type) Type {
	if !c.arity(n, 2, 2) {
		return Type{Kind: Unknown}
	}
	if !args[0].loose() && !args[0].numeric() {
		return c.mismatch(n, "round needs a number, not %s.", an(args[0]))
	}
	var digits int64
	k, ok := n.Arguments[1].(*ast.ConstantNode)
	if ok {
		digits, ok = k.Value.(int64)
	}
	if !ok || digits < 0 || digits > maxDecimalDigits {
		return c.mismatch(n.Arguments[1],
			"round's second argument is the number of digits after the point, a whole number from 0 to %d.", maxDecimalDigits)
	}
	call(node, "$round", n.Arguments...)
	if args[0].Kind == Float {
		return args[0]
	}
	return Type{Kind: Decimal, Scale: int(digits)}
}

// date parses a constant date once; other arguments are parsed per row.
func (c *typer) date(node *ast.Node, n *ast.CallNode, args []Type) Type {
	if !c.arity(n, 1, 1) {
		return Type{Kind: Unknown}
	}
	if !args[0].loose() && args[0].Kind != String {
		return c.mismatch(n, "date needs a string, not %s.", an(args[0]))
	}
	s, ok := n.Arguments[0].(*ast.StringNode)
	if !ok {
		call(node, "$date", n.Arguments...)
		return Type{Kind: Timestamp}
	}
	t, dateOnly, err := parseDate(s.Value)
	if err != nil {
		return c.fail(n.Arguments[0], SummaryType, "%s.", err)
	}
	ast.Patch(node, &ast.ConstantNode{Value: t})
	if dateOnly {
		return Type{Kind: Date}
	}
	return Type{Kind: Timestamp}
}

// similar returns the name in names closest to name, or "".
func similar(name string, names []string) string {
	best, bestDist := "", 4
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		if strings.EqualFold(n, name) {
			return n
		}
		if d := connectors.EditDistance(strings.ToLower(n), strings.ToLower(name)); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}
