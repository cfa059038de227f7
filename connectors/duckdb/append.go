package duckdb

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"slices"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/syncctl/syncctl/connectors"
)

// appendNew is Merge's fast path for a batch whose keys are all new, the
// usual batch of a first load: the batch goes through the appender
// straight into t, in the transaction that saves st, instead of through
// a staging table and a merge. Only the batch's keys are staged, to find
// out whether any is stored already; when one is, or when t's columns
// are not laid out as the appender needs them, appendNew changes nothing
// and reports false, and Merge takes the general path.
func (d *Destination) appendNew(ctx context.Context, t *connectors.Table, rows [][]any, st *connectors.State) (connectors.Change, bool, error) {
	var ch connectors.Change
	if d.readOnly {
		return ch, false, errReadOnly
	}
	keys, err := newKeyStage(t)
	if err != nil {
		return ch, false, err
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return ch, false, err
	}
	defer conn.Close()
	defer keys.drop(conn)
	if err := keys.create(ctx, conn, rows); err != nil {
		return ch, false, err
	}

	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	fits, err := appendable(ctx, conn, t)
	if err != nil || !fits {
		return ch, false, err
	}
	var stored int64
	q := fmt.Sprintf("SELECT count(*) FROM %s k SEMI JOIN %s t ON %s",
		keys.ref(), ident(t.Name), matchOn(t.Key, "k", "t", "="))
	if err := conn.QueryRowContext(ctx, q).Scan(&stored); err != nil {
		return ch, false, fmt.Errorf("merge into table %q: %w", t.Name, err)
	}
	if stored > 0 {
		return ch, false, nil
	}
	err = d.inTx(ctx, conn, func(tx *sql.Conn) error {
		if err := appendRows(ctx, tx, "", t, rows); err != nil {
			return err
		}
		return saveState(ctx, tx, st)
	})
	if err != nil {
		return ch, true, err
	}
	ch.Inserted = int64(len(rows))
	return ch, true, nil
}

// appendable reports whether t's columns, in order, are exactly the
// stored table's: the appender fills every column by position. Columns
// added to an older table come last, and then the stored order differs.
func appendable(ctx context.Context, c *sql.Conn, t *connectors.Table) (bool, error) {
	rows, err := c.QueryContext(ctx, `SELECT column_name FROM duckdb_columns()
		WHERE schema_name = 'main' AND database_name = current_database()
		AND table_name = ? ORDER BY column_index`, t.Name)
	if err != nil {
		return false, fmt.Errorf("describe table %q: %w", t.Name, err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return false, err
		}
		if i >= len(t.Columns) || t.Columns[i].Name != name {
			return false, nil
		}
		i++
	}
	return i == len(t.Columns), rows.Err()
}

// appendRows appends rows through the appender to table t, or to the
// temporary table named temp when it is set, on c and in c's
// transaction if one is open.
func appendRows(ctx context.Context, c *sql.Conn, temp string, t *connectors.Table, rows [][]any) error {
	conv := make([]converter, len(t.Columns))
	for i, col := range t.Columns {
		conv[i] = converterFor(col, slices.Contains(t.Key, col.Name))
	}
	catalog, name := "", t.Name
	if temp != "" {
		catalog, name = "temp", temp
	}
	return c.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(sqldriver.Conn), catalog, "main", name)
		if err != nil {
			return fmt.Errorf("appender for table %q: %w", t.Name, err)
		}
		vals := make([]sqldriver.Value, len(conv))
		for n, row := range rows {
			if err := ctx.Err(); err != nil {
				app.Close()
				return err
			}
			for i, v := range row {
				cv, err := conv[i](v)
				if err != nil {
					app.Close()
					return fmt.Errorf("table %q, column %q, batch row %d: %w",
						t.Name, t.Columns[i].Name, n+1, err)
				}
				vals[i] = cv
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return fmt.Errorf("table %q, batch row %d: %w", t.Name, n+1, err)
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("append to table %q: %w", t.Name, err)
		}
		return nil
	})
}

// keyStage is a temporary table holding the keys of one batch.
type keyStage struct {
	name  string
	table *connectors.Table // the key columns
	idx   []int             // their positions in a row
}

func newKeyStage(t *connectors.Table) (*keyStage, error) {
	k := &keyStage{name: fmt.Sprintf("_syncctl_keys_%d", stageSeq.Add(1)),
		table: &connectors.Table{Name: t.Name, Key: t.Key}}
	for _, name := range t.Key {
		i := t.ColumnIndex(name)
		if i < 0 {
			return nil, fmt.Errorf("table %q: key column %q is not a column", t.Name, name)
		}
		k.idx = append(k.idx, i)
		k.table.Columns = append(k.table.Columns, t.Columns[i])
	}
	return k, nil
}

func (k *keyStage) ref() string { return "temp.main." + ident(k.name) }

// create creates the key table on c and fills it with the keys of rows.
func (k *keyStage) create(ctx context.Context, c *sql.Conn, rows [][]any) error {
	defs := make([]string, len(k.table.Columns))
	for i, col := range k.table.Columns {
		defs[i] = ident(col.Name) + " " + columnType(col)
	}
	q := fmt.Sprintf("CREATE TEMP TABLE %s (%s)", ident(k.name), strings.Join(defs, ", "))
	if _, err := c.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create staging table for keys of %q: %w", k.table.Name, err)
	}
	keys := make([][]any, len(rows))
	flat := make([]any, len(rows)*len(k.idx))
	for n, row := range rows {
		key := flat[n*len(k.idx) : (n+1)*len(k.idx)]
		for j, i := range k.idx {
			key[j] = row[i]
		}
		keys[n] = key
	}
	return appendRows(ctx, c, k.name, k.table, keys)
}

func (k *keyStage) drop(c *sql.Conn) {
	_, _ = c.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+k.ref())
}
