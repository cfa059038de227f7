package duckdb_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/connectortest"
	"github.com/syncctl/syncctl/connectors/duckdb"
)

// paths remembers the file of each destination the harness opened, for
// Reopen.
var paths sync.Map // *duckdb.Destination -> string

func open(t *testing.T, path string) connectors.Destination {
	t.Helper()
	d, err := duckdb.OpenPath(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenPath(%s): %v", path, err)
	}
	paths.Store(d, path)
	t.Cleanup(func() { d.Close() })
	return d
}

func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// query reads every row of a table, normalised for the suite.
func query(t *testing.T, dst connectors.Destination, table string) [][]any {
	t.Helper()
	d := dst.(*duckdb.Destination)
	ctx := context.Background()
	layout, err := d.Describe(ctx, table)
	if err != nil || layout == nil {
		t.Fatalf("Describe(%q) = %v, %v", table, layout, err)
	}
	rows, err := d.DB().QueryContext(ctx, "SELECT * FROM "+quote(table))
	if err != nil {
		t.Fatalf("query %q: %v", table, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(layout.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("query %q: %v", table, err)
		}
		for i, v := range vals {
			vals[i] = normalize(layout.Columns[i], v)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("query %q: %v", table, err)
	}
	return out
}

// normalize converts the driver's decimals and UUIDs, then hands over to
// connectortest.Normalize.
func normalize(c connectors.Column, v any) any {
	switch x := v.(type) {
	case duckdbdriver.Decimal:
		return x.String()
	case duckdbdriver.UUID:
		return [16]byte(x)
	case []byte:
		uuid := c.Type == connectors.TypeUUID || c.SourceType == "UUID"
		if uuid && len(x) == 16 {
			return [16]byte(x)
		}
	}
	return connectortest.Normalize(v)
}

func TestConformance(t *testing.T) {
	connectortest.TestDestination(t, connectortest.Harness{
		Open: func(t *testing.T) connectors.Destination {
			return open(t, filepath.Join(t.TempDir(), "conformance.duckdb"))
		},
		Reopen: func(t *testing.T, d connectors.Destination) connectors.Destination {
			path, _ := paths.Load(d)
			return open(t, path.(string))
		},
		Query: query,
	})
}
