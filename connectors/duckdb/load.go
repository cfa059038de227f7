package duckdb

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/apd/v3"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/syncctl/syncctl/connectors"
)

var stageSeq atomic.Int64

// stage is a connection-local temporary table shaped like a destination
// table, filled through the appender.
type stage struct {
	conn  *sql.Conn
	name  string
	table *connectors.Table
	conv  []converter
	rows  int64
}

// newStage takes a connection and creates an empty staging table on it.
func (d *Destination) newStage(ctx context.Context, t *connectors.Table) (*stage, error) {
	if d.readOnly {
		return nil, errReadOnly
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	s := &stage{conn: conn, table: t,
		name: fmt.Sprintf("_syncctl_stage_%d", stageSeq.Add(1))}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TEMP TABLE %s (", ident(s.name))
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", ident(c.Name), columnType(c))
		s.conv = append(s.conv, converterFor(c, slices.Contains(t.Key, c.Name)))
	}
	b.WriteString(")")
	if _, err := conn.ExecContext(ctx, b.String()); err != nil {
		conn.Close()
		return nil, fmt.Errorf("create staging table for %q: %w", t.Name, err)
	}
	return s, nil
}

// append adds rows to the staging table.
func (s *stage) append(ctx context.Context, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return s.conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(sqldriver.Conn), "temp", "main", s.name)
		if err != nil {
			return fmt.Errorf("appender for table %q: %w", s.table.Name, err)
		}
		vals := make([]sqldriver.Value, len(s.conv))
		for n, row := range rows {
			if err := ctx.Err(); err != nil {
				app.Close()
				return err
			}
			for i, v := range row {
				cv, err := s.conv[i](v)
				if err != nil {
					app.Close()
					return fmt.Errorf("table %q, column %q, batch row %d: %w",
						s.table.Name, s.table.Columns[i].Name, n+1, err)
				}
				vals[i] = cv
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return fmt.Errorf("table %q, batch row %d: %w", s.table.Name, n+1, err)
			}
		}
		s.rows += int64(len(rows))
		if err := app.Close(); err != nil {
			return fmt.Errorf("append to table %q: %w", s.table.Name, err)
		}
		return nil
	})
}

func (s *stage) close() error {
	if s.conn == nil {
		return nil
	}
	_, _ = s.conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+ident(s.name))
	err := s.conn.Close()
	s.conn = nil
	return err
}

// Merge upserts rows into t by key and saves st, in one transaction.
func (d *Destination) Merge(ctx context.Context, t *connectors.Table, rows, deletes [][]any, st *connectors.State) (connectors.Change, error) {
	s, err := d.Stage(ctx, t, rows, deletes)
	if err != nil {
		return connectors.Change{}, err
	}
	return s.Commit(ctx, st)
}

// merge is Merge's general path: the rows are staged in a temporary
// table and merged by key.
func (d *Destination) merge(ctx context.Context, t *connectors.Table, rows, deletes [][]any, st *connectors.State) (connectors.Change, error) {
	var ch connectors.Change
	s, err := d.newStage(ctx, t)
	if err != nil {
		return ch, err
	}
	defer s.close()
	if err := s.append(ctx, rows); err != nil {
		return ch, err
	}
	ks, err := s.keyStage(ctx, deletes)
	if err != nil {
		return ch, err
	}
	defer ks.drop()
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	err = d.inTx(ctx, s.conn, func(tx *sql.Conn) error {
		if len(rows) > 0 {
			if ch, err = mergeStage(ctx, tx, t, s.name); err != nil {
				return err
			}
		}
		if ks != nil {
			if ch.Deleted, err = deleteStaged(ctx, tx, t, ks.name); err != nil {
				return err
			}
		}
		return saveState(ctx, tx, st)
	})
	if err == nil && len(rows) > 0 {
		d.fast.saw(t.Name, ch.Inserted < int64(len(rows)))
	}
	return ch, err
}

// mergeStage moves the staged rows into t. Stored rows whose values
// differ are updated in place, their key columns aside, which leaves the
// primary key's index alone: deleting and inserting them instead would
// load and dirty the whole index, memory that grows with the table. The
// staged rows with a stored key then leave the stage and the others are
// inserted. Rows equal to stored ones are not written. Each join builds
// its hash table on the stage, so memory stays bounded by the batch.
func mergeStage(ctx context.Context, c *sql.Conn, t *connectors.Table, stageName string) (connectors.Change, error) {
	var ch connectors.Change
	tbl, stg := ident(t.Name), "temp.main."+ident(stageName)
	keyMatch := matchOn(t.Key, "s", "t", "=")
	var set, differ []string
	for _, col := range t.Columns {
		if slices.Contains(t.Key, col.Name) {
			continue
		}
		n := ident(col.Name)
		set = append(set, fmt.Sprintf("%s = s.%s", n, n))
		if col.Name != connectors.SyncedAtColumn {
			differ = append(differ, fmt.Sprintf("s.%s IS DISTINCT FROM t.%s", n, n))
		}
	}

	// Without data columns, a row with a stored key equals the stored row.
	if len(differ) > 0 {
		q := fmt.Sprintf("UPDATE %s AS t SET %s FROM %s AS s WHERE %s AND (%s)",
			tbl, strings.Join(set, ", "), stg, keyMatch, strings.Join(differ, " OR "))
		res, err := c.ExecContext(ctx, q)
		if err != nil {
			return ch, fmt.Errorf("merge into table %q: %w", t.Name, err)
		}
		ch.Updated, _ = res.RowsAffected()
	}
	q := fmt.Sprintf("DELETE FROM %s s USING %s t WHERE %s", stg, tbl, keyMatch)
	if _, err := c.ExecContext(ctx, q); err != nil {
		return ch, fmt.Errorf("merge into table %q: %w", t.Name, err)
	}
	q = fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", tbl, columnList(t), columnList(t), stg)
	res, err := c.ExecContext(ctx, q)
	if err != nil {
		return ch, fmt.Errorf("merge into table %q: %w", t.Name, err)
	}
	ch.Inserted, _ = res.RowsAffected()
	return ch, nil
}

// dataColumns are the columns compared to decide whether a row changed.
func dataColumns(t *connectors.Table) []string {
	var cols []string
	for _, c := range t.Columns {
		if c.Name != connectors.SyncedAtColumn {
			cols = append(cols, c.Name)
		}
	}
	return cols
}

func matchOn(cols []string, a, b, op string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s.%s %s %s.%s", a, ident(c), op, b, ident(c))
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, " AND ")
}

func columnList(t *connectors.Table) string {
	parts := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		parts[i] = ident(c.Name)
	}
	return strings.Join(parts, ", ")
}

// inTx runs fn inside a transaction on c.
func (d *Destination) inTx(ctx context.Context, c *sql.Conn, fn func(*sql.Conn) error) error {
	if _, err := c.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	if err := fn(c); err != nil {
		_, _ = c.ExecContext(context.Background(), "ROLLBACK")
		return err
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = c.ExecContext(context.Background(), "ROLLBACK")
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Replace starts a full reload of tenant's rows of t.
func (d *Destination) Replace(ctx context.Context, t *connectors.Table, tenant string) (connectors.Replacement, error) {
	s, err := d.newStage(ctx, t)
	if err != nil {
		return nil, err
	}
	return &replacement{d: d, s: s, tenant: tenant}, nil
}

type replacement struct {
	d      *Destination
	s      *stage
	tenant string
}

func (r *replacement) Append(ctx context.Context, rows [][]any) error {
	return r.s.append(ctx, rows)
}

// Commit replaces the tenant's rows by the staged ones. Rows present in
// both are kept as they are, so an unchanged reload changes nothing.
func (r *replacement) Commit(ctx context.Context, st *connectors.State) (connectors.Change, error) {
	var ch connectors.Change
	t := r.s.table
	tbl, stg := ident(t.Name), "temp.main."+ident(r.s.name)
	same := matchOn(dataColumns(t), "s", "t", "IS NOT DISTINCT FROM")
	tenantCol := ident(connectors.TenantColumn)
	r.d.commitMu.Lock()
	defer r.d.commitMu.Unlock()
	err := r.d.inTx(ctx, r.s.conn, func(c *sql.Conn) error {
		// Rows whose key stays but whose values change count as updates.
		q := fmt.Sprintf(`SELECT count(*) FROM %s s JOIN %s t ON t.%s = ? AND %s WHERE NOT (%s)`,
			stg, tbl, tenantCol, matchOn(t.Key, "s", "t", "="), same)
		if err := c.QueryRowContext(ctx, q, r.tenant).Scan(&ch.Updated); err != nil {
			return fmt.Errorf("reload table %q: %w", t.Name, err)
		}
		q = fmt.Sprintf(`DELETE FROM %s t WHERE t.%s = ? AND NOT EXISTS (SELECT 1 FROM %s s WHERE %s)`,
			tbl, tenantCol, stg, same)
		res, err := c.ExecContext(ctx, q, r.tenant)
		if err != nil {
			return fmt.Errorf("reload table %q: %w", t.Name, err)
		}
		ch.Deleted, _ = res.RowsAffected()
		q = fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s s WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE t.%s = ? AND %s)`,
			tbl, columnList(t), columnList(t), stg, tbl, tenantCol, same)
		if res, err = c.ExecContext(ctx, q, r.tenant); err != nil {
			return fmt.Errorf("reload table %q: %w", t.Name, err)
		}
		ch.Inserted, _ = res.RowsAffected()
		return saveState(ctx, c, st)
	})
	if err != nil {
		return ch, err
	}
	ch.Deleted -= ch.Updated
	ch.Inserted -= ch.Updated
	return ch, nil
}

func (r *replacement) Abort() error { return r.s.close() }

// States returns every stored state row.
func (d *Destination) States(ctx context.Context) ([]connectors.State, error) {
	var exists bool
	err := d.db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables()
		WHERE table_name = ? AND schema_name = 'main' AND database_name = current_database()`, stateTable).Scan(&exists)
	if err != nil || !exists {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT table_name, tenant,
		coalesce(address, ''), coalesce(watermark, ''), watermark_at,
		coalesce(watermark_type, ''), coalesce(cursor, ''),
		coalesce(config_hash, ''), coalesce(schema_hash, ''),
		coalesce(serial, 0), run_started, coalesce(run_rows, 0), updated_at
		FROM "_syncctl_state" ORDER BY table_name, tenant`)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stateTable, err)
	}
	defer rows.Close()
	var out []connectors.State
	for rows.Next() {
		var s connectors.State
		var wat, started, updated sql.NullTime
		if err := rows.Scan(&s.Table, &s.Tenant, &s.Address, &s.Watermark,
			&wat, &s.WatermarkType, &s.Cursor, &s.ConfigHash, &s.SchemaHash,
			&s.Serial, &started, &s.RunRows, &updated); err != nil {
			return nil, err
		}
		s.WatermarkAt, s.RunStarted, s.UpdatedAt = wat.Time, started.Time, updated.Time
		out = append(out, s)
	}
	return out, rows.Err()
}

// saveState upserts st inside the caller's transaction and sets its new
// serial. A table's state row exists after its first commit, so the
// usual case is one UPDATE, which leaves the primary key's index alone.
func saveState(ctx context.Context, c *sql.Conn, st *connectors.State) error {
	if st == nil {
		return nil
	}
	if st.UpdatedAt.IsZero() {
		st.UpdatedAt = time.Now().UTC()
	}
	err := c.QueryRowContext(ctx, `UPDATE "_syncctl_state" SET address = ?,
		watermark = ?, watermark_at = ?, watermark_type = ?, cursor = ?,
		config_hash = ?, schema_hash = ?, serial = coalesce(serial, 0) + 1,
		run_started = ?, run_rows = ?, updated_at = ?, format_version = ?
		WHERE table_name = ? AND tenant = ? RETURNING serial`,
		st.Address, nullString(st.Watermark), nullTime(st.WatermarkAt),
		nullString(st.WatermarkType), nullString(st.Cursor), st.ConfigHash,
		st.SchemaHash, nullTime(st.RunStarted), st.RunRows, st.UpdatedAt,
		stateFormat, st.Table, st.Tenant).Scan(&st.Serial)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("save state of %s: %w", st.Address, err)
	}
	st.Serial = 1
	_, err = c.ExecContext(ctx, `INSERT INTO "_syncctl_state"
		(table_name, tenant, address, watermark, watermark_at, watermark_type,
		 cursor, config_hash, schema_hash, serial, run_started, run_rows,
		 updated_at, format_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.Table, st.Tenant, st.Address, nullString(st.Watermark),
		nullTime(st.WatermarkAt), nullString(st.WatermarkType),
		nullString(st.Cursor), st.ConfigHash, st.SchemaHash, st.Serial,
		nullTime(st.RunStarted), st.RunRows, st.UpdatedAt, stateFormat)
	if err != nil {
		return fmt.Errorf("save state of %s: %w", st.Address, err)
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// converter turns a row value into what the appender takes for a column.
type converter func(any) (sqldriver.Value, error)

func converterFor(c connectors.Column, key bool) converter {
	conv := baseConverter(c)
	if !key {
		return conv
	}
	return func(v any) (sqldriver.Value, error) {
		if v == nil {
			return nil, fmt.Errorf("NULL in a primary key column")
		}
		return conv(v)
	}
}

// typed accepts values of one Go type (and nil) unchanged.
func typed[T any](what string) converter {
	return func(v any) (sqldriver.Value, error) {
		switch v.(type) {
		case nil, T:
			return v, nil
		}
		return nil, fmt.Errorf("want %s, got %T", what, v)
	}
}

func baseConverter(c connectors.Column) converter {
	switch c.Type {
	case connectors.TypeDecimal:
		_, scale := decimalShape(c)
		return decimalConverter(int32(scale), c)
	case connectors.TypeUUID:
		return func(v any) (sqldriver.Value, error) {
			switch u := v.(type) {
			case nil:
				return nil, nil
			case [16]byte:
				return duckdb.UUID(u), nil
			}
			return nil, fmt.Errorf("want a UUID, got %T", v)
		}
	case connectors.TypeInt:
		lo, hi := intRange(c.Bits)
		return func(v any) (sqldriver.Value, error) {
			switch n := v.(type) {
			case nil:
				return nil, nil
			case int64:
				if n < lo || n > hi {
					return nil, fmt.Errorf("%d is out of range for %s", n, columnType(c))
				}
				return n, nil
			}
			return nil, fmt.Errorf("want an integer, got %T", v)
		}
	case connectors.TypeString:
		return typed[string]("a string")
	case connectors.TypeBool:
		return typed[bool]("a boolean")
	case connectors.TypeFloat:
		return typed[float64]("a float")
	case connectors.TypeTimestamp, connectors.TypeDate:
		return typed[time.Time]("a time")
	case connectors.TypeBinary:
		return typed[[]byte]("bytes")
	}
	return func(v any) (sqldriver.Value, error) { return v, nil }
}

// intRange is the range of an integer column.
func intRange(bits int) (int64, int64) {
	switch bits {
	case 8, 16:
		return math.MinInt16, math.MaxInt16
	case 32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// decimalConverter rescales exact decimals to the column's scale, and
// refuses values that would lose digits or overflow 38 digits.
func decimalConverter(scale int32, c connectors.Column) converter {
	var ctx = apd.Context{Precision: 80, MaxExponent: apd.MaxExponent,
		MinExponent: apd.MinExponent, Traps: apd.DefaultTraps}
	p, _ := decimalShape(c)
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
	return func(v any) (sqldriver.Value, error) {
		var d *apd.Decimal
		switch x := v.(type) {
		case nil:
			return nil, nil
		case apd.Decimal:
			d = new(apd.Decimal) // not &x, which would escape
			d.Set(&x)
		case *apd.Decimal:
			if x == nil {
				return nil, nil
			}
			d = x
		default:
			return nil, fmt.Errorf("want a decimal, got %T", v)
		}
		if n, ok := smallDecimal(d, scale, p); ok {
			return n, nil
		}
		var q apd.Decimal
		cond, err := ctx.Quantize(&q, d, -scale)
		if err != nil || cond.Inexact() || cond.Rounded() {
			return nil, fmt.Errorf("value %s does not fit DECIMAL(%d,%d) without rounding", d.Text('f'), p, scale)
		}
		if q.Coeff.IsInt64() {
			n := q.Coeff.Int64()
			if p >= 19 || n < pow10[p] {
				if q.Negative {
					n = -n
				}
				return n, nil
			}
		}
		b := q.Coeff.MathBigInt()
		if b.CmpAbs(limit) >= 0 {
			return nil, fmt.Errorf("value %s does not fit DECIMAL(%d,%d)", d.Text('f'), p, scale)
		}
		if q.Negative {
			b.Neg(b)
		}
		return b, nil
	}
}

// smallDecimal returns the unscaled value of d at scale when that needs
// no rounding and fits an int64 and the precision p: the usual case of a
// value with at most scale fraction digits, which then skips apd's
// Quantize. Other values take the general path.
func smallDecimal(d *apd.Decimal, scale int32, p int) (int64, bool) {
	shift := d.Exponent + scale // zeros to append
	if d.Form != apd.Finite || shift < 0 || shift >= int32(len(pow10)) ||
		!d.Coeff.IsInt64() {
		return 0, false
	}
	n, m := d.Coeff.Int64(), pow10[shift]
	if n > math.MaxInt64/m {
		return 0, false
	}
	n *= m
	if p < len(pow10) && n >= pow10[p] {
		return 0, false
	}
	if d.Negative {
		n = -n
	}
	return n, true
}
