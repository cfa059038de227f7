package connectors

import (
	"context"
	"time"
)

// ReadRequest says which rows of an entity a source reads, and in which
// order. Rows are always returned in a total order, so that a load can be
// checkpointed after any row and resumed after it:
//
//   - with Tracking set, ordered by (Tracking, Key...), starting at the
//     inclusive lower bound Since;
//   - without Tracking, ordered by Key.
//
// After, when set, resumes strictly after one position in that order: it
// holds the values of (Tracking, Key...) or (Key...) of the last row loaded.
type ReadRequest struct {
	Entity string
	// Columns are the columns to read, in the order rows carry them.
	Columns []string
	Key     []string
	// Tracking names the date column of an incremental read, or is empty.
	Tracking string
	// Since is the inclusive lower bound on Tracking; the zero time reads
	// from the beginning.
	Since time.Time
	After []any
	// PageSize is the number of rows asked for per request.
	PageSize int
}

// Source reads rows from one source instance (one tenant of one service).
//
// A Source is safe for use by one table at a time; the engine opens one per
// source instance and serialises the tables that share it, because one
// Acumatica session serialises its requests anyway. Transient failures
// (throttling, 5xx, dropped connections) are retried inside the source;
// errors it returns are final for the read.
type Source interface {
	// Entity describes the named entity set, from the service's metadata.
	Entity(ctx context.Context, name string) (*Entity, error)

	// Read streams the rows req asks for, in req's order, calling fn once
	// per row with one value per requested column. fn may keep the row:
	// the source never reuses it. Read stops at the first error fn returns
	// and returns it unchanged.
	Read(ctx context.Context, req *ReadRequest, fn func(row []any) error) error

	// Request returns the first request Read would send for req, with
	// secrets removed, for plans and logs.
	Request(req *ReadRequest) string

	// Close releases connections and ends the session with the service.
	Close() error
}
