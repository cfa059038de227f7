package duckdb

import (
	"context"
	"database/sql"
	"fmt"
)

// Drop drops table and deletes its state rows in one transaction.
func (d *Destination) Drop(ctx context.Context, table string) error {
	if d.readOnly {
		return errReadOnly
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	return d.inTx(ctx, conn, func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, "DROP TABLE IF EXISTS "+ident(table)); err != nil {
			return fmt.Errorf("drop table %q: %w", table, err)
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM "_syncctl_state" WHERE table_name = ?`, table); err != nil {
			return fmt.Errorf("delete state of table %q: %w", table, err)
		}
		return nil
	})
}
