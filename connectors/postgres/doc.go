// Package postgres is the PostgreSQL destination: it registers the
// destination type "postgres" and loads batches into tables of one schema,
// keeping per-table state and advisory locks in the same database.
//
// # Configuration
//
//	destination "postgres" "warehouse" {
//	  host     = "db.example.com"
//	  database = "analytics"
//	  user     = "syncctl"
//	  password = env("PGPASSWORD")
//	  schema   = "acumatica"
//	}
//
// The url attribute takes a whole connection string instead (a
// postgres:// URL or key=value pairs), which may hold a password and is
// therefore sensitive as a whole.
//
// # Types
//
// Logical column types map onto PostgreSQL types as follows.
//
//	| syncctl type              | PostgreSQL type          |
//	|---------------------------|--------------------------|
//	| string                    | text                     |
//	| int, 16 bits              | smallint                 |
//	| int, 32 bits              | integer                  |
//	| int, 64 bits or unknown   | bigint                   |
//	| float                     | double precision         |
//	| decimal, precision p,     | numeric(p,s);            |
//	| scale s                   | p is 38 when unknown     |
//	| decimal, variable scale   | numeric                  |
//	| bool                      | boolean                  |
//	| timestamp                 | timestamp with time zone |
//	| date                      | date                     |
//	| uuid                      | uuid                     |
//	| binary                    | bytea                    |
//
// Values are checked before they are sent: a decimal with more digits
// before or after the decimal point than its column holds, an integer
// out of its column's range, a string with a NUL character or invalid
// UTF-8, or a value of the wrong Go type fails the whole batch with the
// table, row and column named; nothing is rounded. Timestamps are stored
// with microsecond precision: finer fractions are truncated, not
// rounded. Dates are the calendar date of the time.Time in its own
// location.
//
// # Loading
//
// Every table gets a primary key on its key columns (_tenant first). A
// merge copies its batch into a temporary table, then in one transaction
// updates the rows whose values changed (_synced_at aside), inserts the
// new ones and upserts the table's row in _syncctl_state, whose serial
// grows by one per commit. Rows equal to the stored ones are not written
// at all. A full reload stages the tenant's rows in an unlogged table
// _syncctl_stage_<table>_<n>, then swaps them in with one transaction
// that deletes, updates and inserts only what differs; the live table is
// never dropped or renamed, so views on it stay valid.
//
// # Locks
//
// Lock takes a session advisory lock per table on a connection that the
// Destination keeps for the run. A second run fails fast with an error
// naming the holder's application_name, pid and connection time, as
// pg_stat_activity shows them. The server releases the locks of a run
// whose connection ends.
package postgres
