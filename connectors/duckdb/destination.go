package duckdb

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/syncctl/syncctl/connectors"
)

// stateTable holds one row per (table, tenant); the same layout as every
// other destination's.
const stateTable = "_syncctl_state"

const stateFormat = 1

const createState = `CREATE TABLE IF NOT EXISTS "_syncctl_state" (
	table_name     VARCHAR NOT NULL,
	tenant         VARCHAR NOT NULL,
	address        VARCHAR,
	watermark      VARCHAR,
	watermark_at   TIMESTAMPTZ,
	watermark_type VARCHAR,
	cursor         VARCHAR,
	config_hash    VARCHAR,
	schema_hash    VARCHAR,
	serial         BIGINT,
	run_started    TIMESTAMPTZ,
	run_rows       BIGINT,
	updated_at     TIMESTAMPTZ,
	format_version INTEGER,
	PRIMARY KEY (table_name, tenant))`

// Destination is an open DuckDB database.
type Destination struct {
	cfg      *Config
	db       *sql.DB
	readOnly bool
	log      *slog.Logger

	// commitMu serialises the merge-and-commit step: DuckDB runs one
	// writer at a time anyway, and serialising avoids optimistic
	// transaction conflicts on the state table.
	commitMu sync.Mutex

	// lockKey identifies the database file in the process-wide lock
	// table.
	lockKey string
	held    []string

	fast fastPath // what Merge's fast path knows about tables
}

// fileLocks holds the names locked in each database file by this
// process: DuckDB's own file lock keeps other processes out, and this
// keeps two handles of one process apart.
var (
	fileLocksMu sync.Mutex
	fileLocks   = map[string]bool{}
)

// OpenPath opens (creating) the database file at path with default
// settings, for tests and tools.
func OpenPath(ctx context.Context, path string) (*Destination, error) {
	return open(ctx, &Config{Path: path, MemoryLimit: "1GB"}, false,
		slog.New(slog.DiscardHandler))
}

var pidRe = regexp.MustCompile(`PID (\d+)`)

func open(ctx context.Context, cfg *Config, readOnly bool, log *slog.Logger) (*Destination, error) {
	dsn := cfg.Path
	if readOnly {
		dsn += "?access_mode=read_only"
	}
	connector, err := duckdb.NewConnector(dsn, func(execer sqldriver.ExecerContext) error {
		stmts := []string{}
		if cfg.MemoryLimit != "" {
			stmts = append(stmts, fmt.Sprintf("SET memory_limit = '%s'", cfg.MemoryLimit))
		}
		if cfg.Threads > 0 {
			stmts = append(stmts, fmt.Sprintf("SET threads = %d", cfg.Threads))
		}
		if !readOnly {
			// Every batch commits, so the default 16MB of WAL would
			// checkpoint (rewrite the table's last row group and its
			// primary key index) every few batches; 64MB costs about
			// 15% less CPU on long loads (docs/performance.md).
			stmts = append(stmts, "SET checkpoint_threshold = '64MB'")
		}
		for _, s := range stmts {
			if _, err := execer.ExecContext(ctx, s, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, openError(cfg.Path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, openError(cfg.Path, err)
	}
	key, err := filepath.Abs(cfg.Path)
	if err != nil {
		key = cfg.Path
	}
	d := &Destination{cfg: cfg, db: db, readOnly: readOnly, log: log, lockKey: key}
	if !readOnly {
		if _, err := db.ExecContext(ctx, createState); err != nil {
			db.Close()
			return nil, fmt.Errorf("create %s in %s: %w", stateTable, cfg.Path, err)
		}
	}
	return d, nil
}

// openError explains the common failure: another process holds the file.
func openError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "lock") {
		holder := "another process"
		if m := pidRe.FindStringSubmatch(msg); m != nil {
			holder = "process " + m[1]
		}
		return fmt.Errorf("%w: %s is in use by %s; DuckDB allows one writing process per file, wait for it to finish: %v",
			connectors.ErrLocked, path, holder, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// Close releases the handle's locks and closes the database.
func (d *Destination) Close() error {
	for _, k := range append([]string(nil), d.held...) {
		d.release(k)
	}
	return d.db.Close()
}

// DB exposes the database handle, for tests and models.
func (d *Destination) DB() *sql.DB { return d.db }

// Lock marks name as written by this handle. The database file itself
// is locked by DuckDB for the whole process, so other processes are
// already kept out; Lock keeps two writers of one process apart.
func (d *Destination) Lock(ctx context.Context, name string) (func() error, error) {
	k := d.lockKey + "\x00" + name
	fileLocksMu.Lock()
	defer fileLocksMu.Unlock()
	if fileLocks[k] {
		return nil, fmt.Errorf("%w: table %s of %s is being written by this process",
			connectors.ErrLocked, name, d.cfg.Path)
	}
	fileLocks[k] = true
	d.held = append(d.held, k)
	var once sync.Once
	return func() error {
		once.Do(func() { d.release(k) })
		return nil
	}, nil
}

func (d *Destination) release(k string) {
	fileLocksMu.Lock()
	defer fileLocksMu.Unlock()
	delete(fileLocks, k)
	for i, h := range d.held {
		if h == k {
			d.held = append(d.held[:i], d.held[i+1:]...)
			break
		}
	}
}

// Describe returns the columns and key of table name, or nil if it does
// not exist.
func (d *Destination) Describe(ctx context.Context, name string) (*connectors.Table, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT column_name, data_type,
		coalesce(numeric_precision, 0), coalesce(numeric_scale, 0)
		FROM duckdb_columns() WHERE schema_name = 'main' AND database_name = current_database()
		AND table_name = ? ORDER BY column_index`, name)
	if err != nil {
		return nil, fmt.Errorf("describe table %q: %w", name, err)
	}
	defer rows.Close()
	var t *connectors.Table
	for rows.Next() {
		var c connectors.Column
		if err := rows.Scan(&c.Name, &c.SourceType, &c.Precision, &c.Scale); err != nil {
			return nil, err
		}
		c.Type, c.Bits = logicalType(c.SourceType)
		if c.Type != connectors.TypeDecimal {
			c.Precision, c.Scale = 0, 0
		}
		if t == nil {
			t = &connectors.Table{Name: name}
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil || t == nil {
		return t, err
	}
	var key duckdb.Composite[[]string]
	err = d.db.QueryRowContext(ctx, `SELECT constraint_column_names FROM duckdb_constraints()
		WHERE schema_name = 'main' AND database_name = current_database()
		AND table_name = ? AND constraint_type = 'PRIMARY KEY'`, name).Scan(&key)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("describe key of table %q: %w", name, err)
	}
	t.Key = key.Get()
	return t, nil
}

// logicalType maps a DuckDB type name back to a logical type.
func logicalType(typ string) (connectors.Type, int) {
	switch {
	case typ == "SMALLINT":
		return connectors.TypeInt, 16
	case typ == "INTEGER":
		return connectors.TypeInt, 32
	case typ == "BIGINT":
		return connectors.TypeInt, 64
	case typ == "DOUBLE" || typ == "FLOAT":
		return connectors.TypeFloat, 0
	case strings.HasPrefix(typ, "DECIMAL"):
		return connectors.TypeDecimal, 0
	case typ == "BOOLEAN":
		return connectors.TypeBool, 0
	case strings.HasPrefix(typ, "TIMESTAMP"):
		return connectors.TypeTimestamp, 0
	case typ == "DATE":
		return connectors.TypeDate, 0
	case typ == "UUID":
		return connectors.TypeUUID, 0
	case typ == "BLOB":
		return connectors.TypeBinary, 0
	}
	return connectors.TypeString, 0
}

// Prepare creates t or adds its missing columns.
func (d *Destination) Prepare(ctx context.Context, t *connectors.Table) error {
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	cur, err := d.Describe(ctx, t.Name)
	if err != nil {
		return err
	}
	if cur == nil {
		var b strings.Builder
		fmt.Fprintf(&b, "CREATE TABLE %s (", ident(t.Name))
		for i, c := range t.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", ident(c.Name), columnType(c))
		}
		if len(t.Key) > 0 {
			keys := make([]string, len(t.Key))
			for i, k := range t.Key {
				keys[i] = ident(k)
			}
			fmt.Fprintf(&b, ", PRIMARY KEY (%s)", strings.Join(keys, ", "))
		}
		b.WriteString(")")
		if _, err := d.db.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("create table %q: %w", t.Name, err)
		}
		return nil
	}
	for _, c := range t.Columns {
		if _, ok := (&connectors.Entity{Columns: cur.Columns}).Column(c.Name); ok {
			continue
		}
		q := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", ident(t.Name), ident(c.Name), columnType(c))
		if _, err := d.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("add column %q to table %q: %w", c.Name, t.Name, err)
		}
	}
	return nil
}

// columnType is the DuckDB type of a column.
func columnType(c connectors.Column) string {
	switch c.Type {
	case connectors.TypeInt:
		switch c.Bits {
		case 8, 16:
			return "SMALLINT"
		case 32:
			return "INTEGER"
		}
		return "BIGINT"
	case connectors.TypeFloat:
		return "DOUBLE"
	case connectors.TypeDecimal:
		p, s := decimalShape(c)
		return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
	case connectors.TypeBool:
		return "BOOLEAN"
	case connectors.TypeTimestamp:
		return "TIMESTAMPTZ"
	case connectors.TypeDate:
		return "DATE"
	case connectors.TypeUUID:
		return "UUID"
	case connectors.TypeBinary:
		return "BLOB"
	}
	return "VARCHAR"
}

// decimalShape returns the precision and scale a decimal column gets.
func decimalShape(c connectors.Column) (int, int) {
	p, s := c.Precision, c.Scale
	if s == connectors.VariableScale {
		s = 10
	}
	if p <= 0 || p > 38 {
		p = 38
	}
	if s > p {
		s = p
	}
	return p, s
}

// ident quotes an identifier.
func ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }

var errReadOnly = errors.New("destination opened read-only")

// Count returns the number of tenant's rows in table.
func (d *Destination) Count(ctx context.Context, table, tenant string) (int64, error) {
	t, err := d.Describe(ctx, table)
	if err != nil || t == nil {
		return 0, err
	}
	var n int64
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = ?", ident(table), ident(connectors.TenantColumn))
	err = d.db.QueryRowContext(ctx, q, tenant).Scan(&n)
	return n, err
}

// Materialize creates or replaces a view or table from a query.
func (d *Destination) Materialize(ctx context.Context, name, query, kind string) error {
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	obj := "VIEW"
	if kind == connectors.MaterializeTable {
		obj = "TABLE"
	}
	q := fmt.Sprintf("CREATE OR REPLACE %s %s AS %s", obj, ident(name), query)
	if _, err := d.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create %s %q: %w", strings.ToLower(obj), name, err)
	}
	return nil
}
