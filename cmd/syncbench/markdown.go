package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeReport writes docs/performance.md: machine, setup, the table, the
// ratios and the targets. Everything in it comes from this run.
func (b *bench) writeReport(path string) error {
	var w bytes.Buffer
	m := b.machine
	p := func(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) }

	p("# Performance")
	p("")
	p("Written by `make bench` (`cmd/syncbench`) on %s.",
		m.date.Format("2006-01-02 15:04 MST"))
	p("Do not edit: run `make bench` again to refresh it.")
	p("")
	p("## Machine")
	p("")
	p("| | |")
	p("|---|---|")
	p("| CPU | %s |", m.cpu)
	p("| cores | %d |", m.cores)
	p("| memory | %s |", m.memory)
	p("| Go | %s |", m.goVer)
	p("| DuckDB | %s |", m.duckdb)
	pgText := m.postgres
	if b.pg == nil {
		pgText = "not used: " + b.pgSkip
	}
	p("| PostgreSQL | %s |", pgText)
	p("| load average | %s at the start, %s at the end (1 minute) |", m.loadStart, m.loadEnd)
	p("")
	b.writeSetup(p)
	p("## Results")
	p("")
	p("| %s |", strings.Join(header, " | "))
	p("|%s", strings.Repeat("---|", len(header)))
	for _, r := range b.results {
		p("| %s |", strings.Join(r.cells(), " | "))
	}
	p("")
	p("Ratios of syncctl's full-load throughput (rows/s) to the baselines:")
	p("")
	for _, line := range b.ratioLines() {
		p("- %s", line)
	}
	p("")
	p("## Targets")
	p("")
	p("| target | this run | |")
	p("|---|---|---|")
	for _, t := range b.targets() {
		p("| %s | %s | %s |", t.name, t.detail, strings.Trim(t.verdict(), "[]"))
	}
	p("")
	b.writeNotes(p)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, w.Bytes(), 0o644)
}

func (b *bench) writeSetup(p func(string, ...any)) {
	c := b.cfg
	var sizes []string
	for _, n := range c.sizes {
		sizes = append(sizes, fmtCount(float64(n)))
	}
	p("## Setup")
	p("")
	p("- Source: `fakeacumatica` on 127.0.0.1, one tenant, the `SalesOrders`")
	p("  inquiry only (21 columns of every type the connector maps, about")
	p("  %.0f bytes of JSON a row), at %s rows.", b.bytesPerRow(),
		strings.Join(sizes, " and "))
	p("  The fake runs on the same cores as syncctl and competes with it.")
	p("- syncctl: `page_size = %d`, `batch_size = %d`, tracking by", c.pageSize, c.batchSize)
	p("  `LastModifiedDateTime` with a 5 minute offset, one `syncctl apply")
	p("  --auto-approve` process per scenario: a full load into an empty")
	p("  destination, an incremental run with nothing changed, and one after")
	p("  1%% of the rows were touched through the fake's control endpoint.")
	p("- DuckDB destination and baseline (c): `memory_limit = \"%s\"`, enough", c.memoryLimit)
	p("  for these loads and small enough to keep the process under the")
	if c.threads > 0 {
		p("  256 MB target, and `threads = %d`: with the source decoding on the", c.threads)
		p("  other core, more DuckDB threads cost more CPU than they save on")
		p("  this 2-core machine (the \"default threads\" line is one full load")
		p("  with DuckDB's default, a thread per core).")
	} else {
		p("  256 MB target; DuckDB's default threads, one per core.")
	}
	if c.jsonLimit == "" {
		p("- Baseline (a) runs DuckDB with its defaults, a thread per core and")
		p("  `memory_limit` 80%% of RAM: DuckDB at its best.")
	} else {
		p("- Baseline (a) runs DuckDB with a thread per core and")
		p("  `memory_limit = \"%s\"`.", c.jsonLimit)
	}
	p("- Full loads and baselines run %d times each and the fastest run", c.runs)
	p("  counts (peak RSS: the largest of all runs), since other work on the")
	p("  machine only ever slows a run down; incremental runs run once.")
	p("- Wall time is the whole child process for syncctl (start, plan,")
	p("  `$metadata`, load, exit) and the measured part only for baselines")
	p("  (for DuckDB from the first row to the closed database, whose last")
	p("  checkpoint syncctl pays too).")
	p("  Peak RSS is the child's `ru_maxrss`; Go heap is the largest heap the")
	p("  garbage collector reported (`GODEBUG=gctrace=1`); CPU time is the")
	p("  child's user and system time, which other work on the machine")
	p("  disturbs less than wall time. MB/s counts the JSON bytes of the rows")
	p("  read.")
	p("- Baselines, each in a child process over the same pages saved as")
	p("  files, in the order syncctl reads them (`LastModifiedDateTime`, then")
	p("  the key; the order keys reach an index in matters): (a) DuckDB's")
	p("  `read_json` of the `{\"value\":[...]}` pages with")
	p("  `unnest(value)` inserted into a table with the columns and types of")
	p("  the one syncctl creates but without its primary key (JSON columns")
	p("  typed as the table's); (b) the pages decoded with `connectors/odata`")
	p("  alone, rows dropped; (c) the destination's bulk path alone with the")
	p("  same rows, decoded beforehand: `connectors/duckdb` Merge of every")
	p("  batch with its state row into an empty table, and PostgreSQL `COPY`")
	p("  into an empty table with the same primary key.")
	p("")
}

func (b *bench) bytesPerRow() float64 {
	for _, r := range b.results {
		if r.kind == kindDecode && r.rows > 0 {
			return float64(r.bytes) / float64(r.rows)
		}
	}
	return 0
}

func (b *bench) writeNotes(p func(string, ...any)) {
	p("## Where a full load's time goes")
	p("")
	p("- Reading and loading overlap: a batch commits on a goroutine of its")
	p("  own while the next one is read, decoded and, for DuckDB, converted")
	p("  into the appender (`engine/pipe.go`, `connectors.Stager`), so a full")
	p("  load takes about as long as its slower side, the destination's")
	p("  commits.")
	p("- Every batch commits with its state row. A batch of keys not stored")
	p("  yet, as in a first load, goes through DuckDB's appender straight")
	p("  into the table; a batch with stored keys is staged and merged, rows")
	p("  that changed updated in place, equal ones left alone. DuckDB logs")
	p("  each commit to its WAL and folds the WAL into the file every 64 MB,")
	p("  while `read_json` in baseline (a) inserts everything in one")
	p("  transaction, written straight to the file.")
	p("- The table's primary key is an index DuckDB updates for every row.")
	p("  Rows arrive by `LastModifiedDateTime`, so keys land all over the")
	p("  index; that, the WAL and the checkpoints are most of the CPU time")
	p("  of a full load, decoding JSON a small part.")
	p("")
	p("## Notes")
	p("")
	p("- ATOM (OData v3) is measured by the decoder micro-benchmark only")
	p("  (`BenchmarkDecodeSalesOrdersATOM` next to `BenchmarkDecodeSalesOrders`): it")
	p("  decodes about 20 times slower per row than JSON, almost all of it")
	p("  in encoding/xml. JSON is the target format.")
	p("- Micro-benchmarks: `go test -run ^$ -bench . ./connectors/odata")
	p("  ./connectors/duckdb ./engine/rowexpr` (JSON decoding and value")
	p("  parsing, conversion to DuckDB values and batch merges, expression")
	p("  evaluation).")
	p("")
	p("## Profiling")
	p("")
	p("syncctl writes pprof profiles when asked through two environment")
	p("variables (left out of `--help`):")
	p("")
	p("```sh")
	p("SYNCCTL_CPUPROFILE=cpu.pprof syncctl apply --auto-approve")
	p("SYNCCTL_MEMPROFILE=mem.pprof syncctl apply --auto-approve   # allocations")
	p("go tool pprof -top bin/syncctl cpu.pprof")
	p("```")
	p("")
	p("`syncbench --cpuprofile-dir DIR` profiles every full load it runs.")
	p("")
	p("## Running")
	p("")
	p("```sh")
	p("make bench                        # 100,000 and 1,000,000 rows; writes this file")
	p("make bench BENCHFLAGS=--quick     # 100,000 rows only; prints, writes nothing")
	p("go run ./cmd/syncbench --help")
	p("```")
}
