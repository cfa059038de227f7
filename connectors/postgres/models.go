package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/connectors"
)

// Count returns the number of tenant's rows in table; a missing table
// counts 0.
func (d *Destination) Count(ctx context.Context, table, tenant string) (int64, error) {
	t, err := d.Describe(ctx, table)
	if err != nil || t == nil {
		return 0, err
	}
	var n int64
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1", d.ident(table), quote(connectors.TenantColumn))
	err = d.pool.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, q, tenant).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count rows of table %q: %w", table, err)
	}
	return n, nil
}

// Materialize creates or replaces a view or table from a query, in one
// transaction. A table is rebuilt under a temporary name and swapped in.
func (d *Destination) Materialize(ctx context.Context, name, query, kind string) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL search_path TO %s", quote(d.schema))); err != nil {
			return err
		}
		// Drop whatever holds the name now: a view or a table.
		var relkind string
		err := tx.QueryRow(ctx, `SELECT c.relkind::text FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2`, d.schema, name).Scan(&relkind)
		var stmts []string
		switch {
		case err == pgx.ErrNoRows:
		case err != nil:
			return fmt.Errorf("materialize %q: %w", name, err)
		case relkind == "v":
			stmts = append(stmts, fmt.Sprintf("DROP VIEW %s", d.ident(name)))
		case relkind == "r":
			stmts = append(stmts, fmt.Sprintf("DROP TABLE %s", d.ident(name)))
		default:
			return fmt.Errorf("materialize %q: a relation of kind %q holds the name", name, relkind)
		}
		obj := "VIEW"
		if kind == connectors.MaterializeTable {
			obj = "TABLE"
		}
		stmts = append(stmts, fmt.Sprintf("CREATE %s %s AS %s", obj, d.ident(name), query))
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("materialize %s %q: %w", kind, name, err)
			}
		}
		return nil
	})
}
