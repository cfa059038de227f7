package connectortest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// Harness connects the destination suite to one implementation.
type Harness struct {
	// Open returns a fresh, empty destination. It registers its own
	// cleanup with t, which must tolerate a destination the suite has
	// already closed.
	Open func(t *testing.T) connectors.Destination

	// Reopen returns a second, independent handle on the database of d,
	// as another run would open it, for lock contention. It is optional:
	// when nil, the subtests that need it are skipped.
	Reopen func(t *testing.T, d connectors.Destination) connectors.Destination

	// Query returns every row of table in d with the columns in the order
	// Describe reports them, each value normalised (see Normalize):
	// string, int64, float64, decimal text, bool, time.Time in UTC,
	// [16]byte, []byte or nil. Rows may come in any order; the suite
	// sorts them by key.
	Query func(t *testing.T, d connectors.Destination, table string) [][]any
}

// TestDestination runs the destination conformance suite: every
// destination must pass it. Each subtest opens its own destination.
func TestDestination(t *testing.T, h Harness) {
	if h.Open == nil || h.Query == nil {
		t.Fatal("connectortest: Harness.Open and Harness.Query are required")
	}
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"Create", testCreate},
		{"Merge", testMerge},
		{"Delete", testDelete},
		{"State", testState},
		{"FailedMerge", testFailedMerge},
		{"Replace", testReplace},
		{"Drop", testDrop},
		{"AddColumns", testAddColumns},
		{"Identifiers", testIdentifiers},
		{"Values", testValues},
		{"Concurrent", testConcurrent},
		{"Lock", testLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, h) })
	}
}

// Column constructors for the fixtures.
func strCol(name string) connectors.Column {
	return connectors.Column{Name: name, Type: connectors.TypeString,
		Nullable: true}
}

func intCol(name string, bits int) connectors.Column {
	return connectors.Column{Name: name, Type: connectors.TypeInt,
		Bits: bits, Nullable: true}
}

func decCol(name string, precision, scale int) connectors.Column {
	return connectors.Column{Name: name, Type: connectors.TypeDecimal,
		Precision: precision, Scale: scale, Nullable: true}
}

func col(name string, typ connectors.Type) connectors.Column {
	return connectors.Column{Name: name, Type: typ, Nullable: true}
}

// orders is a table with a column of every type, keyed by tenant, order
// number and line number.
func orders(name string) *connectors.Table {
	return &connectors.Table{
		Name: name,
		Columns: []connectors.Column{
			strCol(connectors.TenantColumn),
			strCol("OrderNbr"),
			intCol("LineNbr", 32),
			strCol("Description"),
			decCol("Qty", 18, 4),
			decCol("Amount", 0, connectors.VariableScale),
			col("Price", connectors.TypeFloat),
			intCol("Small", 16),
			intCol("Big", 64),
			col("Open", connectors.TypeBool),
			col("Modified", connectors.TypeTimestamp),
			col("Date", connectors.TypeDate),
			col("NoteID", connectors.TypeUUID),
			col("Image", connectors.TypeBinary),
			col(connectors.SyncedAtColumn, connectors.TypeTimestamp),
		},
		Key: []string{connectors.TenantColumn, "OrderNbr", "LineNbr"},
	}
}

// Column positions in an orders row.
const (
	oTenant      = 0
	oDescription = 3
	oQty         = 4
	oSyncedAt    = 14
)

// order returns row n of tenant in the orders table at the given
// version, synced at synced. Versions differ in Description and Qty.
func order(tenant string, n, version int, synced time.Time) []any {
	base := time.Date(2024, 3, 10, 14, 30, 0, 0, time.UTC)
	return []any{
		tenant,
		fmt.Sprintf("SO%06d", n),
		int64(n % 3),
		fmt.Sprintf("order %d version %d", n, version),
		dec(fmt.Sprintf("%d.%04d", n*version, n%10000)),
		dec(fmt.Sprintf("-%d.125", n)),
		float64(n) / 4,
		int64(n % 100),
		int64(n) << 40,
		n%2 == 0,
		base.Add(time.Duration(n) * time.Minute),
		time.Date(2024, 1, 1+n%28, 0, 0, 0, 0, time.UTC),
		[16]byte{15: byte(n), 0: 0xa0},
		[]byte{byte(n), 0, 0xff},
		synced,
	}
}

// orderRows returns rows from..to of tenant.
func orderRows(tenant string, from, to, version int, synced time.Time) [][]any {
	var rows [][]any
	for n := from; n <= to; n++ {
		rows = append(rows, order(tenant, n, version, synced))
	}
	return rows
}

// dec parses a decimal literal of the fixtures.
func dec(s string) apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(fmt.Sprintf("connectortest: bad decimal %q: %v", s, err))
	}
	return *d
}

// Sync times of successive runs.
var (
	t1 = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	t2 = t1.Add(time.Hour)
	t3 = t2.Add(time.Hour)
)

func describe(t *testing.T, d connectors.Destination, name string) *connectors.Table {
	t.Helper()
	got, err := d.Describe(context.Background(), name)
	if err != nil {
		t.Fatalf("Describe(%q): %v", name, err)
	}
	return got
}

func prepare(t *testing.T, d connectors.Destination, tbl *connectors.Table) {
	t.Helper()
	if err := d.Prepare(context.Background(), tbl); err != nil {
		t.Fatalf("Prepare(%q): %v", tbl.Name, err)
	}
}

// merge merges rows and a state for tenant, and checks the change.
func merge(t *testing.T, d connectors.Destination, tbl *connectors.Table,
	tenant string, rows [][]any, want connectors.Change) *connectors.State {
	t.Helper()
	st := &connectors.State{Table: tbl.Name, Tenant: tenant,
		Address: "table." + tbl.Name, RunStarted: t1, RunRows: int64(len(rows))}
	got, err := d.Merge(context.Background(), tbl, rows, nil, st)
	if err != nil {
		t.Fatalf("Merge(%q, %d rows): %v", tbl.Name, len(rows), err)
	}
	if got != want {
		t.Errorf("Merge(%q, %d rows) = %+v; want %+v", tbl.Name,
			len(rows), got, want)
	}
	return st
}

// states returns the stored states of table, by tenant.
func states(t *testing.T, d connectors.Destination, table string) map[string]connectors.State {
	t.Helper()
	all, err := d.States(context.Background())
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	m := map[string]connectors.State{}
	for _, st := range all {
		if st.Table == table {
			m[st.Tenant] = st
		}
	}
	return m
}

// concat joins row slices.
func concat(parts ...[][]any) [][]any {
	var rows [][]any
	for _, p := range parts {
		rows = append(rows, p...)
	}
	return rows
}
