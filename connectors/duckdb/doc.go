// Package duckdb is the embedded DuckDB destination: one database file on
// the local disk, written by one process at a time.
//
// Rows are appended with DuckDB's appender into a connection-local staging
// table, then merged into the live table in one transaction together with
// the table's state row. Rows equal to the stored ones are left alone, so
// re-reading a window changes nothing. A full reload stages every row and
// swaps the tenant's rows in one transaction.
//
// Types map as follows:
//
//	string     VARCHAR
//	int        SMALLINT, INTEGER or BIGINT (by width)
//	float      DOUBLE
//	decimal    DECIMAL(p,s); p is 38 when the source gives none;
//	           variable scale is DECIMAL(38,10) unless overridden
//	bool       BOOLEAN
//	timestamp  TIMESTAMPTZ (microseconds)
//	date       DATE
//	uuid       UUID
//	binary     BLOB
package duckdb
