package rowexpr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/connectors"
)

// Kind is the kind of value an expression gives.
type Kind uint8

// The kinds. Unknown is what a column is before metadata is known (the
// syntax check); Null is the kind of the nil literal.
const (
	Unknown Kind = iota
	Null
	String
	Int
	Float
	Decimal
	Bool
	Timestamp
	Date
	UUID
	Binary
	list // an array literal, only allowed after `in`
)

var kindNames = [...]string{
	Unknown: "unknown", Null: "null", String: "string", Int: "int",
	Float: "float", Decimal: "decimal", Bool: "bool",
	Timestamp: "timestamp", Date: "date", UUID: "uuid", Binary: "binary",
	list: "list",
}

func (k Kind) String() string { return kindNames[k] }

// Type is the static type of an expression.
type Type struct {
	Kind Kind
	// Precision and Scale describe decimals. Precision 0 is unknown (the
	// destination's largest); Scale is connectors.VariableScale when it
	// varies per value.
	Precision int
	Scale     int
	// Inexact is set when the value went through a division and was not
	// rounded since: its scale is not bounded.
	Inexact bool
}

func (t Type) String() string {
	if t.Kind == Decimal && t.Precision > 0 {
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	}
	return t.Kind.String()
}

func (t Type) numeric() bool {
	return t.Kind == Int || t.Kind == Decimal || t.Kind == Float
}

func (t Type) temporal() bool { return t.Kind == Timestamp || t.Kind == Date }

// loose reports whether t is not known yet or is the nil literal: such
// operands fit anywhere.
func (t Type) loose() bool { return t.Kind == Unknown || t.Kind == Null }

// typeOfColumn is the static type of a source column.
func typeOfColumn(c connectors.Column) Type {
	switch c.Type {
	case connectors.TypeString:
		return Type{Kind: String}
	case connectors.TypeInt:
		return Type{Kind: Int}
	case connectors.TypeFloat:
		return Type{Kind: Float}
	case connectors.TypeDecimal:
		return Type{Kind: Decimal, Scale: c.Scale}
	case connectors.TypeBool:
		return Type{Kind: Bool}
	case connectors.TypeTimestamp:
		return Type{Kind: Timestamp}
	case connectors.TypeDate:
		return Type{Kind: Date}
	case connectors.TypeUUID:
		return Type{Kind: UUID}
	case connectors.TypeBinary:
		return Type{Kind: Binary}
	}
	return Type{Kind: Unknown}
}

// Column is the destination column an expression of type t loads into.
func (t Type) Column(name string) connectors.Column {
	c := connectors.Column{Name: name, SourceType: "expr", Nullable: true}
	switch t.Kind {
	case Int:
		c.Type, c.Bits = connectors.TypeInt, 64
	case Float:
		c.Type = connectors.TypeFloat
	case Decimal:
		c.Type, c.Precision, c.Scale = connectors.TypeDecimal, t.Precision, t.Scale
	case Bool:
		c.Type = connectors.TypeBool
	case Timestamp:
		c.Type = connectors.TypeTimestamp
	case Date:
		c.Type = connectors.TypeDate
	case UUID:
		c.Type = connectors.TypeUUID
	case Binary:
		c.Type = connectors.TypeBinary
	default:
		c.Type = connectors.TypeString
	}
	return c
}

// maxDecimalDigits is the widest decimal a destination column holds.
const maxDecimalDigits = 38

// ParseType parses the `type` of a computed column: "string", "int",
// "float", "bool", "timestamp", "date", "decimal" (variable scale) or
// "decimal(P,S)".
func ParseType(s string) (Type, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	switch name {
	case "string":
		return Type{Kind: String}, nil
	case "int":
		return Type{Kind: Int}, nil
	case "float":
		return Type{Kind: Float}, nil
	case "bool":
		return Type{Kind: Bool}, nil
	case "timestamp":
		return Type{Kind: Timestamp}, nil
	case "date":
		return Type{Kind: Date}, nil
	case "decimal":
		return Type{Kind: Decimal, Scale: connectors.VariableScale}, nil
	}
	args, ok := strings.CutPrefix(name, "decimal(")
	if ok {
		if args, ok = strings.CutSuffix(args, ")"); ok {
			return parseDecimalType(args)
		}
	}
	return Type{}, fmt.Errorf("%q is not a column type; use string, int, float, bool, timestamp, date, decimal or decimal(P,S), for example decimal(18,2)", s)
}

func parseDecimalType(args string) (Type, error) {
	ps, ss, ok := strings.Cut(args, ",")
	p, perr := strconv.Atoi(strings.TrimSpace(ps))
	sc, serr := strconv.Atoi(strings.TrimSpace(ss))
	if !ok || perr != nil || serr != nil {
		return Type{}, fmt.Errorf("decimal(%s) needs a precision and a scale, for example decimal(18,2)", args)
	}
	if p < 1 || p > maxDecimalDigits || sc < 0 || sc > p {
		return Type{}, fmt.Errorf("decimal(%d,%d) is out of range: the precision is 1 to %d and the scale 0 to the precision", p, sc, maxDecimalDigits)
	}
	return Type{Kind: Decimal, Precision: p, Scale: sc}, nil
}

// convertible reports whether a value of type from can be stored as to.
// Some conversions can still fail for single values (a decimal with a
// fraction as an int); those fail the row when it is evaluated.
func convertible(from, to Type) bool {
	if from.loose() || from.Kind == to.Kind {
		return true
	}
	switch to.Kind {
	case String:
		return from.Kind != Binary
	case Decimal, Int:
		return from.Kind == Int || from.Kind == Decimal
	case Float:
		return from.numeric()
	case Timestamp, Date:
		return from.temporal()
	}
	return false
}

// unify is the type of a value that is either a or b (coalesce, ??,
// the branches of a condition); ok is false when they do not mix.
func unify(a, b Type) (Type, bool) {
	switch {
	case a.Kind == Unknown || b.Kind == Null:
		return a, true
	case b.Kind == Unknown || a.Kind == Null:
		return b, true
	case a.Kind == b.Kind && a.Kind == Decimal:
		return Type{Kind: Decimal, Scale: maxScale(a.Scale, b.Scale),
			Inexact: a.Inexact || b.Inexact}, true
	case a.Kind == b.Kind:
		return a, true
	case a.numeric() && b.numeric():
		if a.Kind == Float || b.Kind == Float {
			return Type{Kind: Float}, true
		}
		return Type{Kind: Decimal, Scale: maxScale(a.decScale(), b.decScale()),
			Inexact: a.Inexact || b.Inexact}, true
	case a.temporal() && b.temporal():
		return Type{Kind: Timestamp}, true
	}
	return Type{}, false
}

// decScale is the scale t has as a decimal operand.
func (t Type) decScale() int {
	if t.Kind == Decimal {
		return t.Scale
	}
	return 0
}

func maxScale(a, b int) int {
	if a == connectors.VariableScale || b == connectors.VariableScale {
		return connectors.VariableScale
	}
	return max(a, b)
}

func sumScale(a, b int) int {
	if a == connectors.VariableScale || b == connectors.VariableScale || a+b > maxDecimalDigits {
		return connectors.VariableScale
	}
	return a + b
}

// an names t with its article, for messages: "an int", "a decimal".
func an(t Type) string {
	s := t.String()
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}
