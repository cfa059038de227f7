package connectortest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
)

// valueCases are the values each column type must round-trip, NULL
// included. Timestamps come back truncated to microseconds.
func valueCases() []struct {
	name   string
	col    connectors.Column
	values []any
} {
	long := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	toronto := time.FixedZone("EST", -5*3600)
	return []struct {
		name   string
		col    connectors.Column
		values []any
	}{
		{"string", strCol("v"), []any{
			"", "a", "trailing  ", " leading", `quote ' " \ `,
			"line\nbreak\ttab\r", "Ünïcødé 表 🎉", long, nil,
		}},
		{"int16", intCol("v", 16), []any{
			int64(math.MinInt16), int64(math.MaxInt16), int64(0), nil,
		}},
		{"int32", intCol("v", 32), []any{
			int64(math.MinInt32), int64(math.MaxInt32), int64(-1), nil,
		}},
		{"int64", intCol("v", 64), []any{
			int64(math.MinInt64), int64(math.MaxInt64), int64(1), nil,
		}},
		{"float", col("v", connectors.TypeFloat), []any{
			0.0, -1.5, 0.1, math.MaxFloat64, math.SmallestNonzeroFloat64,
			-1e-300, math.Inf(1), math.Inf(-1), math.NaN(), nil,
		}},
		{"decimal(38,0)", decCol("v", 38, 0), []any{
			dec(strings.Repeat("9", 38)), dec("-" + strings.Repeat("9", 38)),
			dec("0"), dec("-1"), nil,
		}},
		{"decimal(38,10)", decCol("v", 38, 10), []any{
			dec(strings.Repeat("9", 28) + "." + strings.Repeat("9", 10)),
			dec("-" + strings.Repeat("9", 28) + "." + strings.Repeat("9", 10)),
			dec("0.0000000001"), dec("-0.0000000001"), dec("1.5"), nil,
		}},
		{"decimal(18,4)", decCol("v", 18, 4), []any{
			dec("12345678901234.5678"), dec("-0.0001"), dec("7"), nil,
		}},
		{"decimal unknown precision", decCol("v", 0, 2), []any{
			dec(strings.Repeat("9", 36) + ".99"), dec("-0.01"), nil,
		}},
		{"decimal variable scale", decCol("v", 0, connectors.VariableScale),
			[]any{
				dec("0.1"), dec("-123.456"), dec("12.5"), dec("100"),
				dec(strings.Repeat("1", 28)), dec("0.0000000001"),
				dec("-9999999999.9999999999"), nil,
			}},
		{"bool", col("v", connectors.TypeBool), []any{true, false, nil}},
		{"timestamp", col("v", connectors.TypeTimestamp), []any{
			time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(2024, 3, 10, 2, 30, 0, 123456789, time.UTC),
			time.Date(2024, 11, 3, 1, 30, 0, 0, toronto),
			nil,
		}},
		{"date", col("v", connectors.TypeDate), []any{
			time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
			time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
			nil,
		}},
		{"uuid", col("v", connectors.TypeUUID), []any{
			[16]byte{},
			[16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			[16]byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4,
				0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00},
			nil,
		}},
		{"binary", col("v", connectors.TypeBinary), []any{
			[]byte{}, []byte{0}, all, []byte(long), nil,
		}},
	}
}

// testValues round-trips extreme and NULL values of every type, each
// type in a table of its own.
func testValues(t *testing.T, h Harness) {
	d := h.Open(t)
	for _, tt := range valueCases() {
		t.Run(tt.name, func(t *testing.T) {
			tbl := &connectors.Table{
				Name: "values " + tt.name,
				Columns: []connectors.Column{
					strCol(connectors.TenantColumn),
					intCol("id", 64),
					tt.col,
					col(connectors.SyncedAtColumn, connectors.TypeTimestamp),
				},
				Key: []string{connectors.TenantColumn, "id"},
			}
			prepare(t, d, tbl)
			var rows [][]any
			for i, v := range tt.values {
				rows = append(rows, []any{"Company", int64(i), v, t1})
			}
			n := int64(len(rows))
			merge(t, d, tbl, "Company", rows, connectors.Change{Inserted: n})
			checkRows(t, h, d, tbl, rows)

			// Stored values compare equal to the loaded ones, so a
			// re-read changes nothing.
			for _, r := range rows {
				r[3] = t2
			}
			merge(t, d, tbl, "Company", rows, connectors.Change{})
		})
	}
}
