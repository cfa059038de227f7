package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Drop drops table, with the views that depend on it, and deletes its
// state rows, in one transaction.
func (d *Destination) Drop(ctx context.Context, table string) error {
	if err := checkName("table", table); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+d.ident(table)+" CASCADE"); err != nil {
			return fmt.Errorf("drop table %q: %w", table, err)
		}
		q := fmt.Sprintf("DELETE FROM %s WHERE table_name = $1", d.ident(StateTable))
		if _, err := tx.Exec(ctx, q, table); err != nil {
			return fmt.Errorf("delete state of table %q: %w", table, err)
		}
		d.forget(table)
		return nil
	})
}
