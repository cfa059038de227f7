package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/syncctl/syncctl/connectors"
)

// keyStage stages the keys of the rows a Merge deletes in a temporary
// table on s's connection, shaped like s's table's key. It returns nil
// when there is nothing to delete; drop the stage before closing s.
func (s *stage) keyStage(ctx context.Context, deletes [][]any) (*stage, error) {
	if len(deletes) == 0 {
		return nil, nil
	}
	t := s.table
	kt := &connectors.Table{Name: t.Name, Key: t.Key}
	for _, k := range t.Key {
		i := t.ColumnIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("table %q: key column %q is not a column", t.Name, k)
		}
		kt.Columns = append(kt.Columns, t.Columns[i])
	}
	ks := &stage{conn: s.conn, table: kt, name: s.name + "_deletes"}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TEMP TABLE %s (", ident(ks.name))
	for i, c := range kt.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", ident(c.Name), columnType(c))
		ks.conv = append(ks.conv, converterFor(c, true))
	}
	b.WriteString(")")
	if _, err := s.conn.ExecContext(ctx, b.String()); err != nil {
		return nil, fmt.Errorf("create staging table for keys of %q: %w", t.Name, err)
	}
	if err := ks.append(ctx, deletes); err != nil {
		return nil, err
	}
	return ks, nil
}

// drop drops a key stage, keeping the connection it shares.
func (s *stage) drop() {
	if s != nil {
		_, _ = s.conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+ident(s.name))
	}
}

// deleteStaged deletes the rows of t whose keys are in the staged table,
// and returns how many there were.
func deleteStaged(ctx context.Context, c *sql.Conn, t *connectors.Table, stageName string) (int64, error) {
	q := fmt.Sprintf("DELETE FROM %s t USING %s s WHERE %s", ident(t.Name),
		"temp.main."+ident(stageName), matchOn(t.Key, "s", "t", "="))
	res, err := c.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("delete from table %q: %w", t.Name, err)
	}
	return res.RowsAffected()
}
