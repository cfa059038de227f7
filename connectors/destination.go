package connectors

import (
	"context"
	"errors"
	"time"
)

// Columns syncctl adds to every destination table.
const (
	// TenantColumn holds the tenant a row came from; it is part of every
	// destination table's primary key.
	TenantColumn = "_tenant"
	// SyncedAtColumn holds the start time of the run that last changed the
	// row.
	SyncedAtColumn = "_synced_at"
)

// Table describes a destination table as the engine wants it.
type Table struct {
	// Name is the destination table name, used exactly (quoted).
	Name string
	// Columns are every column, the added ones included.
	Columns []Column
	// Key is the primary key, TenantColumn first.
	Key []string
}

// ColumnIndex returns the position of the named column, or -1.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// State is what a destination remembers about one table instance (one
// destination table and one tenant) between runs. Destinations store it
// in the same transaction as the rows it covers.
type State struct {
	Table  string `json:"table"`
	Tenant string `json:"tenant"`
	// Address is the configuration address of the table instance, for
	// display.
	Address string `json:"address"`
	// Watermark is the largest tracking value loaded, as text exactly as
	// the source sent it (lossless); empty before the first row.
	Watermark string `json:"watermark"`
	// WatermarkAt is Watermark parsed, and WatermarkType its logical type.
	WatermarkAt   time.Time `json:"watermark_at"`
	WatermarkType string    `json:"watermark_type"`
	// Cursor is the encoded keyset position of the last row of an
	// unfinished load, or empty when the last load finished.
	Cursor string `json:"cursor"`
	// ConfigHash and SchemaHash fingerprint the table's configuration and
	// its destination columns at the last commit.
	ConfigHash string `json:"config_hash"`
	SchemaHash string `json:"schema_hash"`
	// Serial grows by one on every commit of this state row.
	Serial int64 `json:"serial"`
	// Run statistics of the last (or current) run.
	RunStarted time.Time `json:"run_started"`
	RunRows    int64     `json:"run_rows"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Change counts what a commit did to a destination table.
type Change struct {
	Inserted int64
	Updated  int64
	Deleted  int64
}

// Add adds c2 to c.
func (c *Change) Add(c2 Change) {
	c.Inserted += c2.Inserted
	c.Updated += c2.Updated
	c.Deleted += c2.Deleted
}

// ErrLocked is returned (wrapped) when another process holds the lock a
// destination needs.
var ErrLocked = errors.New("destination is locked by another run")

// Destination loads rows into one database.
//
// Every method that writes commits atomically: either all its rows and the
// state are stored, or nothing is. Methods are safe for concurrent use on
// different tables; the engine never writes one table from two goroutines.
type Destination interface {
	// Describe returns the destination's current columns of table name,
	// or nil when the table does not exist.
	Describe(ctx context.Context, name string) (*Table, error)

	// Lock takes the exclusive right to write under name for the rest of
	// the run, and returns the function that gives it back. The engine
	// locks one name per table and tenant, since tenants share tables but
	// never rows. When another run
	// holds it, Lock fails fast with an error wrapping ErrLocked that
	// names the holder.
	Lock(ctx context.Context, table string) (unlock func() error, err error)

	// States returns every stored state row.
	States(ctx context.Context) ([]State, error)

	// Prepare creates t, or adds the columns t has and the destination
	// table lacks. It never drops or narrows columns.
	Prepare(ctx context.Context, t *Table) error

	// Merge upserts rows into t by its key, deletes the rows whose keys
	// are in deletes, and saves st, all in one transaction. Rows are
	// unique by key, and no key is both upserted and deleted. Each element
	// of deletes holds the key values of one row in t.Key order
	// (TenantColumn first); a key that is not stored is ignored, the ones
	// that are count in Change.Deleted. Rows equal to the stored ones
	// (ignoring SyncedAtColumn) are left untouched. With no rows and no
	// deletes, Merge only saves st. It sets st.Serial to the stored
	// serial.
	Merge(ctx context.Context, t *Table, rows, deletes [][]any, st *State) (Change, error)

	// Drop deletes table and every state row of it, for every tenant, in
	// one transaction, so that the next load starts from nothing. A
	// missing table is not an error.
	Drop(ctx context.Context, table string) error

	// Replace starts a full reload of one tenant's rows of t. Nothing is
	// visible until the Replacement commits.
	Replace(ctx context.Context, t *Table, tenant string) (Replacement, error)

	// Close releases the destination's connections and locks.
	Close() error
}

// Stager is implemented by destinations that can do part of a Merge
// before it commits. The engine stages a batch on the goroutine that
// reads, while the batch before it commits, so that preparing rows for
// the database overlaps with the database's commit work.
type Stager interface {
	// Stage prepares Merge(ctx, t, rows, deletes, st) without writing
	// anything visible. The engine stages and commits one table's batches
	// in order, one commit at a time, and commits or discards every
	// Staged it gets.
	Stage(ctx context.Context, t *Table, rows, deletes [][]any) (Staged, error)
}

// Staged is a merge prepared by Stage.
type Staged interface {
	// Commit runs the merge, saving st, as Merge does. It releases what
	// Stage took, whatever its outcome.
	Commit(ctx context.Context, st *State) (Change, error)
	// Discard releases what Stage took when Commit will not run.
	Discard()
}

// Replacement is a full reload in progress: rows go to staging, and Commit
// swaps them in for the tenant's rows in one transaction.
type Replacement interface {
	// Append stages rows, unique by key within the whole replacement.
	Append(ctx context.Context, rows [][]any) error
	// Commit swaps the staged rows in and saves st atomically.
	Commit(ctx context.Context, st *State) (Change, error)
	// Abort drops the staged rows. It is safe after Commit.
	Abort() error
}

// Counter is implemented by destinations that can count one tenant's
// rows of a table cheaply, for status output.
type Counter interface {
	// Count returns the number of rows of table whose TenantColumn is
	// tenant; a missing table counts 0.
	Count(ctx context.Context, table, tenant string) (int64, error)
}

// Materializations a Modeler supports.
const (
	MaterializeView  = "view"
	MaterializeTable = "table"
)

// Modeler is implemented by destinations that run SQL models.
type Modeler interface {
	// Materialize creates or replaces the view or table name (as kind
	// says) holding the result of query, atomically.
	Materialize(ctx context.Context, name, query, kind string) error
}
