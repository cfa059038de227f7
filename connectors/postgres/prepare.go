package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/connectors"
)

// Prepare creates t, or adds the columns t has and the stored table
// lacks, as nullable columns. It never drops, narrows or retypes a
// column: a column whose stored type is of another kind, or a primary key
// that differs from t.Key, is an error. The work is one transaction,
// serialised with other runs preparing the same table.
func (d *Destination) Prepare(ctx context.Context, t *connectors.Table) error {
	if err := checkTable(t); err != nil {
		return err
	}
	var live *connectors.Table
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(
			hashtext('syncctl.ddl'), hashtext($1))`, d.schema+"."+t.Name)
		if err != nil {
			return err
		}
		live, err = describe(ctx, tx, d.schema, t.Name)
		if err != nil {
			return err
		}
		if live == nil {
			live, err = d.create(ctx, tx, t)
			return err
		}
		return d.alter(ctx, tx, t, live)
	})
	if err != nil {
		d.forget(t.Name)
		return fmt.Errorf("prepare table %q: %w", t.Name, err)
	}
	d.remember(live)
	return nil
}

// checkTable validates the names and types of t before any SQL runs.
func checkTable(t *connectors.Table) error {
	if err := checkName("table", t.Name); err != nil {
		return err
	}
	if strings.HasPrefix(t.Name, reservedPrefix) {
		return fmt.Errorf("table name %q starts with %q, which syncctl "+
			"keeps for itself", t.Name, reservedPrefix)
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if err := checkName("column", c.Name); err != nil {
			return fmt.Errorf("table %q: %w", t.Name, err)
		}
		if seen[c.Name] {
			return fmt.Errorf("table %q: column %q appears twice",
				t.Name, c.Name)
		}
		seen[c.Name] = true
		if _, err := sqlType(c); err != nil {
			return fmt.Errorf("table %q, column %q: %w", t.Name, c.Name, err)
		}
	}
	for _, k := range t.Key {
		if !seen[k] {
			return fmt.Errorf("table %q: key column %q is not a column",
				t.Name, k)
		}
	}
	return nil
}

// create creates t with its primary key and returns its layout.
func (d *Destination) create(ctx context.Context, tx pgx.Tx, t *connectors.Table) (*connectors.Table, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", d.ident(t.Name))
	for i, c := range t.Columns {
		typ, _ := sqlType(c)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "\n\t%s %s", quote(c.Name), typ)
	}
	if len(t.Key) > 0 {
		fmt.Fprintf(&b, ",\n\tPRIMARY KEY (%s)", quoteList(t.Key, ""))
	}
	b.WriteString("\n)")
	if _, err := tx.Exec(ctx, b.String()); err != nil {
		return nil, err
	}
	d.log.Info("table created", "table", t.Name, "schema", d.schema)
	return describe(ctx, tx, d.schema, t.Name)
}

// alter adds the columns of t that live lacks, after checking that the
// columns they share agree.
func (d *Destination) alter(ctx context.Context, tx pgx.Tx, t, live *connectors.Table) error {
	if !slices.Equal(live.Key, t.Key) {
		return fmt.Errorf("the stored primary key is (%s), the table "+
			"wants (%s); change the key or drop the table",
			strings.Join(live.Key, ", "), strings.Join(t.Key, ", "))
	}
	var add []string
	for _, c := range t.Columns {
		i := live.ColumnIndex(c.Name)
		if i < 0 {
			typ, _ := sqlType(c)
			add = append(add, fmt.Sprintf("ADD COLUMN %s %s",
				quote(c.Name), typ))
			continue
		}
		if got := live.Columns[i]; got.Type != c.Type {
			want, _ := sqlType(c)
			return fmt.Errorf("column %q is %s in the database, the "+
				"table wants %s", c.Name, got.SourceType, want)
		}
	}
	if len(add) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s %s",
		d.ident(t.Name), strings.Join(add, ", ")))
	if err != nil {
		return err
	}
	d.log.Info("columns added", "table", t.Name, "columns", len(add))
	updated, err := describe(ctx, tx, d.schema, t.Name)
	if err != nil {
		return err
	}
	*live = *updated
	return nil
}

// quote quotes one identifier.
func quote(name string) string {
	return pgx.Identifier{name}.Sanitize()
}

// quoteList quotes names, each qualified by alias when alias is set, and
// joins them with commas.
func quoteList(names []string, alias string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = quote(n)
		if alias != "" {
			parts[i] = alias + "." + parts[i]
		}
	}
	return strings.Join(parts, ", ")
}
