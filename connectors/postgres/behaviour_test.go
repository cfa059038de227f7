package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/connectors"
)

// Behaviour particular to PostgreSQL, beyond the conformance suite.

var synced = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

func decimal(s string) apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return *d
}

// amounts is a small table: (_tenant, id) -> amount numeric(10,2), note.
func amounts(name string) *connectors.Table {
	return &connectors.Table{
		Name: name,
		Columns: []connectors.Column{
			{Name: connectors.TenantColumn, Type: connectors.TypeString},
			{Name: "id", Type: connectors.TypeInt, Bits: 64},
			{Name: "amount", Type: connectors.TypeDecimal, Precision: 10,
				Scale: 2},
			{Name: "note", Type: connectors.TypeString},
			{Name: connectors.SyncedAtColumn, Type: connectors.TypeTimestamp},
		},
		Key: []string{connectors.TenantColumn, "id"},
	}
}

func amountRow(id int64, amount, note string) []any {
	return []any{"Company", id, decimal(amount), note, synced}
}

// exec runs SQL against the destination's database, for tests.
func exec(t *testing.T, d *Destination, sql string, args ...any) {
	t.Helper()
	if err := d.exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryValue[T any](t *testing.T, d *Destination, sql string, args ...any) T {
	t.Helper()
	var v T
	ctx := context.Background()
	err := d.pool.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, sql, args...).Scan(&v)
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func TestPostgres(t *testing.T) {
	db := testDatabase(t)
	tests := []struct {
		name string
		run  func(*testing.T, *Destination)
	}{
		{"TypeMapping", testTypeMapping},
		{"EqualRowsNotWritten", testEqualRowsNotWritten},
		{"DuplicateKeysLastWins", testDuplicateKeys},
		{"DecimalScale", testDecimalScale},
		{"BadStrings", testBadStrings},
		{"ReplaceKeepsViews", testReplaceKeepsViews},
		{"StaleStages", testStaleStages},
		{"PrepareConflicts", testPrepareConflicts},
		{"LockedError", testLockedError},
		{"LostLock", testLostLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, openTest(t, db)) })
	}
	t.Run("Inspect", func(t *testing.T) { testInspect(t, db) })
}

// testTypeMapping checks the column types doc.go documents.
func testTypeMapping(t *testing.T, d *Destination) {
	cols := []struct {
		col  connectors.Column
		want string
	}{
		{connectors.Column{Type: connectors.TypeString}, "text"},
		{connectors.Column{Type: connectors.TypeInt, Bits: 16}, "smallint"},
		{connectors.Column{Type: connectors.TypeInt, Bits: 32}, "integer"},
		{connectors.Column{Type: connectors.TypeInt, Bits: 64}, "bigint"},
		{connectors.Column{Type: connectors.TypeInt}, "bigint"},
		{connectors.Column{Type: connectors.TypeFloat}, "double precision"},
		{connectors.Column{Type: connectors.TypeDecimal, Precision: 18,
			Scale: 4}, "numeric(18,4)"},
		{connectors.Column{Type: connectors.TypeDecimal, Scale: 2},
			"numeric(38,2)"},
		{connectors.Column{Type: connectors.TypeDecimal,
			Scale: connectors.VariableScale}, "numeric"},
		{connectors.Column{Type: connectors.TypeBool}, "boolean"},
		{connectors.Column{Type: connectors.TypeTimestamp},
			"timestamp with time zone"},
		{connectors.Column{Type: connectors.TypeDate}, "date"},
		{connectors.Column{Type: connectors.TypeUUID}, "uuid"},
		{connectors.Column{Type: connectors.TypeBinary}, "bytea"},
	}
	tbl := &connectors.Table{Name: "types", Key: []string{"c0"}}
	for i, c := range cols {
		c.col.Name = fmt.Sprintf("c%d", i)
		tbl.Columns = append(tbl.Columns, c.col)
	}
	if err := d.Prepare(context.Background(), tbl); err != nil {
		t.Fatal(err)
	}
	got, err := d.Describe(context.Background(), "types")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		if got.Columns[i].SourceType != c.want {
			t.Errorf("column of %s %d bits precision %d scale %d is %s; "+
				"want %s", c.col.Type, c.col.Bits, c.col.Precision,
				c.col.Scale, got.Columns[i].SourceType, c.want)
		}
	}
}

// testEqualRowsNotWritten checks that equal rows keep their physical
// version: no dead tuples, no WAL for re-reads.
func testEqualRowsNotWritten(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("amounts")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{amountRow(1, "1.50", "a"), amountRow(2, "2", "b")}
	if _, err := d.Merge(ctx, tbl, rows, nil, nil); err != nil {
		t.Fatal(err)
	}
	sql := "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM " +
		d.ident(tbl.Name)
	before := queryValue[string](t, d, sql)
	rows[0][2] = decimal("1.5") // equal as a number
	rows[1][4] = synced.Add(time.Hour)
	ch, err := d.Merge(ctx, tbl, rows, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after := queryValue[string](t, d, sql); after != before ||
		ch != (connectors.Change{}) {
		t.Errorf("re-merge changed %+v, row versions %s -> %s; want none",
			ch, before, after)
	}
}

// testDuplicateKeys merges a batch that holds one key twice.
func testDuplicateKeys(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("dups")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{amountRow(1, "1", "first"), amountRow(2, "2", "x"),
		amountRow(1, "1", "last")}
	ch, err := d.Merge(ctx, tbl, rows, nil, nil)
	if err != nil {
		t.Fatalf("Merge with a duplicate key: %v", err)
	}
	if ch.Inserted != 2 {
		t.Errorf("Merge = %+v; want 2 inserted", ch)
	}
	got := queryValue[string](t, d, "SELECT note FROM "+d.ident("dups")+
		" WHERE id = 1")
	if got != "last" {
		t.Errorf("duplicate key kept %q; want the last row's %q", got, "last")
	}
}

// testDecimalScale checks that extra fraction digits fail instead of
// rounding, and that trailing zeros, which lose nothing, do not.
func testDecimalScale(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("scale")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		value string
		err   string // part of the error, "" for none
	}{
		{"1.50000", ""},
		{"12345678.00", ""},
		{"-99999999.99", ""},
		{"1E+2", ""},
		{"1.005", `column "amount" (numeric(10,2)): decimal 1.005 has 3 ` +
			`digits after the decimal point, more than the column's ` +
			`scale of 2`},
		{"123456789", "9 digits before the decimal point"},
		{"NaN", "not a finite number"},
		{"Infinity", "not a finite number"},
	}
	for i, tt := range tests {
		row := amountRow(int64(i), tt.value, "")
		_, err := d.Merge(ctx, tbl, [][]any{row}, nil, nil)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("Merge(%s) = %v; want no error", tt.value, err)
		case tt.err != "" && (err == nil ||
			!strings.Contains(err.Error(), tt.err)):
			t.Errorf("Merge(%s) = %v; want an error containing %q",
				tt.value, err, tt.err)
		}
	}
}

// testBadStrings checks strings PostgreSQL text cannot hold.
func testBadStrings(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("strings")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"nul\x00byte", "bad \xff utf-8"} {
		_, err := d.Merge(ctx, tbl, [][]any{amountRow(1, "1", s)}, nil, nil)
		if err == nil || !strings.Contains(err.Error(), `column "note"`) {
			t.Errorf("Merge(%q) = %v; want an error naming the column", s, err)
		}
	}
}

// testReplaceKeepsViews checks that a view on the table survives a full
// reload and sees the new rows.
func testReplaceKeepsViews(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("reloaded")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Merge(ctx, tbl, [][]any{amountRow(1, "1", "old")}, nil, nil); err != nil {
		t.Fatal(err)
	}
	exec(t, d, "CREATE VIEW "+d.ident("reloaded_view")+" AS SELECT * FROM "+
		d.ident("reloaded"))
	r, err := d.Replace(ctx, tbl, "Company")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Append(ctx, [][]any{amountRow(2, "2", "new")}); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Commit(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := connectors.Change{Inserted: 1, Deleted: 1}
	if ch != want {
		t.Errorf("Commit() = %+v; want %+v", ch, want)
	}
	got := queryValue[string](t, d, "SELECT string_agg(note, ',') FROM "+
		d.ident("reloaded_view"))
	if got != "new" {
		t.Errorf("view after Replace shows %q; want %q", got, "new")
	}
}

// testStaleStages checks that staging tables are dropped by Commit and
// Abort, and that those of a crashed run go at the next Replace.
func testStaleStages(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("staged")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	stale := stageName("staged", 7)
	exec(t, d, "CREATE TABLE "+d.ident(stale)+" (x int)")
	other := stageName("staged_2", 7)
	exec(t, d, "CREATE TABLE "+d.ident(other)+" (x int)")
	unlock, err := d.Lock(ctx, "staged")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	r, err := d.Replace(ctx, tbl, "Company")
	if err != nil {
		t.Fatal(err)
	}
	stages := func() string {
		return queryValue[string](t, d, `SELECT coalesce(string_agg(relname,
			',' ORDER BY relname), '') FROM pg_class WHERE relkind = 'r'
			AND relnamespace = $1::regnamespace
			AND relname LIKE '\_syncctl\_stage\_%'`,
			pgx.Identifier{d.schema}.Sanitize())
	}
	want := []string{other, r.(*replacement).stageName}
	slices.Sort(want)
	if got := stages(); got != strings.Join(want, ",") {
		t.Errorf("staging tables during Replace = %s; want %s", got, want)
	}
	if err := r.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := stages(); got != other {
		t.Errorf("staging tables after Abort = %s; want %s", got, other)
	}

	long := strings.Repeat("Ü", 31)
	if n := stageName(long, 4294967295); len(n) > maxIdentifier ||
		!strings.HasPrefix(n, stagePrefix) {
		t.Errorf("stageName(%q) = %q (%d bytes)", long, n, len(n))
	}
}

// testPrepareConflicts checks what Prepare refuses.
func testPrepareConflicts(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("conflicts")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	rekeyed := amounts("conflicts")
	rekeyed.Key = []string{connectors.TenantColumn, "note"}
	retyped := amounts("conflicts")
	retyped.Columns[3].Type = connectors.TypeInt
	long := amounts(strings.Repeat("x", 64))
	reserved := amounts("_syncctl_mine")
	tests := []struct {
		tbl  *connectors.Table
		want string
	}{
		{rekeyed, "primary key"},
		{retyped, `column "note" is text in the database`},
		{long, "PostgreSQL keeps at most 63"},
		{reserved, "syncctl keeps for itself"},
	}
	for _, tt := range tests {
		err := d.Prepare(ctx, tt.tbl)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Prepare(%s) = %v; want an error containing %q",
				tt.tbl.Name, err, tt.want)
		}
	}
}

// testLockedError checks the holder named by a contended lock.
func testLockedError(t *testing.T, d *Destination) {
	ctx := context.Background()
	other := openSchema(t, d.cfg.URL, d.schema)
	unlock, err := other.Lock(ctx, "sales_orders")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, err = d.Lock(ctx, "sales_orders")
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, connectors.ErrLocked) {
		t.Fatalf("Lock = %v; want a *LockedError", err)
	}
	pid := queryValue[int32](t, other, "SELECT pg_backend_pid()")
	if locked.ApplicationName != "syncctl-test" || locked.PID == 0 ||
		locked.PID == pid || locked.Since.IsZero() {
		t.Errorf("Lock error = %+v; want the holder's lock connection", locked)
	}
	want := `table "sales_orders" is locked by another run ` +
		`(application_name "syncctl-test", pid `
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Lock error = %q; want it to start %q", err, want)
	}

	// The same destination cannot take a table twice either.
	if _, err := other.Lock(ctx, "sales_orders"); !errors.Is(err,
		connectors.ErrLocked) {
		t.Errorf("second Lock by the holder = %v; want ErrLocked", err)
	}
}

// testInspect checks the read-only handle used by plans.
func testInspect(t *testing.T, db string) {
	ctx := context.Background()
	missing := &Config{URL: strings.Replace(db, "syncctl_test_",
		"syncctl_missing_", 1)}
	d, err := missing.Inspect(ctx, nil)
	if d != nil || err == nil || !strings.Contains(err.Error(), "create the database first") {
		t.Errorf("Inspect(missing database) = %v, %v; want an error saying to create it", d, err)
	}

	c := &Config{URL: db, Schema: "never_created"}
	d, err = c.Inspect(ctx, nil)
	if err != nil || d == nil {
		t.Fatalf("Inspect = %v, %v", d, err)
	}
	defer d.Close()
	if tbl, err := d.Describe(ctx, "t"); tbl != nil || err != nil {
		t.Errorf("Describe on a missing schema = %v, %v; want nil, nil",
			tbl, err)
	}
	if st, err := d.States(ctx); st != nil || err != nil {
		t.Errorf("States on a missing schema = %v, %v; want nil, nil", st, err)
	}
	if err := d.Prepare(ctx, amounts("t")); err == nil {
		t.Error("Prepare through Inspect succeeded; want a read-only error")
	}
}

// testLostLock checks that a batch does not commit once the connection
// holding its table's lock has ended.
func testLostLock(t *testing.T, d *Destination) {
	ctx := context.Background()
	tbl := amounts("lost")
	if err := d.Prepare(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	unlock, err := d.Lock(ctx, "lost")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	rows := [][]any{amountRow(1, "1", "a")}
	if _, err := d.Merge(ctx, tbl, rows, nil, nil); err != nil {
		t.Fatalf("Merge while locked: %v", err)
	}
	pid := int64(d.locker.conn.PgConn().PID())
	exec(t, d, "SELECT pg_terminate_backend($1)", pid)
	for i := 0; i < 50 && queryValue[bool](t, d, `SELECT EXISTS (SELECT 1
		FROM pg_stat_activity WHERE pid = $1)`, pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	_, err = d.Merge(ctx, tbl, rows, nil, nil)
	if !errors.Is(err, connectors.ErrLocked) {
		t.Errorf("Merge after the lock connection ended = %v; want ErrLocked",
			err)
	}
}
