package duckdb

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"slices"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/syncctl/syncctl/connectors"
)

// fastPath remembers, per table, what Merge's fast path needs to know.
// The zero value is ready to use.
type fastPath struct {
	mu sync.Mutex
	// keyed says whether a table has the primary key on exactly its key
	// columns: only then does the index refuse stored keys.
	keyed map[string]bool
	// mixed marks tables whose last batch held stored keys: their next
	// batch skips the fast path, as an incremental run's batches do
	// until one holds only new keys.
	mixed map[string]bool
}

func (f *fastPath) skip(table string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mixed[table]
}

// saw records whether a batch of table held stored keys.
func (f *fastPath) saw(table string, stored bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mixed == nil {
		f.mixed = map[string]bool{}
	}
	f.mixed[table] = stored
}

// appendNew is Merge's fast path for a batch whose keys are all new, the
// usual batch of a first load: the rows go through the appender straight
// into t, in the transaction that saves st, with no staging table and no
// join. The primary key's index refuses a stored key; then the
// transaction rolls back, appendNew reports false and Merge takes the
// general path. Tables without that primary key never take this path.
// The rows are appended once more on the general path then, so a table's
// batches skip the fast path after one that held a stored key, until
// one holds only new keys.
func (d *Destination) appendNew(ctx context.Context, t *connectors.Table, rows [][]any, st *connectors.State) (connectors.Change, bool, error) {
	var ch connectors.Change
	if d.readOnly {
		return ch, false, errReadOnly
	}
	if len(t.Key) == 0 || d.fast.skip(t.Name) {
		return ch, false, nil
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return ch, false, err
	}
	defer conn.Close()
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	if keyed, err := d.keyed(ctx, conn, t); err != nil || !keyed {
		return ch, false, err
	}
	err = d.inTx(ctx, conn, func(tx *sql.Conn) error {
		if err := appendRows(ctx, tx, t, rows); err != nil {
			return err
		}
		return saveState(ctx, tx, st)
	})
	if err != nil {
		if ctx.Err() != nil {
			return ch, true, err
		}
		// Most likely the index refused a stored key: the appender
		// reports it without a distinct error type. Any other failure
		// shows up again on the general path.
		d.fast.saw(t.Name, true)
		return ch, false, nil
	}
	ch.Inserted = int64(len(rows))
	return ch, true, nil
}

// keyed reports, once per table, whether t's stored table has its
// primary key on exactly t.Key. Tables made by Prepare have it; Prepare
// never drops it.
func (d *Destination) keyed(ctx context.Context, c *sql.Conn, t *connectors.Table) (bool, error) {
	d.fast.mu.Lock()
	keyed, known := d.fast.keyed[t.Name]
	d.fast.mu.Unlock()
	if known {
		return keyed, nil
	}
	rows, err := c.QueryContext(ctx, `SELECT constraint_column_names
		FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'
		AND schema_name = 'main' AND database_name = current_database()
		AND table_name = ?`, t.Name)
	if err != nil {
		return false, fmt.Errorf("read primary key of table %q: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var cols duckdb.Composite[[]string]
		if err := rows.Scan(&cols); err != nil {
			return false, fmt.Errorf("read primary key of table %q: %w", t.Name, err)
		}
		keyed = slices.Equal(cols.Get(), t.Key)
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	d.fast.mu.Lock()
	defer d.fast.mu.Unlock()
	if d.fast.keyed == nil {
		d.fast.keyed = map[string]bool{}
	}
	d.fast.keyed[t.Name] = keyed
	return keyed, nil
}

// appendRows appends rows to table t through the appender, on c and in
// c's transaction if one is open. The appender names t's columns, so
// their stored order does not matter, and stored columns t lacks get
// NULL, as with INSERT.
func appendRows(ctx context.Context, c *sql.Conn, t *connectors.Table, rows [][]any) error {
	conv := make([]converter, len(t.Columns))
	names := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		conv[i] = converterFor(col, slices.Contains(t.Key, col.Name))
		names[i] = col.Name
	}
	return c.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderWithColumns(dc.(sqldriver.Conn), "", "main", t.Name, names)
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
