package postgres

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/connectors"
)

// Replace starts a full reload of one tenant's rows of t. Rows are
// staged in an unlogged table named _syncctl_stage_<table>_<n> next to
// the live table; Commit then, in one transaction, deletes the tenant's
// rows that are not staged, updates the ones that changed, inserts the
// new ones and saves the state. The live table is never dropped or
// renamed, so views on it stay valid, and other tenants' rows are not
// touched. When this Destination holds t's lock, staging tables left
// behind by earlier runs of t are dropped first.
func (d *Destination) Replace(ctx context.Context, t *connectors.Table, tenant string) (connectors.Replacement, error) {
	p, err := d.plan(ctx, t)
	if err != nil {
		return nil, err
	}
	if d.locker.holds(t.Name) {
		if err := d.dropStages(ctx, t.Name); err != nil {
			return nil, fmt.Errorf("replace table %q: %w", t.Name, err)
		}
	}
	r := &replacement{d: d, p: p, tenant: tenant, started: time.Now()}
	r.stageName = stageName(t.Name, randomN())
	r.stage = d.ident(r.stageName)
	err = d.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, fmt.Sprintf("CREATE UNLOGGED TABLE %s AS "+
			"SELECT %s FROM %s WITH NO DATA",
			r.stage, quoteList(p.cols, ""), p.live))
		if err == nil && len(p.keys) > 0 {
			_, err = tx.Exec(ctx, fmt.Sprintf(
				"ALTER TABLE %s ADD PRIMARY KEY (%s)", r.stage,
				quoteList(p.keys, "")))
		}
		return err
	})
	if err != nil {
		r.Abort()
		return nil, fmt.Errorf("replace table %q: create staging table: %w",
			t.Name, err)
	}
	return r, nil
}

// stageName returns the name of a staging table of table. Names that
// would pass PostgreSQL's limit keep a prefix of the table name and a
// hash of the whole.
func stageName(table string, n uint32) string {
	suffix := "_" + strconv.FormatUint(uint64(n), 10)
	name := stagePrefix + table
	if len(name)+len(suffix) > maxIdentifier {
		name = stagePrefix + truncate(table, 24) + "~" + hash(table)
	}
	return name + suffix
}

// stagePrefixOf is what every staging table name of table starts with,
// its random number aside.
func stagePrefixOf(table string) string {
	name := stageName(table, 0)
	return name[:len(name)-1]
}

// truncate shortens s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

func hash(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

func randomN() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// dropStages drops the staging tables of table left by earlier runs.
func (d *Destination) dropStages(ctx context.Context, table string) error {
	prefix := stagePrefixOf(table)
	var names []string
	err := d.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind = 'r'
  AND starts_with(c.relname, $2)`, d.schema, prefix)
		if err != nil {
			return err
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if _, err := strconv.ParseUint(name[len(prefix):], 10, 32); err != nil {
			continue // another table's stage with a longer name
		}
		if err := d.exec(ctx, "DROP TABLE IF EXISTS "+
			d.ident(name)); err != nil {
			return err
		}
		d.log.Info("stale staging table dropped", "table", table,
			"staging_table", name)
	}
	return nil
}

// replacement is a full reload of one tenant in progress.
type replacement struct {
	d         *Destination
	p         *plan
	tenant    string
	stageName string
	stage     string // quoted, qualified
	started   time.Time
	rows      int64

	mu   sync.Mutex
	done bool // committed or aborted: the stage is gone
}

// Append checks rows and copies them into the staging table. A key
// staged twice fails the replacement.
func (r *replacement) Append(ctx context.Context, rows [][]any) error {
	data, err := r.p.encode(rows, &r.tenant)
	if err != nil {
		return err
	}
	if r.finished() {
		return fmt.Errorf("replace table %q: append after commit or "+
			"abort", r.p.name)
	}
	err = r.d.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.CopyFrom(ctx,
			pgx.Identifier{r.d.schema, r.stageName}, r.p.cols,
			pgx.CopyFromRows(data))
		return err
	})
	if err != nil {
		return fmt.Errorf("replace table %q: stage rows: %w", r.p.name,
			detailed(err))
	}
	r.rows += int64(len(data))
	return nil
}

func (r *replacement) finished() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// Commit swaps the staged rows in for the tenant's rows and saves st, in
// one transaction that also drops the staging table.
func (r *replacement) Commit(ctx context.Context, st *connectors.State) (connectors.Change, error) {
	var ch connectors.Change
	if r.finished() {
		return ch, fmt.Errorf("replace table %q: commit after commit or "+
			"abort", r.p.name)
	}
	var saved savedState
	err := r.d.inTx(ctx, func(tx pgx.Tx) error {
		err := r.d.locker.check(ctx, tx, r.p.name)
		if err != nil {
			return err
		}
		if ch, err = r.swap(ctx, tx); err != nil {
			return err
		}
		if saved, err = r.d.saveState(ctx, tx, r.p.name, st); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DROP TABLE "+r.stage)
		return err
	})
	if err != nil {
		return connectors.Change{}, fmt.Errorf("replace table %q: %w",
			r.p.name, detailed(err))
	}
	r.mu.Lock()
	r.done = true
	r.mu.Unlock()
	saved.apply()
	r.d.log.Debug("table replaced", "table", r.p.name, "tenant", r.tenant,
		"rows", r.rows, "inserted", ch.Inserted, "updated", ch.Updated,
		"deleted", ch.Deleted, "duration", time.Since(r.started))
	return ch, nil
}

// swap makes the tenant's rows equal to the staged ones. With a key, only
// the rows that differ are written; without one, the tenant's rows are
// deleted and the staged ones inserted.
func (r *replacement) swap(ctx context.Context, tx pgx.Tx) (connectors.Change, error) {
	var ch connectors.Change
	p := r.p
	scope, args := "TRUE", []any{}
	if indexOf(p.cols, connectors.TenantColumn) >= 0 {
		scope = "t." + quote(connectors.TenantColumn) + " = $1"
		args = append(args, r.tenant)
	}
	del := fmt.Sprintf("DELETE FROM %s AS t WHERE %s", p.live, scope)
	if len(p.keys) > 0 {
		del += fmt.Sprintf(" AND NOT EXISTS (SELECT 1 FROM %s AS s "+
			"WHERE %s)", r.stage, keyMatch(p.keys, "t", "s"))
	}
	tag, err := tx.Exec(ctx, del, args...)
	if err != nil {
		return ch, err
	}
	ch.Deleted = tag.RowsAffected()
	if len(p.keys) > 0 {
		c, err := p.apply(ctx, tx, r.stage)
		c.Deleted = ch.Deleted
		return c, err
	}
	tag, err = tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s "+
		"FROM %s", p.live, quoteList(p.cols, ""), quoteList(p.cols, ""),
		r.stage))
	ch.Inserted = tag.RowsAffected()
	return ch, err
}

// Abort drops the staging table. It is safe to call more than once and
// after Commit.
func (r *replacement) Abort() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := r.d.exec(ctx, "DROP TABLE IF EXISTS "+r.stage)
	if err != nil {
		return fmt.Errorf("replace table %q: drop staging table: %w",
			r.p.name, err)
	}
	r.done = true
	return nil
}
