package engine

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// watermarkLayout keeps every digit a source may send (7 fraction digits
// for .NET) and the source's own offset.
const watermarkLayout = "2006-01-02T15:04:05.9999999-07:00"

func formatWatermark(t time.Time) string { return t.Format(watermarkLayout) }

func parseWatermark(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

// encodeCursor encodes a keyset position as a JSON list of typed strings,
// each "TYPE:VALUE", so that it decodes to the same Go values.
func encodeCursor(vals []any) (string, error) {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case nil:
			parts[i] = "n:"
		case string:
			parts[i] = "s:" + x
		case int64:
			parts[i] = "i:" + strconv.FormatInt(x, 10)
		case float64:
			parts[i] = "f:" + strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			parts[i] = "b:" + strconv.FormatBool(x)
		case time.Time:
			parts[i] = "t:" + formatWatermark(x)
		case apd.Decimal:
			parts[i] = "d:" + x.Text('f')
		case [16]byte:
			parts[i] = "u:" + hex.EncodeToString(x[:])
		default:
			return "", fmt.Errorf("cannot keep a %T in a resume position", v)
		}
	}
	b, err := json.Marshal(parts)
	return string(b), err
}

func decodeCursor(s string) ([]any, error) {
	var parts []string
	if err := json.Unmarshal([]byte(s), &parts); err != nil {
		return nil, fmt.Errorf("decode resume position: %w", err)
	}
	vals := make([]any, len(parts))
	for i, p := range parts {
		typ, v, ok := strings.Cut(p, ":")
		if !ok {
			return nil, fmt.Errorf("decode resume position: bad part %q", p)
		}
		var err error
		switch typ {
		case "n":
			vals[i] = nil
		case "s":
			vals[i] = v
		case "i":
			vals[i], err = strconv.ParseInt(v, 10, 64)
		case "f":
			vals[i], err = strconv.ParseFloat(v, 64)
		case "b":
			vals[i], err = strconv.ParseBool(v)
		case "t":
			vals[i], err = parseWatermark(v)
		case "d":
			var d *apd.Decimal
			d, _, err = apd.NewFromString(v)
			if err == nil {
				vals[i] = *d
			}
		case "u":
			var u [16]byte
			var b []byte
			if b, err = hex.DecodeString(v); err == nil && len(b) == 16 {
				copy(u[:], b)
				vals[i] = u
			}
		default:
			err = fmt.Errorf("unknown type %q", typ)
		}
		if err != nil {
			return nil, fmt.Errorf("decode resume position: %w", err)
		}
	}
	return vals, nil
}
