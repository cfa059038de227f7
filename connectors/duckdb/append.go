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

// Merge has a fast path for a batch whose keys are all new, the usual
// batch of a first load: the rows go through the appender straight into
// the table, in the transaction that saves the state row, with no
// staging table and no join. Stage converts the rows and fills the
// appender, which holds them until it is flushed; Commit flushes it in
// the transaction. The table's primary key refuses a stored key; then the
// transaction rolls back and the batch takes the general path, and so do
// the table's next batches until one holds only new keys. Tables without
// that primary key never take the fast path.

// maxAppended bounds the rows of a fast-path batch well below the count
// at which DuckDB's appender flushes by itself (204,800 rows), which
// would write outside the transaction.
const maxAppended = 100_000

// fastPath remembers, per table, what Merge's fast path needs to know.
// The zero value is ready to use.
type fastPath struct {
	mu sync.Mutex
	// keyed says whether a table has the primary key on exactly its key
	// columns: only then does the index refuse stored keys.
	keyed map[string]bool
	// mixed marks tables whose last batch held stored keys: their next
	// batch skips the fast path.
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

// staged is a Merge prepared by Stage: on the fast path, a connection
// and an appender filled with the rows.
type staged struct {
	d             *Destination
	t             *connectors.Table
	rows, deletes [][]any
	conn          *sql.Conn
	app           *duckdb.Appender
}

// Stage prepares Merge(ctx, t, rows, deletes, st). A batch that may take
// the fast path is converted and appended, not yet flushed.
func (d *Destination) Stage(ctx context.Context, t *connectors.Table, rows, deletes [][]any) (connectors.Staged, error) {
	s := &staged{d: d, t: t, rows: rows, deletes: deletes}
	if d.readOnly {
		return nil, errReadOnly
	}
	if len(rows) == 0 || len(rows) > maxAppended || len(deletes) > 0 ||
		len(t.Key) == 0 || d.fast.skip(t.Name) {
		return s, nil
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if keyed, err := d.keyed(ctx, conn, t); err != nil || !keyed {
		conn.Close()
		return s, err
	}
	err = conn.Raw(func(dc any) error {
		s.app, err = fillAppender(ctx, dc.(sqldriver.Conn), t, rows)
		return err
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	s.conn = conn
	return s, nil
}

// Commit runs the staged Merge and saves st.
func (s *staged) Commit(ctx context.Context, st *connectors.State) (connectors.Change, error) {
	if s.app != nil {
		if ch, done, err := s.commitAppended(ctx, st); done {
			return ch, err
		}
	}
	return s.d.merge(ctx, s.t, s.rows, s.deletes, st)
}

// commitAppended flushes the appender in a transaction that also saves
// st. It reports false when the batch must take the general path
// instead; nothing is kept then.
func (s *staged) commitAppended(ctx context.Context, st *connectors.State) (connectors.Change, bool, error) {
	var ch connectors.Change
	d, conn := s.d, s.conn
	defer s.Discard()
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	err := d.inTx(ctx, conn, func(tx *sql.Conn) error {
		err := tx.Raw(func(any) error { return s.app.Close() })
		s.app = nil
		if err != nil {
			return fmt.Errorf("append to table %q: %w", s.t.Name, err)
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
		d.fast.saw(s.t.Name, true)
		return ch, false, nil
	}
	ch.Inserted = int64(len(s.rows))
	return ch, true, nil
}

// Discard drops an appender not flushed and gives the connection back.
func (s *staged) Discard() {
	if s.app != nil {
		_ = s.conn.Raw(func(any) error {
			s.app.Clear()
			return s.app.Close()
		})
		s.app = nil
	}
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
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

// fillAppender opens an appender on table t and gives it rows, converted,
// without flushing them. The appender names t's columns, so their stored
// order does not matter, and stored columns t lacks get NULL, as with
// INSERT.
func fillAppender(ctx context.Context, dc sqldriver.Conn, t *connectors.Table, rows [][]any) (*duckdb.Appender, error) {
	conv := make([]converter, len(t.Columns))
	names := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		conv[i] = converterFor(col, slices.Contains(t.Key, col.Name))
		names[i] = col.Name
	}
	app, err := duckdb.NewAppenderWithColumns(dc, "", "main", t.Name, names)
	if err != nil {
		return nil, fmt.Errorf("appender for table %q: %w", t.Name, err)
	}
	fail := func(err error) (*duckdb.Appender, error) {
		app.Clear()
		app.Close()
		return nil, err
	}
	vals := make([]sqldriver.Value, len(conv))
	for n, row := range rows {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		for i, v := range row {
			cv, err := conv[i](v)
			if err != nil {
				return fail(fmt.Errorf("table %q, column %q, batch row %d: %w",
					t.Name, t.Columns[i].Name, n+1, err))
			}
			vals[i] = cv
		}
		if err := app.AppendRow(vals...); err != nil {
			return fail(fmt.Errorf("table %q, batch row %d: %w", t.Name, n+1, err))
		}
	}
	return app, nil
}
