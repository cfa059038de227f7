package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/syncctl/syncctl/connectors"
)

// StateTable is the table that holds one state row per destination table
// and tenant. The DuckDB destination uses the same layout.
const StateTable = "_syncctl_state"

// formatVersion is the layout version of the state rows this package
// writes; rows of a newer version are refused.
const formatVersion = 1

const stateColumns = `table_name, tenant, address, watermark, watermark_at,
watermark_type, "cursor", config_hash, schema_hash, serial, run_started,
run_rows, updated_at, format_version`

const createStateTable = `CREATE TABLE IF NOT EXISTS %s (
	table_name     text NOT NULL,
	tenant         text NOT NULL,
	address        text,
	watermark      text,
	watermark_at   timestamp with time zone,
	watermark_type text,
	"cursor"       text,
	config_hash    text,
	schema_hash    text,
	serial         bigint NOT NULL,
	run_started    timestamp with time zone,
	run_rows       bigint,
	updated_at     timestamp with time zone,
	format_version integer NOT NULL,
	PRIMARY KEY (table_name, tenant)
)`

// upsertState stores a state row, growing its serial by one.
const upsertState = `INSERT INTO %[1]s AS s (` + stateColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11,
	coalesce($12, now()), $13)
ON CONFLICT (table_name, tenant) DO UPDATE SET
	address = EXCLUDED.address,
	watermark = EXCLUDED.watermark,
	watermark_at = EXCLUDED.watermark_at,
	watermark_type = EXCLUDED.watermark_type,
	"cursor" = EXCLUDED."cursor",
	config_hash = EXCLUDED.config_hash,
	schema_hash = EXCLUDED.schema_hash,
	serial = s.serial + 1,
	run_started = EXCLUDED.run_started,
	run_rows = EXCLUDED.run_rows,
	updated_at = EXCLUDED.updated_at,
	format_version = EXCLUDED.format_version
RETURNING serial, updated_at`

// setup creates the schema and the state table when they are missing,
// serialised with other runs by a transaction-level advisory lock.
func (d *Destination) setup(ctx context.Context) error {
	err := d.pool.with(ctx, func(c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			return d.createState(ctx, tx)
		})
	})
	if err != nil {
		return fmt.Errorf("create schema %q and state table: %w",
			d.schema, err)
	}
	return nil
}

func (d *Destination) createState(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(
			hashtext('syncctl.ddl'), hashtext($1))`, d.schema)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+
		pgx.Identifier{d.schema}.Sanitize())
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, fmt.Sprintf(createStateTable, d.ident(StateTable)))
	return err
}

// States returns every stored state row, ordered by table and tenant.
func (d *Destination) States(ctx context.Context) ([]connectors.State, error) {
	var states []connectors.State
	err := d.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT "+stateColumns+" FROM "+
			d.ident(StateTable)+" ORDER BY table_name, tenant")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			st, err := scanState(rows)
			if err != nil {
				return err
			}
			states = append(states, st)
		}
		return rows.Err()
	})
	switch code := sqlState(err); {
	case code == codeUndefinedTable || code == codeInvalidSchema:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", StateTable, err)
	}
	return states, nil
}

func scanState(rows pgx.Rows) (connectors.State, error) {
	var st connectors.State
	var addr, wm, wmType, cursor, cfgHash, schemaHash pgtype.Text
	var wmAt, started, updated pgtype.Timestamptz
	var runRows pgtype.Int8
	var version int
	err := rows.Scan(&st.Table, &st.Tenant, &addr, &wm, &wmAt, &wmType,
		&cursor, &cfgHash, &schemaHash, &st.Serial, &started, &runRows,
		&updated, &version)
	if err != nil {
		return st, err
	}
	if version > formatVersion {
		return st, fmt.Errorf("state of table %q, tenant %q has format "+
			"version %d; this syncctl reads up to %d, upgrade it",
			st.Table, st.Tenant, version, formatVersion)
	}
	st.Address, st.Watermark = addr.String, wm.String
	st.WatermarkType, st.Cursor = wmType.String, cursor.String
	st.ConfigHash, st.SchemaHash = cfgHash.String, schemaHash.String
	st.WatermarkAt, st.RunStarted = utc(wmAt), utc(started)
	st.UpdatedAt, st.RunRows = utc(updated), runRows.Int64
	return st, nil
}

func utc(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// saveState stores st in tx and returns the stored serial and update
// time, for the caller to copy into st once the transaction commits. A
// nil st stores nothing; an empty st.Table means table.
func (d *Destination) saveState(ctx context.Context, tx pgx.Tx,
	table string, st *connectors.State) (savedState, error) {
	if st == nil {
		return savedState{}, nil
	}
	if st.Table != "" {
		table = st.Table
	}
	var s savedState
	err := tx.QueryRow(ctx, fmt.Sprintf(upsertState, d.ident(StateTable)),
		table, st.Tenant, text(st.Address), text(st.Watermark),
		instant(st.WatermarkAt), text(st.WatermarkType), text(st.Cursor),
		text(st.ConfigHash), text(st.SchemaHash), instant(st.RunStarted),
		st.RunRows, instant(st.UpdatedAt), formatVersion,
	).Scan(&s.serial, &s.updated)
	if err != nil {
		return s, fmt.Errorf("save state of tenant %q: %w", st.Tenant, err)
	}
	s.st = st
	return s, nil
}

// savedState is what saveState stored.
type savedState struct {
	st      *connectors.State
	serial  int64
	updated time.Time
}

// apply copies the stored serial (and update time, when st had none)
// into the state that was saved.
func (s savedState) apply() {
	if s.st == nil {
		return
	}
	s.st.Serial = s.serial
	if s.st.UpdatedAt.IsZero() {
		s.st.UpdatedAt = s.updated.UTC()
	}
}

// text stores an empty string as NULL.
func text(s string) pgtype.Text {
	return pgtype.Text{String: s, Valid: s != ""}
}

// instant stores the zero time as NULL.
func instant(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}
