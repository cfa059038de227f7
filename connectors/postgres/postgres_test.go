package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/connectortest"
)

// The tests need a PostgreSQL server whose user may create databases.
const (
	envServer     = "SYNCCTL_TEST_POSTGRES"
	defaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

// testDatabase creates a database for one test and returns its
// connection URL; the database is dropped when the test ends. Without a
// server the test is skipped, unless CI is set.
func testDatabase(t *testing.T) string {
	t.Helper()
	server := os.Getenv(envServer)
	if server == "" {
		server = defaultServer
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		msg := "PostgreSQL is not reachable (" + err.Error() + "); " +
			"start it or set " + envServer + " to a server URL whose " +
			"user may create databases"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer admin.Close(ctx)

	name := "syncctl_test_" + randomHex(6)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(),
			30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		_, err = admin.Exec(ctx, "DROP DATABASE "+
			pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", envServer, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var schemaSeq atomic.Int64

// openTest opens a destination on a fresh schema of db.
func openTest(t *testing.T, db string) *Destination {
	t.Helper()
	schema := "conformance_" + itoa(schemaSeq.Add(1))
	return openSchema(t, db, schema)
}

func openSchema(t *testing.T, db, schema string) *Destination {
	t.Helper()
	c := &Config{URL: db, Schema: schema, ApplicationName: "syncctl-test"}
	d, err := c.Open(context.Background(), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d.(*Destination)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// queryRows reads every row of a table, normalised for the suite.
func queryRows(t *testing.T, dst connectors.Destination, table string) [][]any {
	t.Helper()
	d := dst.(*Destination)
	ctx := context.Background()
	var out [][]any
	err := d.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT * FROM "+d.ident(table))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return err
			}
			for i, v := range vals {
				vals[i] = normalize(v)
			}
			out = append(out, vals)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("query %q: %v", table, err)
	}
	return out
}

// normalize converts pgx's numeric to decimal text, then hands over to
// connectortest.Normalize.
func normalize(v any) any {
	if n, ok := v.(pgtype.Numeric); ok {
		if !n.Valid {
			return nil
		}
		coeff := new(apd.BigInt).SetMathBigInt(n.Int)
		return apd.NewWithBigInt(coeff, n.Exp).Text('f')
	}
	return connectortest.Normalize(v)
}

func TestConformance(t *testing.T) {
	db := testDatabase(t)
	connectortest.TestDestination(t, connectortest.Harness{
		Open: func(t *testing.T) connectors.Destination {
			return openTest(t, db)
		},
		Reopen: func(t *testing.T, d connectors.Destination) connectors.Destination {
			return openSchema(t, db, d.(*Destination).Schema())
		},
		Query: queryRows,
	})
}
