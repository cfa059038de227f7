package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/syncctl/syncctl/connectors"
)

// SQLSTATE codes the destination reacts to.
const (
	codeUndefinedTable = "42P01"
	codeInvalidCatalog = "3D000"
	codeInvalidSchema  = "3F000"
)

// Names syncctl keeps for itself.
const (
	reservedPrefix = "_syncctl_"
	stagePrefix    = "_syncctl_stage_"
)

const describeColumnsQuery = `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       array_position(i.indkey::int2[], a.attnum)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

// Destination is an open PostgreSQL destination. It implements
// connectors.Destination; its methods are safe for concurrent use.
type Destination struct {
	cfg      *Config
	pool     *pool
	connCfg  *pgx.ConnConfig
	schema   string
	log      *slog.Logger
	readOnly bool

	mu     sync.Mutex
	tables map[string]*connectors.Table // live layout, by table name

	locker locker
}

var _ connectors.Destination = (*Destination)(nil)

// open connects to the database of c. A read-only destination creates
// nothing.
func open(ctx context.Context, c *Config, log *slog.Logger, readOnly bool) (*Destination, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cc, err := c.connConfig()
	if err != nil {
		return nil, err
	}
	if readOnly {
		cc.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool := newPool(cc)
	err = pool.with(ctx, func(conn *pgx.Conn) error {
		return conn.Ping(ctx)
	})
	if err != nil {
		pool.close()
		if sqlState(err) == codeInvalidCatalog {
			// syncctl creates schemas and tables, never databases.
			return nil, c.redact(fmt.Errorf("connect to %s: %w; create the database first (CREATE DATABASE), syncctl creates only schemas and tables",
				c.Describe(), err))
		}
		return nil, c.redact(fmt.Errorf("connect to %s: %w",
			c.Describe(), err))
	}
	d := &Destination{
		cfg:      c,
		pool:     pool,
		connCfg:  cc,
		schema:   c.schema(),
		log:      log,
		readOnly: readOnly,
		tables:   map[string]*connectors.Table{},
	}
	d.locker.d = d
	if !readOnly {
		if err := d.setup(ctx); err != nil {
			pool.close()
			return nil, err
		}
	}
	log.Debug("destination opened", "destination", c.Describe())
	return d, nil
}

// sqlState returns the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// ident quotes a name of the destination's schema.
func (d *Destination) ident(name string) string {
	return pgx.Identifier{d.schema, name}.Sanitize()
}

// Schema returns the schema the destination loads.
func (d *Destination) Schema() string { return d.schema }

// Describe returns the columns of table name as they are, or nil when it
// does not exist. Key is the table's primary key.
func (d *Destination) Describe(ctx context.Context, name string) (*connectors.Table, error) {
	var t *connectors.Table
	err := d.pool.with(ctx, func(c *pgx.Conn) (err error) {
		t, err = describe(ctx, c, d.schema, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("describe table %q: %w", name, err)
	}
	return t, nil
}

// querier is what describe needs of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func describe(ctx context.Context, q querier, schema, name string) (*connectors.Table, error) {
	rows, err := q.Query(ctx, describeColumnsQuery, schema, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &connectors.Table{Name: name}
	keyPos := map[int]string{}
	for rows.Next() {
		var col, typ string
		var notNull bool
		var pos *int
		if err := rows.Scan(&col, &typ, &notNull, &pos); err != nil {
			return nil, err
		}
		p, s := -1, -1
		fmt.Sscanf(typ, "numeric(%d,%d)", &p, &s)
		t.Columns = append(t.Columns, columnOf(col, typ, p, s, !notNull))
		if pos != nil {
			keyPos[*pos] = col
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, nil
	}
	// int2vector arrays start at 0; only the order matters.
	positions := slices.Sorted(maps.Keys(keyPos))
	for _, p := range positions {
		t.Key = append(t.Key, keyPos[p])
	}
	return t, nil
}

// live returns the stored layout of table name, from the cache Prepare
// fills or from the database.
func (d *Destination) live(ctx context.Context, name string) (*connectors.Table, error) {
	d.mu.Lock()
	t := d.tables[name]
	d.mu.Unlock()
	if t != nil {
		return t, nil
	}
	t, err := d.Describe(ctx, name)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("table %q does not exist in schema %q",
			name, d.schema)
	}
	d.remember(t)
	return t, nil
}

func (d *Destination) remember(t *connectors.Table) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tables[t.Name] = t
}

func (d *Destination) forget(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.tables, name)
}

// checkName rejects table and column names PostgreSQL would truncate or
// cannot hold.
func checkName(kind, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s name is empty", kind)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("%s name %q contains a NUL character", kind, name)
	case len(name) > maxIdentifier:
		return fmt.Errorf("%s name %q is %d bytes long; PostgreSQL keeps "+
			"at most %d", kind, name, len(name), maxIdentifier)
	}
	return nil
}

// Close releases the connections and with them every lock.
func (d *Destination) Close() error {
	err := d.locker.closeConn()
	d.pool.close()
	return err
}
