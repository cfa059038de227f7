package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/duckdb"
	"github.com/syncctl/syncctl/connectors/odata"
)

// baselineCommand is the hidden subcommand that runs one baseline in a
// child process, so that its memory is measured on its own.
const baselineCommand = "_baseline"

// The baselines.
const (
	baselineReadJSON   = "duckdb-read-json" // (a)
	baselineDecode     = "decode"           // (b)
	baselineDuckDBBulk = "duckdb-bulk"      // (c)
	baselinePGCopy     = "postgres-copy"    // (c)
)

// baselineArgs are the child's flags.
type baselineArgs struct {
	kind        string
	pages       string
	db          string
	memoryLimit string
	threads     int
	pgConn      string
}

// baselineOutput is what the child prints as JSON: the rows it handled
// and the time of the measured part only (no process start, no setup).
type baselineOutput struct {
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
}

func runBaseline(ctx context.Context, args []string, stdout io.Writer) error {
	var a baselineArgs
	fs := pflag.NewFlagSet(baselineCommand, pflag.ContinueOnError)
	fs.StringVar(&a.kind, "kind", "", "baseline to run")
	fs.StringVar(&a.pages, "pages", "", "directory of saved pages")
	fs.StringVar(&a.db, "db", "", "database file")
	fs.StringVar(&a.memoryLimit, "memory-limit", defaultMemoryLimit, "DuckDB memory_limit")
	fs.IntVar(&a.threads, "threads", 0, "DuckDB threads (0: DuckDB's default)")
	fs.StringVar(&a.pgConn, "pg", "", "PostgreSQL connection string")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ent, files, err := loadPages(a.pages)
	if err != nil {
		return err
	}
	var out baselineOutput
	switch a.kind {
	case baselineReadJSON:
		out, err = readJSON(ctx, a, ent, files)
	case baselineDecode:
		out, err = decodeOnly(ent, files)
	case baselineDuckDBBulk:
		out, err = duckdbBulk(ctx, a, ent, files)
	case baselinePGCopy:
		out, err = postgresCopy(ctx, a, ent, files)
	default:
		err = fmt.Errorf("unknown baseline %q", a.kind)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(out)
}

// loadPages reads the saved metadata and lists the page files in order.
func loadPages(dir string) (*connectors.Entity, []string, error) {
	f, err := os.Open(filepath.Join(dir, metadataFile))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	md, err := odata.ParseMetadata(f)
	if err != nil {
		return nil, nil, err
	}
	ent, err := md.Entity(entity)
	if err != nil {
		return nil, nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "page-*.json"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	return ent, files, nil
}

// destTable is the destination table syncctl creates for the entity.
func destTable(ent *connectors.Entity) *connectors.Table {
	t := &connectors.Table{Name: "sales_orders"}
	t.Columns = append(t.Columns, ent.Columns...)
	t.Columns = append(t.Columns,
		connectors.Column{Name: connectors.TenantColumn, Type: connectors.TypeString},
		connectors.Column{Name: connectors.SyncedAtColumn, Type: connectors.TypeTimestamp})
	t.Key = []string{connectors.TenantColumn, "OrderType", "OrderNbr"}
	return t
}

// decodePage decodes one saved page, calling fn with each row.
func decodePage(dec *odata.Decoder, name string, fn func(row []any) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = dec.Decode(f, fn)
	return err
}

// newDecoder is the decoder syncctl's source uses for the entity; rows
// are cut from slabs of a page's worth.
func newDecoder(ent *connectors.Entity) *odata.Decoder {
	return odata.NewDecoder(ent.Columns, odata.DecodeOptions{SlabRows: 10_000})
}

// decodeOnly is baseline (b): the pages decoded with connectors/odata,
// streamed from files, rows dropped.
func decodeOnly(ent *connectors.Entity, files []string) (baselineOutput, error) {
	var out baselineOutput
	dec := newDecoder(ent)
	t0 := time.Now()
	for _, name := range files {
		if err := decodePage(dec, name, func([]any) error {
			out.Rows++
			return nil
		}); err != nil {
			return out, err
		}
	}
	out.Seconds = time.Since(t0).Seconds()
	return out, nil
}

// openDuckDB opens a fresh database file through the syncctl destination,
// with the benchmark's memory_limit, and creates the table.
func openDuckDB(ctx context.Context, a baselineArgs,
	t *connectors.Table) (*duckdb.Destination, error) {
	cfg := &duckdb.Config{Path: a.db, MemoryLimit: a.memoryLimit, Threads: a.threads}
	d, err := cfg.Open(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	if err := d.Prepare(ctx, t); err != nil {
		d.Close()
		return nil, err
	}
	return d.(*duckdb.Destination), nil
}

// duckdbBulk is baseline (c) for DuckDB: the decoded rows (decoding not
// timed) loaded batch by batch with connectors/duckdb Merge into an empty
// table, each batch with its state row, as syncctl does.
func duckdbBulk(ctx context.Context, a baselineArgs,
	ent *connectors.Entity, files []string) (baselineOutput, error) {
	var out baselineOutput
	t := destTable(ent)
	d, err := openDuckDB(ctx, a, t)
	if err != nil {
		return out, err
	}
	defer d.Close()
	dec := newDecoder(ent)
	syncedAt := time.Now().UTC().Truncate(time.Microsecond)
	var spent time.Duration
	for _, name := range files {
		var rows [][]any
		err := decodePage(dec, name, func(row []any) error {
			rows = append(rows, append(row, fakeTenant, syncedAt))
			return nil
		})
		if err != nil {
			return out, err
		}
		st := &connectors.State{Table: t.Name, Tenant: fakeTenant,
			Address: "table.sales_orders", Cursor: "bench"}
		t0 := time.Now()
		if _, err := d.Merge(ctx, t, rows, nil, st); err != nil {
			return out, err
		}
		spent += time.Since(t0)
		out.Rows += int64(len(rows))
	}
	// Closing checkpoints what the WAL still holds, as syncctl's exit does.
	t0 := time.Now()
	err = d.Close()
	out.Seconds = (spent + time.Since(t0)).Seconds()
	return out, err
}

// readJSON is baseline (a): DuckDB reads the saved pages itself with
// read_json, unnests "value" and inserts into a table with the columns
// and types of the one syncctl creates, but without its primary key:
// DuckDB at its best. The JSON columns get the table's exact types, so
// DuckDB does the same conversions.
func readJSON(ctx context.Context, a baselineArgs,
	ent *connectors.Entity, files []string) (baselineOutput, error) {
	var out baselineOutput
	t := destTable(ent)
	d, err := openDuckDB(ctx, a, t)
	if err != nil {
		return out, err
	}
	defer d.Close()
	cur, err := d.Describe(ctx, t.Name)
	if err != nil {
		return out, err
	}
	plain := "CREATE TABLE plain AS SELECT * FROM sales_orders LIMIT 0"
	if _, err := d.DB().ExecContext(ctx, plain); err != nil {
		return out, err
	}
	var fields []string
	for _, c := range cur.Columns[:len(ent.Columns)] {
		fields = append(fields, fmt.Sprintf("%s %s", quoteIdent(c.Name), c.SourceType))
	}
	list := make([]string, len(files))
	for i, f := range files {
		list[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
	}
	q := fmt.Sprintf(`INSERT INTO plain
SELECT unnest(value, max_depth := 2), '%s', now()
FROM read_json([%s], format = 'auto',
	columns = {value: 'STRUCT(%s)[]'})`, fakeTenant, strings.Join(list, ", "),
		strings.ReplaceAll(strings.Join(fields, ", "), "'", "''"))
	t0 := time.Now()
	res, err := d.DB().ExecContext(ctx, q)
	if err != nil {
		return out, fmt.Errorf("read_json: %w", err)
	}
	out.Rows, _ = res.RowsAffected()
	err = d.Close()
	out.Seconds = time.Since(t0).Seconds()
	return out, err
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
