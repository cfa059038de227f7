package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/syncctl/syncctl/connectors"
)

// mergeStage is the temporary table a Merge copies its batch into. It is
// dropped when the transaction ends.
var mergeStage = pgx.Identifier{"pg_temp", "_syncctl_stage"}.Sanitize()

// Merge upserts rows into t by its key, deletes the rows keyed by
// deletes and saves st, in one transaction: the batch is copied into a
// temporary table, changed rows are updated, new rows inserted, deleted
// keys copied into another temporary table and their rows deleted, and
// the state row upserted. Rows equal to the stored
// ones, ignoring _synced_at, are left untouched. Values are checked
// against the stored column types before anything is sent; a value that
// does not fit fails the batch with the table, row and column named.
// Should a batch hold a key twice, the last row wins.
func (d *Destination) Merge(ctx context.Context, t *connectors.Table,
	rows, deletes [][]any, st *connectors.State) (connectors.Change, error) {
	start := time.Now()
	var ch connectors.Change
	p, err := d.plan(ctx, t)
	if err != nil {
		return ch, err
	}
	if (len(rows) > 0 || len(deletes) > 0) && len(p.keys) == 0 {
		return ch, fmt.Errorf("merge into table %q: the table has no "+
			"primary key to merge by", t.Name)
	}
	data, err := p.encode(rows, nil)
	if err != nil {
		return ch, err
	}
	data = p.dedupe(data)
	keys, err := p.encodeKeys(t, deletes)
	if err != nil {
		return ch, err
	}

	var saved savedState
	err = d.inTx(ctx, func(tx pgx.Tx) error {
		if err := d.locker.check(ctx, tx, t.Name); err != nil {
			return err
		}
		if len(data) > 0 {
			if ch, err = d.mergeRows(ctx, tx, p, data); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			if ch.Deleted, err = d.deleteKeys(ctx, tx, p, keys); err != nil {
				return err
			}
		}
		saved, err = d.saveState(ctx, tx, t.Name, st)
		return err
	})
	if err != nil {
		return connectors.Change{}, fmt.Errorf("merge into table %q: %w",
			t.Name, detailed(err))
	}
	saved.apply()
	d.log.Debug("batch merged", "table", t.Name, "rows", len(data),
		"inserted", ch.Inserted, "updated", ch.Updated,
		"deleted", ch.Deleted, "duration", time.Since(start))
	return ch, nil
}

// deleteStage is the temporary table of the keys a Merge deletes.
var deleteStage = pgx.Identifier{"pg_temp", "_syncctl_deletes"}.Sanitize()

// encodeKeys checks the keys to delete, given in t.Key order, and returns
// them in the stored key's order, encoded like the rows.
func (p *plan) encodeKeys(t *connectors.Table, deletes [][]any) ([][]any, error) {
	if len(deletes) == 0 {
		return nil, nil
	}
	pos := make([]int, len(p.keys)) // stored key -> position in t.Key
	for i, k := range p.keys {
		if pos[i] = indexOf(t.Key, k); pos[i] < 0 {
			return nil, fmt.Errorf("table %q: key column %q is missing "+
				"from the keys to delete", p.name, k)
		}
	}
	out := make([][]any, len(deletes))
	for r, key := range deletes {
		if len(key) != len(t.Key) {
			return nil, fmt.Errorf("table %q, deleted key %d: %d values "+
				"for %d key columns", p.name, r+1, len(key), len(t.Key))
		}
		enc := make([]any, len(p.keys))
		for i, col := range p.key {
			v := key[pos[i]]
			if v == nil {
				return nil, fmt.Errorf("table %q, deleted key %d, column "+
					"%q: a key column is NULL", p.name, r+1, p.cols[col])
			}
			x, err := p.enc[col](v)
			if err != nil {
				return nil, fmt.Errorf("table %q, deleted key %d, column "+
					"%q: %w", p.name, r+1, p.cols[col], err)
			}
			enc[i] = x
		}
		out[r] = enc
	}
	return out, nil
}

// deleteKeys stages keys and deletes their rows from the live table.
func (d *Destination) deleteKeys(ctx context.Context, tx pgx.Tx, p *plan, keys [][]any) (int64, error) {
	_, err := tx.Exec(ctx, fmt.Sprintf(
		"CREATE TEMPORARY TABLE %s ON COMMIT DROP AS "+
			"SELECT %s FROM %s WITH NO DATA",
		deleteStage, quoteList(p.keys, ""), p.live))
	if err != nil {
		return 0, err
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", "_syncctl_deletes"},
		p.keys, pgx.CopyFromRows(keys))
	if err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, fmt.Sprintf("DELETE FROM %s AS t USING %s AS s WHERE %s",
		p.live, deleteStage, keyMatch(p.keys, "t", "s")))
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// mergeRows stages data and merges it into the live table.
func (d *Destination) mergeRows(ctx context.Context, tx pgx.Tx, p *plan, data [][]any) (connectors.Change, error) {
	var ch connectors.Change
	_, err := tx.Exec(ctx, fmt.Sprintf(
		"CREATE TEMPORARY TABLE %s ON COMMIT DROP AS "+
			"SELECT %s FROM %s WITH NO DATA",
		mergeStage, quoteList(p.cols, ""), p.live))
	if err != nil {
		return ch, err
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", "_syncctl_stage"},
		p.cols, pgx.CopyFromRows(data))
	if err != nil {
		return ch, err
	}
	return p.apply(ctx, tx, mergeStage)
}

// plan is how rows of one table are checked, staged and merged.
type plan struct {
	name  string
	live  string    // quoted, qualified name of the table
	cols  []string  // the batch's columns, in row order
	enc   []encoder // by column
	keys  []string
	key   []int    // positions of keys in cols
	isKey []bool   // by column
	set   []string // non-key columns, updated on change
	cmp   []string // set without _synced_at, compared for change
	types []connectors.Column
}

// plan checks t's columns against the stored table and builds its plan.
func (d *Destination) plan(ctx context.Context, t *connectors.Table) (*plan, error) {
	live, err := d.live(ctx, t.Name)
	if err != nil {
		return nil, err
	}
	p := &plan{name: t.Name, live: d.ident(t.Name), keys: live.Key}
	for _, c := range t.Columns {
		i := live.ColumnIndex(c.Name)
		if i < 0 {
			return nil, fmt.Errorf("table %q has no column %q; "+
				"prepare the table first", t.Name, c.Name)
		}
		stored := live.Columns[i]
		p.cols = append(p.cols, c.Name)
		p.types = append(p.types, stored)
		p.enc = append(p.enc, encoderFor(stored))
	}
	p.isKey = make([]bool, len(p.cols))
	for _, k := range live.Key {
		i := t.ColumnIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("table %q: key column %q is missing "+
				"from the rows", t.Name, k)
		}
		p.key = append(p.key, i)
		p.isKey[i] = true
	}
	for _, c := range p.cols {
		if isKey(live.Key, c) {
			continue
		}
		p.set = append(p.set, c)
		if c != connectors.SyncedAtColumn {
			p.cmp = append(p.cmp, c)
		}
	}
	return p, nil
}

func isKey(keys []string, c string) bool {
	for _, k := range keys {
		if k == c {
			return true
		}
	}
	return false
}

// encode checks rows against the stored column types and returns them as
// values pgx encodes exactly. When tenant is not nil, every row's
// _tenant must equal it.
func (p *plan) encode(rows [][]any, tenant *string) ([][]any, error) {
	ti := -1
	if tenant != nil {
		ti = indexOf(p.cols, connectors.TenantColumn)
	}
	out := make([][]any, len(rows))
	for r, row := range rows {
		if len(row) != len(p.cols) {
			return nil, fmt.Errorf("table %q, row %d: %d values for %d "+
				"columns", p.name, r+1, len(row), len(p.cols))
		}
		enc := make([]any, len(row))
		for i, v := range row {
			if v == nil && p.isKey[i] {
				return nil, fmt.Errorf("table %q, row %d, column %q: "+
					"a key column is NULL", p.name, r+1, p.cols[i])
			}
			if v == nil {
				continue
			}
			x, err := p.enc[i](v)
			if err != nil {
				return nil, fmt.Errorf("table %q, row %d, column %q "+
					"(%s): %w", p.name, r+1, p.cols[i],
					p.types[i].SourceType, err)
			}
			enc[i] = x
		}
		if ti >= 0 && row[ti] != *tenant {
			return nil, fmt.Errorf("table %q, row %d: %s is %v, but "+
				"the table is being replaced for tenant %q", p.name,
				r+1, connectors.TenantColumn, row[ti], *tenant)
		}
		out[r] = enc
	}
	return out, nil
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// dedupe keeps the last of rows that share a key, in order.
func (p *plan) dedupe(rows [][]any) [][]any {
	if len(p.key) == 0 || len(rows) < 2 {
		return rows
	}
	last := make(map[string]int, len(rows))
	var b strings.Builder
	for i, row := range rows {
		b.Reset()
		for _, k := range p.key {
			keyText(&b, row[k])
		}
		last[b.String()] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	out := rows[:0:0]
	for i, row := range rows {
		b.Reset()
		for _, k := range p.key {
			keyText(&b, row[k])
		}
		if last[b.String()] == i {
			out = append(out, row)
		}
	}
	return out
}

// keyText appends an encoding of a key value that is equal for values
// PostgreSQL considers equal.
func keyText(b *strings.Builder, v any) {
	var s string
	switch x := v.(type) {
	case nil:
		s = "\x00null"
	case pgtype.Timestamptz:
		s = fmt.Sprint(x.Time.UnixMicro())
	case pgtype.Date:
		s = x.Time.Format(time.DateOnly)
	case pgtype.Numeric:
		s = numericKey(x)
	default:
		s = fmt.Sprintf("%v", x)
	}
	fmt.Fprintf(b, "%d:%s;", len(s), s)
}

// numericKey writes n without trailing zeros, so that 1.5 and 1.50 match.
func numericKey(n pgtype.Numeric) string {
	i, exp := new(big.Int).Set(n.Int), n.Exp
	ten, r := big.NewInt(10), new(big.Int)
	for i.Sign() != 0 {
		q, m := new(big.Int).QuoRem(i, ten, r)
		if m.Sign() != 0 {
			break
		}
		i, exp = q, exp+1
	}
	if i.Sign() == 0 {
		exp = 0
	}
	return i.String() + "e" + fmt.Sprint(exp)
}

// apply merges the staged rows into the live table: update the rows that
// changed, then insert the new ones. The insert also updates on conflict,
// should a row have appeared since.
func (p *plan) apply(ctx context.Context, tx pgx.Tx, stage string) (connectors.Change, error) {
	var ch connectors.Change
	if len(p.cmp) > 0 {
		tag, err := tx.Exec(ctx, p.updateSQL(stage))
		if err != nil {
			return ch, err
		}
		ch.Updated = tag.RowsAffected()
	}
	tag, err := tx.Exec(ctx, p.insertSQL(stage))
	if err != nil {
		return ch, err
	}
	ch.Inserted = tag.RowsAffected()
	return ch, nil
}

func (p *plan) updateSQL(stage string) string {
	return fmt.Sprintf("UPDATE %s AS t SET %s\nFROM %s AS s\nWHERE %s\n"+
		"  AND ROW(%s) IS DISTINCT FROM ROW(%s)",
		p.live, assignments(p.set, "s"), stage, keyMatch(p.keys, "t", "s"),
		quoteList(p.cmp, "t"), quoteList(p.cmp, "s"))
}

func (p *plan) insertSQL(stage string) string {
	conflict := "DO NOTHING"
	if len(p.cmp) > 0 {
		conflict = fmt.Sprintf("DO UPDATE SET %s\n"+
			"  WHERE ROW(%s) IS DISTINCT FROM ROW(%s)",
			assignments(p.set, "EXCLUDED"), quoteList(p.cmp, "t"),
			quoteList(p.cmp, "EXCLUDED"))
	}
	return fmt.Sprintf("INSERT INTO %s AS t (%s)\nSELECT %s FROM %s AS s\n"+
		"WHERE NOT EXISTS (SELECT 1 FROM %s AS x WHERE %s)\n"+
		"ON CONFLICT (%s) %s",
		p.live, quoteList(p.cols, ""), quoteList(p.cols, "s"), stage,
		p.live, keyMatch(p.keys, "x", "s"), quoteList(p.keys, ""), conflict)
}

// assignments renders "c = from.c, ..." for an UPDATE's SET list.
func assignments(cols []string, from string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quote(c) + " = " + from + "." + quote(c)
	}
	return strings.Join(parts, ", ")
}

// keyMatch renders "a.k = b.k AND ..." over the key columns.
func keyMatch(keys []string, a, b string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = a + "." + quote(k) + " = " + b + "." + quote(k)
	}
	return strings.Join(parts, " AND ")
}

// detailed adds a server error's detail, column and position to its
// message, which pgx leaves out.
func detailed(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	var extra []string
	if pgErr.ColumnName != "" {
		extra = append(extra, fmt.Sprintf("column %q", pgErr.ColumnName))
	}
	if pgErr.Detail != "" {
		extra = append(extra, pgErr.Detail)
	}
	if pgErr.Where != "" {
		extra = append(extra, pgErr.Where)
	}
	if len(extra) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(extra, "; "))
}
