// Command syncbench measures syncctl end to end and against baselines,
// prints a table and writes docs/performance.md.
//
//	syncbench [--quick] [--rows N,...] [--out FILE] [--keep DIR]
//
// For each table size it starts bin/fakeacumatica on 127.0.0.1 with
// that many SalesOrders rows and runs `syncctl apply --auto-approve` as a
// child process three times per destination: a full load, an
// incremental run with nothing changed, and one after 1% of the rows were
// touched. Wall time and peak resident memory (the child's rusage) are
// measured from outside. The same pages, saved as files, feed the
// baselines, each also run as a child process:
//
//	(a) DuckDB's own read_json over the pages, unnested into a table;
//	(b) decoding the pages with connectors/odata alone;
//	(c) the destination's bulk path alone: connectors/duckdb Merge into
//	    an empty table, and PostgreSQL COPY.
//
// PostgreSQL scenarios run when a server answers on 127.0.0.1:5432 (user
// postgres, trust authentication) and syncctl knows the destination
// "postgres"; they use a database of their own, dropped at the end.
// Everything talks to 127.0.0.1 only, and every child has a deadline.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == baselineCommand {
		if err := runBaseline(ctx, args[1:], stdout); err != nil {
			fmt.Fprintf(stderr, "syncbench %s: %v\n", baselineCommand, err)
			return 1
		}
		return 0
	}
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if err == errHelp {
			return 0
		}
		fmt.Fprintf(stderr, "syncbench: %v\n", err)
		return 2
	}
	b := &bench{cfg: cfg, out: stdout, log: stderr}
	if err := b.run(ctx); err != nil {
		fmt.Fprintf(stderr, "syncbench: %v\n", err)
		return 1
	}
	return 0
}
