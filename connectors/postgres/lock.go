package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/syncctl/syncctl/connectors"
)

// Table locks are session-level advisory locks keyed by
// (hashtext('syncctl'), hashtext('<schema>.<table>')), held on one
// dedicated connection per Destination. They are released by unlock, by
// Close, or by the server when the connection ends, so a crashed run
// never leaves a table locked.
const (
	tryLockSQL = `SELECT pg_try_advisory_lock(hashtext('syncctl'),
	hashtext($1))`
	unlockSQL = `SELECT pg_advisory_unlock(hashtext('syncctl'),
	hashtext($1))`
	holderSQL = `SELECT l.pid, a.application_name, a.backend_start,
	a.usename, host(a.client_addr)
FROM pg_catalog.pg_locks l
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_catalog.pg_database
                    WHERE datname = current_database())
  AND l.classid = hashtext('syncctl')::oid
  AND l.objid = hashtext($1)::oid
LIMIT 1`
)

// LockedError reports a table locked by another run. It wraps
// connectors.ErrLocked. Fields the server does not show to the current
// user are empty.
type LockedError struct {
	Table           string
	PID             int32
	ApplicationName string
	User            string
	ClientAddr      string
	Since           time.Time // when the holder connected
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("table %q is locked by another run", e.Table)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "table %q is locked by another run "+
		"(application_name %q, pid %d", e.Table, e.ApplicationName, e.PID)
	if e.User != "" {
		fmt.Fprintf(&b, ", user %q", e.User)
	}
	if e.ClientAddr != "" {
		fmt.Fprintf(&b, ", client %s", e.ClientAddr)
	}
	if !e.Since.IsZero() {
		fmt.Fprintf(&b, ", since %s", e.Since.UTC().Format(time.RFC3339))
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap returns connectors.ErrLocked.
func (e *LockedError) Unwrap() error { return connectors.ErrLocked }

// locker holds a Destination's table locks on one connection.
type locker struct {
	d *Destination

	mu   sync.Mutex
	conn *pgx.Conn
	held map[string]bool
}

// Lock takes the advisory lock of table, without waiting. When another
// session holds it, the error is a *LockedError naming the holder. Locking
// a table this Destination already holds is an error too. The returned
// unlock is safe to call more than once.
func (d *Destination) Lock(ctx context.Context, table string) (func() error, error) {
	if err := d.locker.lock(ctx, table); err != nil {
		return nil, err
	}
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() { err = d.locker.unlock(table) })
		return err
	}, nil
}

func (l *locker) key(table string) string {
	return l.d.schema + "." + table
}

func (l *locker) lock(ctx context.Context, table string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[table] {
		return fmt.Errorf("table %q is already locked by this run: %w",
			table, connectors.ErrLocked)
	}
	if l.conn == nil || l.conn.IsClosed() {
		conn, err := pgx.ConnectConfig(ctx, l.d.connCfg.Copy())
		if err != nil {
			return l.d.cfg.redact(fmt.Errorf("lock table %q: connect: %w",
				table, err))
		}
		l.conn, l.held = conn, map[string]bool{}
	}
	var ok bool
	err := l.conn.QueryRow(ctx, tryLockSQL, l.key(table)).Scan(&ok)
	if err != nil {
		return fmt.Errorf("lock table %q: %w", table, err)
	}
	if !ok {
		return l.holder(ctx, table)
	}
	l.held[table] = true
	return nil
}

// holder returns the error naming the session that holds table's lock.
func (l *locker) holder(ctx context.Context, table string) error {
	e := &LockedError{Table: table}
	var app, user, addr pgtype.Text
	var since pgtype.Timestamptz
	err := l.conn.QueryRow(ctx, holderSQL, l.key(table)).Scan(&e.PID,
		&app, &since, &user, &addr)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("lock table %q: find holder: %w", table, err)
	}
	e.ApplicationName, e.User, e.ClientAddr = app.String, user.String,
		addr.String
	if since.Valid {
		e.Since = since.Time
	}
	return e
}

func (l *locker) unlock(table string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held[table] {
		return nil
	}
	delete(l.held, table)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var ok bool
	err := l.conn.QueryRow(ctx, unlockSQL, l.key(table)).Scan(&ok)
	if err != nil {
		return fmt.Errorf("unlock table %q: %w", table, err)
	}
	if !ok {
		return fmt.Errorf("unlock table %q: the lock was not held; "+
			"the lock connection was lost", table)
	}
	return nil
}

// heldSQL tells whether a session still holds a table's lock.
const heldSQL = `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND pid = $1
  AND classid = hashtext('syncctl')::oid AND objid = hashtext($2)::oid)`

// check fails when this Destination took table's lock but no longer
// holds it, because its lock connection ended: another run may be
// writing the table, and committing now could set its state back.
func (l *locker) check(ctx context.Context, tx pgx.Tx, table string) error {
	l.mu.Lock()
	held := l.held[table]
	var pid uint32
	if held && l.conn != nil {
		pid = l.conn.PgConn().PID()
	}
	l.mu.Unlock()
	if !held {
		return nil
	}
	var ok bool
	err := tx.QueryRow(ctx, heldSQL, int64(pid), l.key(table)).Scan(&ok)
	if err != nil {
		return fmt.Errorf("check the lock of table %q: %w", table, err)
	}
	if !ok {
		return fmt.Errorf("the lock of table %q was lost with its "+
			"connection; another run may hold it now: %w", table,
			connectors.ErrLocked)
	}
	return nil
}

// holds reports whether this Destination holds table's lock.
func (l *locker) holds(table string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[table]
}

// closeConn ends the lock connection, releasing every lock.
func (l *locker) closeConn() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Give the locks back before closing: the server releases a closed
	// connection's locks only once it notices the disconnect, and the
	// next run must not see them.
	// An error here means the connection is gone, and its locks with it.
	_, _ = l.conn.Exec(ctx, "SELECT pg_advisory_unlock_all()")
	err := l.conn.Close(ctx)
	l.conn, l.held = nil, nil
	return err
}
