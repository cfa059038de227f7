package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/syncctl/syncctl/connectors/duckdb"
)

// warehouse is a destination an end-to-end test loads into, with what
// the test needs to read it back.
type warehouse struct {
	name string
	// example is the examples/ directory whose configuration loads it.
	example string
	// tables are the tables the example loads, with their entities.
	tables []struct{ table, entity string }
	// vars point the example at this warehouse.
	vars []string
	open func(t *testing.T) *sql.DB
	// epochUS renders a timestamp column as microseconds since 1970.
	epochUS func(col string) string
	// rowText renders a whole row of table as one text value.
	rowText func(table string) string
}

var salesAndCustomers = []struct{ table, entity string }{
	{"sales_orders", "SalesOrders"},
	{"customers", "Customers"},
}

// duckdbWarehouse is a fresh DuckDB file loaded by examples/quickstart.
func duckdbWarehouse(t *testing.T) *warehouse {
	path := filepath.Join(t.TempDir(), "e2e.duckdb")
	return &warehouse{
		name:    "duckdb",
		example: "quickstart",
		tables:  append(salesAndCustomers[:2:2], struct{ table, entity string }{"payment_terms", "PaymentTerms"}),
		vars:    []string{"--var", "duckdb_path=" + path},
		open: func(t *testing.T) *sql.DB {
			d, err := duckdb.OpenPath(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d.DB()
		},
		epochUS: func(col string) string { return fmt.Sprintf("epoch_us(%q)", col) },
		rowText: func(table string) string {
			return fmt.Sprintf(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM %q`, table)
		},
	}
}

// postgresWarehouse is a fresh PostgreSQL database loaded by
// examples/postgres. It skips the test without a server, except in CI.
func postgresWarehouse(t *testing.T) *warehouse {
	admin := os.Getenv("SYNCCTL_TEST_POSTGRES")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL unreachable in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (%v); start it or set SYNCCTL_TEST_POSTGRES to run this test", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "syncctl_e2e_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dsn := u.String()
	return &warehouse{
		name:    "postgres",
		example: "postgres",
		tables:  salesAndCustomers,
		vars:    []string{"--var", "postgres_url=" + dsn, "--var", "schema=acumatica"},
		open: func(t *testing.T) *sql.DB {
			db, err := sql.Open("pgx", dsn+"&search_path=acumatica")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		epochUS: func(col string) string {
			return fmt.Sprintf(`(extract(epoch from %q) * 1000000)::bigint`, col)
		},
		rowText: func(table string) string {
			return fmt.Sprintf(`SELECT t::text FROM %q t`, table)
		},
	}
}

// warehouses runs fn once per destination.
func warehouses(t *testing.T, fn func(t *testing.T, w *warehouse)) {
	for _, wh := range []struct {
		name string
		mk   func(*testing.T) *warehouse
	}{{"duckdb", duckdbWarehouse}, {"postgres", postgresWarehouse}} {
		t.Run(wh.name, func(t *testing.T) { fn(t, wh.mk(t)) })
	}
}
