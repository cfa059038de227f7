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
	p("Written by `make bench` (`cmd/syncbench`) on %s. Do not edit: run", m.date.Format("2006-01-02 15:04 MST"))
	p("`make bench` again to refresh it.")
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
	p("  %.0f bytes of JSON a row), at %s rows. The fake runs on the same",
		b.bytesPerRow(), strings.Join(sizes, " and "))
	p("  cores as syncctl and competes with it for CPU.")
	p("- syncctl: `page_size = %d`, `batch_size = %d`, tracking by", c.pageSize, c.batchSize)
	p("  `LastModifiedDateTime` with a 5 minute offset, one `syncctl apply")
	p("  --auto-approve` process per scenario: a full load into an empty")
	p("  destination, an incremental run with nothing changed, and one after")
	p("  1%% of the rows were touched through the fake's control endpoint.")
	p("- DuckDB destination and baseline (c): `memory_limit = \"%s\"`,", c.memoryLimit)
	p("  enough for these loads and small enough to keep the process under")
	if c.jsonLimit == "" {
		p("  the 256 MB target. Baseline (a) keeps DuckDB's default memory_limit")
		p("  (80%% of RAM): `read_json` over every page at once runs out of memory")
		p("  with 1 GB at 1,000,000 rows. Threads: DuckDB's default.")
	} else {
		p("  the 256 MB target. Baseline (a) gets `memory_limit = \"%s\"`.", c.jsonLimit)
		p("  Threads: DuckDB's default.")
	}
	p("- Wall time is the whole child process for syncctl (start, plan,")
	p("  `$metadata`, load, exit) and the measured part only for baselines.")
	p("  Peak RSS is the child's `ru_maxrss`; Go heap is the largest heap the")
	p("  garbage collector reported (`GODEBUG=gctrace=1`); CPU time is the")
	p("  child's user and system time, which other work on the machine")
	p("  disturbs less than wall time. MB/s counts the JSON bytes of the rows")
	p("  read.")
	p("- Baselines, each in a child process over the same pages saved as")
	p("  files: (a) DuckDB's `read_json` of the `{\"value\":[...]}` pages with")
	p("  `unnest(value)` inserted into the table syncctl creates (JSON columns")
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
	p("## Notes")
	p("")
	p("- ATOM (OData v3) is not implemented yet, so it has no numbers; JSON")
	p("  is the target format.")
	p("- Micro-benchmarks: `go test -run ^$ -bench . ./connectors/odata")
	p("  ./connectors/duckdb` (JSON decoding, value parsing, conversion to")
	p("  DuckDB values). Expression evaluation has none yet: the expressions")
	p("  package does not exist.")
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
