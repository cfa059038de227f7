package main

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/syncctl/syncctl/connectors"
)

// pgServer is the local PostgreSQL server and the database the benchmark
// creates on it.
type pgServer struct {
	host     string
	port     int
	user     string
	database string
}

func (s *pgServer) conn(database string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable connect_timeout=5",
		s.host, s.port, s.user, database)
}

// createDatabase creates a database of the benchmark's own, named after
// the process, and reports why not when the server does not answer.
func (s *pgServer) createDatabase(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.conn("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		return err
	}
	s.database = name
	return nil
}

// dropDatabase drops the benchmark's database.
func (s *pgServer) dropDatabase() error {
	if s.database == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.conn("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(s.database)+" WITH (FORCE)")
	s.database = ""
	return err
}

// resetTable drops a table of the benchmark's database.
func (s *pgServer) resetTables(ctx context.Context, names ...string) error {
	c, err := pgx.Connect(ctx, s.conn(s.database))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	for _, n := range names {
		if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS "+quoteIdent(n)); err != nil {
			return err
		}
	}
	return nil
}

// pgType is the PostgreSQL type connectors/postgres gives a column.
func pgType(c connectors.Column) string {
	switch c.Type {
	case connectors.TypeInt:
		switch c.Bits {
		case 16:
			return "smallint"
		case 32:
			return "integer"
		}
		return "bigint"
	case connectors.TypeFloat:
		return "double precision"
	case connectors.TypeDecimal:
		if c.Scale == connectors.VariableScale {
			return "numeric"
		}
		p := c.Precision
		if p == 0 {
			p = max(38, c.Scale)
		}
		return fmt.Sprintf("numeric(%d,%d)", p, c.Scale)
	case connectors.TypeBool:
		return "boolean"
	case connectors.TypeTimestamp:
		return "timestamp with time zone"
	case connectors.TypeDate:
		return "date"
	case connectors.TypeUUID:
		return "uuid"
	case connectors.TypeBinary:
		return "bytea"
	}
	return "text"
}

// postgresCopy is baseline (c) for PostgreSQL: the decoded rows
// (decoding not timed) sent with COPY, batch by batch, into an empty
// table shaped as syncctl's, with its primary key.
func postgresCopy(ctx context.Context, a baselineArgs,
	ent *connectors.Entity, files []string) (baselineOutput, error) {
	var out baselineOutput
	c, err := pgx.Connect(ctx, a.pgConn)
	if err != nil {
		return out, err
	}
	defer c.Close(context.Background())
	t := destTable(ent)
	var defs, names []string
	for _, col := range t.Columns {
		defs = append(defs, quoteIdent(col.Name)+" "+pgType(col))
		names = append(names, col.Name)
	}
	var keys []string
	for _, k := range t.Key {
		keys = append(keys, quoteIdent(k))
	}
	const table = "copy_baseline"
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return out, err
	}
	ddl := fmt.Sprintf("CREATE TABLE %s (%s, PRIMARY KEY (%s))", table,
		strings.Join(defs, ", "), strings.Join(keys, ", "))
	if _, err := c.Exec(ctx, ddl); err != nil {
		return out, err
	}
	dec := newDecoder(ent)
	syncedAt := time.Now().UTC().Truncate(time.Microsecond)
	var spent time.Duration
	for _, name := range files {
		var rows [][]any
		err := decodePage(dec, name, func(row []any) error {
			rows = append(rows, append(row, fakeTenant, syncedAt))
			return nil
		})
		if err != nil {
			return out, err
		}
		t0 := time.Now()
		for _, row := range rows {
			for i, v := range row {
				if d, ok := v.(apd.Decimal); ok {
					row[i] = numeric(&d)
				}
			}
		}
		n, err := c.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromRows(rows))
		if err != nil {
			return out, err
		}
		spent += time.Since(t0)
		out.Rows += n
	}
	out.Seconds = spent.Seconds()
	return out, nil
}

// numeric converts an exact decimal for pgx.
func numeric(d *apd.Decimal) pgtype.Numeric {
	b := new(big.Int).Set(d.Coeff.MathBigInt())
	if d.Negative {
		b.Neg(b)
	}
	return pgtype.Numeric{Int: b, Exp: d.Exponent, Valid: true}
}
