package postgres

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/syncctl/syncctl/connectors"
)

// Limits of PostgreSQL's numeric type: the declared precision of
// numeric(p,s), and the digits an unconstrained numeric holds before and
// after the decimal point.
const (
	maxPrecision     = 1000
	defaultPrecision = 38
	maxNumericInt    = 131072
	maxNumericFrac   = 16383
)

// sqlType returns the PostgreSQL column type of c.
func sqlType(c connectors.Column) (string, error) {
	switch c.Type {
	case connectors.TypeString:
		return "text", nil
	case connectors.TypeInt:
		switch c.Bits {
		case 16:
			return "smallint", nil
		case 32:
			return "integer", nil
		case 0, 64:
			return "bigint", nil
		}
		return "", fmt.Errorf("integer width %d is not supported", c.Bits)
	case connectors.TypeFloat:
		return "double precision", nil
	case connectors.TypeDecimal:
		return decimalType(c)
	case connectors.TypeBool:
		return "boolean", nil
	case connectors.TypeTimestamp:
		return "timestamp with time zone", nil
	case connectors.TypeDate:
		return "date", nil
	case connectors.TypeUUID:
		return "uuid", nil
	case connectors.TypeBinary:
		return "bytea", nil
	}
	return "", fmt.Errorf("type %s is not supported", c.Type)
}

// decimalType maps a decimal column: a variable scale to unconstrained
// numeric, a fixed one to numeric(p,s) with p defaulting to 38.
func decimalType(c connectors.Column) (string, error) {
	if c.Scale == connectors.VariableScale {
		return "numeric", nil
	}
	p := c.Precision
	if p == 0 {
		p = max(defaultPrecision, c.Scale)
	}
	if p < 1 || p > maxPrecision || c.Scale < 0 || c.Scale > p {
		return "", fmt.Errorf("decimal precision %d and scale %d are "+
			"out of range (precision 1 to %d, scale 0 to precision)",
			c.Precision, c.Scale, maxPrecision)
	}
	return fmt.Sprintf("numeric(%d,%d)", p, c.Scale), nil
}

// columnOf maps a column as PostgreSQL describes it back onto the logical
// model. typ is format_type() of the column, p and s the numeric precision
// and scale (-1 when unconstrained). Unknown types keep Type zero and
// their name in SourceType.
func columnOf(name, typ string, p, s int, nullable bool) connectors.Column {
	c := connectors.Column{Name: name, SourceType: typ, Nullable: nullable}
	switch {
	case typ == "text" || strings.HasPrefix(typ, "character"):
		c.Type = connectors.TypeString
	case typ == "smallint":
		c.Type, c.Bits = connectors.TypeInt, 16
	case typ == "integer":
		c.Type, c.Bits = connectors.TypeInt, 32
	case typ == "bigint":
		c.Type, c.Bits = connectors.TypeInt, 64
	case typ == "double precision" || typ == "real":
		c.Type = connectors.TypeFloat
	case strings.HasPrefix(typ, "numeric"):
		c.Type = connectors.TypeDecimal
		c.Precision, c.Scale = p, s
		if p < 0 {
			c.Precision, c.Scale = 0, connectors.VariableScale
		}
	case typ == "boolean":
		c.Type = connectors.TypeBool
	case strings.HasPrefix(typ, "timestamp"):
		c.Type = connectors.TypeTimestamp
	case typ == "date":
		c.Type = connectors.TypeDate
	case typ == "uuid":
		c.Type = connectors.TypeUUID
	case typ == "bytea":
		c.Type = connectors.TypeBinary
	}
	return c
}

// encoder turns one row value of a column into a value pgx encodes
// exactly, or explains why the value does not fit the column.
type encoder func(v any) (any, error)

// encoderFor returns the encoder of a column as stored in the database.
func encoderFor(c connectors.Column) encoder {
	switch c.Type {
	case connectors.TypeString:
		return encodeString
	case connectors.TypeInt:
		return intEncoder(c.Bits)
	case connectors.TypeFloat:
		return encodeFloat
	case connectors.TypeDecimal:
		return decimalEncoder(c.Precision, c.Scale)
	case connectors.TypeBool:
		return encodeBool
	case connectors.TypeTimestamp:
		return encodeTimestamp
	case connectors.TypeDate:
		return encodeDate
	case connectors.TypeUUID:
		return encodeUUID
	case connectors.TypeBinary:
		return encodeBinary
	}
	return func(v any) (any, error) {
		return nil, fmt.Errorf("column type %s is not supported",
			c.SourceType)
	}
}

// wrongType is the error for a Go value of the wrong type.
func wrongType(v any, want string) error {
	return fmt.Errorf("value of Go type %T, want %s", v, want)
}

func encodeString(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, wrongType(v, "string")
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("string is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return nil, fmt.Errorf("string holds a NUL character, " +
			"which PostgreSQL text cannot store")
	}
	return s, nil
}

func intEncoder(bits int) encoder {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch bits {
	case 16:
		lo, hi = math.MinInt16, math.MaxInt16
	case 32:
		lo, hi = math.MinInt32, math.MaxInt32
	}
	return func(v any) (any, error) {
		n, ok := v.(int64)
		if !ok {
			return nil, wrongType(v, "int64")
		}
		if n < lo || n > hi {
			return nil, fmt.Errorf("value %d does not fit a %d-bit integer",
				n, bits)
		}
		return n, nil
	}
}

func encodeFloat(v any) (any, error) {
	f, ok := v.(float64)
	if !ok {
		return nil, wrongType(v, "float64")
	}
	return f, nil
}

func encodeBool(v any) (any, error) {
	b, ok := v.(bool)
	if !ok {
		return nil, wrongType(v, "bool")
	}
	return b, nil
}

// encodeTimestamp passes an instant on; pgx truncates it to microseconds.
func encodeTimestamp(v any) (any, error) {
	t, ok := v.(time.Time)
	if !ok {
		return nil, wrongType(v, "time.Time")
	}
	return pgtype.Timestamptz{Time: t, Valid: true}, nil
}

// encodeDate stores the calendar date of t in its own location.
func encodeDate(v any) (any, error) {
	t, ok := v.(time.Time)
	if !ok {
		return nil, wrongType(v, "time.Time")
	}
	return pgtype.Date{Time: t, Valid: true}, nil
}

func encodeUUID(v any) (any, error) {
	u, ok := v.([16]byte)
	if !ok {
		return nil, wrongType(v, "[16]byte")
	}
	return pgtype.UUID{Bytes: u, Valid: true}, nil
}

func encodeBinary(v any) (any, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, wrongType(v, "[]byte")
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// decimalEncoder checks that a decimal fits numeric(p,s) exactly, or an
// unconstrained numeric when s is VariableScale. PostgreSQL would round
// extra fraction digits silently; they are an error here instead.
// Trailing zeros beyond the scale lose nothing and are accepted.
func decimalEncoder(p, s int) encoder {
	intDigits, fracDigits := int64(maxNumericInt), int64(maxNumericFrac)
	if s != connectors.VariableScale {
		if p == 0 {
			p = max(defaultPrecision, s)
		}
		intDigits, fracDigits = int64(p-s), int64(s)
	}
	return func(v any) (any, error) {
		var d *apd.Decimal
		switch x := v.(type) {
		case apd.Decimal:
			d = &x
		case *apd.Decimal:
			d = x
		default:
			return nil, wrongType(v, "apd.Decimal")
		}
		if d.Form != apd.Finite {
			return nil, fmt.Errorf("decimal %s is not a finite number",
				d.String())
		}
		var r apd.Decimal
		r.Reduce(d)
		frac, whole := int64(0), int64(0)
		if !r.IsZero() {
			frac = max(0, -int64(r.Exponent))
			whole = max(0, r.NumDigits()+int64(r.Exponent))
		}
		if frac > fracDigits {
			return nil, fmt.Errorf("decimal %s has %d digits after the "+
				"decimal point, more than the column's scale of %d",
				d.Text('f'), frac, fracDigits)
		}
		if whole > intDigits {
			return nil, fmt.Errorf("decimal %s has %d digits before the "+
				"decimal point, more than the column's %d",
				d.Text('f'), whole, intDigits)
		}
		// Send the value as given, keeping its display scale in an
		// unconstrained numeric, unless its trailing zeros overflow.
		if -int64(d.Exponent) > fracDigits {
			d = &r
		}
		n := new(big.Int).Set(d.Coeff.MathBigInt())
		if d.Negative {
			n.Neg(n)
		}
		return pgtype.Numeric{Int: n, Exp: d.Exponent, Valid: true}, nil
	}
}
