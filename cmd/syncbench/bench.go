package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// bench is one benchmark run.
type bench struct {
	cfg *config
	out io.Writer // the table
	log io.Writer // progress

	syncctl string // absolute paths of the binaries
	fake    string
	self    string
	work    string

	pg     *pgServer // nil when PostgreSQL is left out
	pgSkip string    // why PostgreSQL is left out

	failures []error // scenarios that failed

	machine machine
	results []*result
}

// result is one line of the table.
type result struct {
	size     int
	scenario string
	dest     string // "DuckDB", "PostgreSQL" or "" for decoding
	kind     string // syncctl scenario or baseline id
	rows     int64
	bytes    int64 // JSON bytes the rows came as
	wall     time.Duration
	rss      int64
	heapMB   int64
	cpu      time.Duration
	runs     int // measured runs folded in
	skipped  string
}

// Kinds of results, for ratios and targets.
const (
	kindFull               = "full"
	kindFullDefaultThreads = "full-default-threads"
	kindNoChange           = "nochange"
	kindOnePercent         = "onepercent"
	kindATOM               = "atom"
	kindReadJSON           = baselineReadJSON
	kindDecode             = baselineDecode
	kindDuckDBBulk         = baselineDuckDBBulk
	kindPGCopy             = baselinePGCopy
)

// Destinations, as the table names them.
const (
	destDuckDB     = "DuckDB"
	destPostgreSQL = "PostgreSQL"
)

// The targets.
const (
	readJSONTarget  = 1.5             // times baseline (a)
	slowerOfTarget  = 0.7             // of the slower of (b) and (c)
	rssTargetBytes  = 256 << 20       // peak RSS at targetTableSize rows
	noChangeTarget  = 2 * time.Second // incremental run, nothing changed
	targetTableSize = 1_000_000
)

const bytesPerMB = 1e6

func (r *result) rowsPerSec() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.rows) / r.wall.Seconds()
}

func (r *result) mbPerSec() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.bytes) / bytesPerMB / r.wall.Seconds()
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "syncbench: "+format+"\n", args...)
}

func (b *bench) run(ctx context.Context) error {
	if err := b.setup(ctx); err != nil {
		return err
	}
	defer b.cleanup()
	b.machine = describeMachine(ctx, b.pg)
	for _, n := range b.cfg.sizes {
		if err := b.size(ctx, n); err != nil {
			return err
		}
	}
	b.machine.loadEnd = loadAverage()
	b.printTable(b.out)
	if b.cfg.out != "" {
		if err := b.writeReport(b.cfg.out); err != nil {
			return err
		}
		b.progress("wrote %s", b.cfg.out)
	}
	if len(b.failures) > 0 {
		for _, err := range b.failures {
			b.progress("failed: %v", err)
		}
		return fmt.Errorf("%d scenario(s) failed", len(b.failures))
	}
	return nil
}

// setup builds the binaries, makes the working directory and finds out
// whether PostgreSQL takes part.
func (b *bench) setup(ctx context.Context) error {
	if b.cfg.build {
		for _, p := range [][2]string{{b.cfg.syncctl, "./cmd/syncctl"},
			{b.cfg.fake, "./cmd/fakeacumatica"}} {
			b.progress("go build -o %s %s", p[0], p[1])
			cmd := exec.CommandContext(ctx, "go", "build", "-o", p[0], p[1])
			cmd.Stdout, cmd.Stderr = b.log, b.log
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("build %s: %w", p[1], err)
			}
		}
	}
	var err error
	if b.syncctl, err = filepath.Abs(b.cfg.syncctl); err != nil {
		return err
	}
	if b.fake, err = filepath.Abs(b.cfg.fake); err != nil {
		return err
	}
	if b.self, err = os.Executable(); err != nil {
		return err
	}
	if b.cfg.profileDir != "" {
		if b.cfg.profileDir, err = filepath.Abs(b.cfg.profileDir); err != nil {
			return err
		}
		if err := os.MkdirAll(b.cfg.profileDir, 0o755); err != nil {
			return err
		}
	}
	b.work = b.cfg.work
	if b.work == "" {
		if b.work, err = os.MkdirTemp("", "syncbench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(b.work, 0o755); err != nil {
		return err
	}
	if b.work, err = filepath.Abs(b.work); err != nil {
		return err
	}
	b.progress("working in %s", b.work)
	if b.cfg.postgres {
		b.checkPostgres(ctx)
	} else {
		b.pgSkip = "left out with --postgres=false"
	}
	if b.pgSkip != "" {
		b.progress("PostgreSQL skipped: %s", b.pgSkip)
	}
	return nil
}

// checkPostgres decides whether PostgreSQL takes part: the server must
// answer and syncctl must accept a postgres destination.
func (b *bench) checkPostgres(ctx context.Context) {
	srv := &pgServer{host: b.cfg.pgHost, port: b.cfg.pgPort, user: b.cfg.pgUser}
	name := fmt.Sprintf("syncbench_%d_check", os.Getpid())
	if err := srv.createDatabase(ctx, name); err != nil {
		b.pgSkip = fmt.Sprintf("no PostgreSQL server usable on %s:%d (%v)",
			srv.host, srv.port, err)
		return
	}
	defer srv.dropDatabase()
	dir := filepath.Join(b.work, "postgres-check")
	dst := postgresDestination(srv.host, srv.port, srv.user, name)
	if err := writeConfig(dir, b.cfg, dst); err != nil {
		b.pgSkip = err.Error()
		return
	}
	if msg := b.validate(ctx, dir); msg != "" {
		b.pgSkip = "syncctl cannot use it yet: " + msg
		return
	}
	b.pg = &pgServer{host: srv.host, port: srv.port, user: srv.user}
}

func (b *bench) cleanup() {
	if b.pg != nil {
		b.pg.dropDatabase()
	}
	if b.cfg.work == "" && !b.cfg.keep {
		os.RemoveAll(b.work)
	}
}

// size measures everything at one table size.
func (b *bench) size(ctx context.Context, n int) error {
	dir := filepath.Join(b.work, fmt.Sprintf("rows-%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := startFake(ctx, b.fake, dir, n)
	if err != nil {
		return err
	}
	b.progress("%d rows: fake Acumatica at %s; saving pages", n, f.url)
	p, err := f.savePages(ctx, filepath.Join(dir, "pages"), n, b.cfg.pageSize)
	if err != nil {
		f.stop()
		return err
	}
	b.progress("%d rows: %d pages, %.1f MB of JSON (%.0f bytes a row)", n,
		len(p.files), float64(p.bytes)/bytesPerMB, float64(p.bytes)/float64(n))

	if b.pg != nil {
		if err := b.pg.createDatabase(ctx, fmt.Sprintf("syncbench_%d_%d", os.Getpid(), n)); err != nil {
			f.stop()
			return fmt.Errorf("create PostgreSQL database: %w", err)
		}
		defer b.pg.dropDatabase()
	}

	// The baselines first, while the fake sits idle.
	for _, kind := range []string{kindReadJSON, kindDecode, kindDuckDBBulk, kindPGCopy} {
		if err := b.baseline(ctx, n, dir, p, kind); err != nil {
			f.stop()
			return err
		}
	}

	err = b.series(ctx, f, n, dir, p, destDuckDB)
	if err == nil && b.cfg.threads > 0 {
		err = b.defaultThreads(ctx, f, n, dir, p)
	}
	f.stop()
	if err != nil {
		return err
	}
	b.add(&result{size: n, dest: destDuckDB, kind: kindATOM,
		scenario: "syncctl full load, ATOM (OData v3)",
		skipped:  "not measured here: see BenchmarkDecodeSalesOrdersATOM in connectors/odata"})
	if b.pg == nil {
		for _, s := range seriesScenarios {
			b.add(&result{size: n, dest: destPostgreSQL, kind: s.kind,
				scenario: s.name + ", PostgreSQL", skipped: "skipped"})
		}
		return nil
	}
	// A fresh fake, so PostgreSQL loads the same data DuckDB did.
	if f, err = startFake(ctx, b.fake, dir, n); err != nil {
		return err
	}
	err = b.series(ctx, f, n, dir, p, destPostgreSQL)
	f.stop()
	return err
}

var seriesScenarios = []struct{ kind, name string }{
	{kindFull, "syncctl full load"},
	{kindNoChange, "syncctl incremental, nothing changed"},
	{kindOnePercent, "syncctl incremental, 1% changed"},
}

// series runs the three syncctl scenarios into one destination.
func (b *bench) series(ctx context.Context, f *fake, n int, dir string,
	p *pages, dest string) error {
	var dst destination
	cfgDir := filepath.Join(dir, "syncctl-"+dest)
	if dest == destDuckDB {
		dst = duckdbDestination(filepath.Join(cfgDir, "bench.duckdb"),
			b.cfg.memoryLimit, b.cfg.threads)
	} else {
		dst = postgresDestination(b.pg.host, b.pg.port, b.pg.user, b.pg.database)
	}
	if err := writeConfig(cfgDir, b.cfg, dst); err != nil {
		return err
	}
	bytesPerRow := float64(p.bytes) / float64(p.rows)
	for _, s := range seriesScenarios {
		if s.kind == kindOnePercent {
			if err := f.touch(ctx, n/100); err != nil {
				return err
			}
		}
		profile := ""
		if b.cfg.profileDir != "" && s.kind == kindFull {
			profile = filepath.Join(b.cfg.profileDir,
				fmt.Sprintf("cpu-%s-%d.pprof", strings.ToLower(dest), n))
		}
		res := &result{size: n, dest: dest, kind: s.kind,
			scenario: s.name + ", " + dest}
		// Full loads repeat from an empty destination; the incremental
		// runs depend on what the one before left, so they run once.
		runs := 1
		if s.kind == kindFull {
			runs = b.cfg.runs
		}
		for run := range runs {
			if run > 0 {
				if err := b.reset(ctx, dest, cfgDir); err != nil {
					return err
				}
			}
			r, err := b.apply(ctx, cfgDir, f.url, profile)
			if err == nil {
				err = checkSeries(s.kind, n, r)
			}
			if err != nil {
				// The rest of the series depends on this run.
				b.fail(res, err)
				return nil
			}
			res.keep(r.wall, r.cpu, r.rss)
			res.heapMB = max(res.heapMB, r.heapMB)
			res.rows, res.bytes = r.rows, int64(float64(r.rows)*bytesPerRow)
		}
		b.add(res)
	}
	return nil
}

// defaultThreads runs one more full load into DuckDB with DuckDB's
// default thread count, to show what the benchmark's setting changes.
func (b *bench) defaultThreads(ctx context.Context, f *fake, n int, dir string, p *pages) error {
	cfgDir := filepath.Join(dir, "syncctl-DuckDB-default-threads")
	dst := duckdbDestination(filepath.Join(cfgDir, "bench.duckdb"), b.cfg.memoryLimit, 0)
	if err := writeConfig(cfgDir, b.cfg, dst); err != nil {
		return err
	}
	res := &result{size: n, dest: destDuckDB, kind: kindFullDefaultThreads,
		scenario: "syncctl full load, DuckDB, default threads"}
	r, err := b.apply(ctx, cfgDir, f.url, "")
	if err == nil {
		err = checkSeries(kindFull, n, r)
	}
	if err != nil {
		b.fail(res, err)
		return nil
	}
	res.keep(r.wall, r.cpu, r.rss)
	res.heapMB, res.rows = r.heapMB, r.rows
	res.bytes = int64(float64(r.rows) * float64(p.bytes) / float64(p.rows))
	b.add(res)
	removeDuckDB(filepath.Join(cfgDir, "bench.duckdb"))
	return nil
}

// reset empties the destination of a series for another full load.
func (b *bench) reset(ctx context.Context, dest, cfgDir string) error {
	if dest == destDuckDB {
		removeDuckDB(filepath.Join(cfgDir, "bench.duckdb"))
		return nil
	}
	name := b.pg.database
	if err := b.pg.dropDatabase(); err != nil {
		return err
	}
	return b.pg.createDatabase(ctx, name)
}

// fail records a scenario that failed: the run goes on, the table says
// so, and syncbench exits with an error at the end.
func (b *bench) fail(r *result, err error) {
	b.failures = append(b.failures, fmt.Errorf("%s, %d rows: %w", r.scenario, r.size, err))
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if len(msg) > 120 {
		msg = msg[:120] + "..."
	}
	r.skipped = "FAILED: " + msg
	b.add(r)
}

// checkSeries makes sure a run did what the scenario means, so that a
// broken load never shows up as a fast one.
func checkSeries(kind string, n int, r *applyResult) error {
	switch {
	case kind == kindFull && (r.rows != int64(n) || r.inserted != int64(n)):
		return fmt.Errorf("read %d and inserted %d rows, want %d", r.rows, r.inserted, n)
	case kind == kindNoChange && (r.inserted != 0 || r.updated != 0):
		return fmt.Errorf("changed rows (%d inserted, %d updated) with nothing changed",
			r.inserted, r.updated)
	case kind == kindOnePercent && (r.inserted != 0 || r.updated != int64(n/100)):
		return fmt.Errorf("%d inserted, %d updated; want %d updated", r.inserted, r.updated, n/100)
	}
	return nil
}

var baselineNames = map[string]string{
	kindReadJSON:   "baseline (a): DuckDB read_json",
	kindDecode:     "baseline (b): decode only",
	kindDuckDBBulk: "baseline (c): DuckDB Merge, empty table",
	kindPGCopy:     "baseline (c): PostgreSQL COPY",
}

// baseline runs one baseline in a child process.
func (b *bench) baseline(ctx context.Context, n int, dir string, p *pages, kind string) error {
	res := &result{size: n, kind: kind, scenario: baselineNames[kind],
		dest: destDuckDB}
	switch kind {
	case kindDecode:
		res.dest = ""
	case kindPGCopy:
		res.dest = destPostgreSQL
		if b.pg == nil {
			res.skipped = "skipped"
			b.add(res)
			return nil
		}
	}
	db := filepath.Join(dir, kind+".duckdb")
	limit, threads := b.cfg.memoryLimit, b.cfg.threads
	if kind == kindReadJSON {
		limit, threads = b.cfg.jsonLimit, 0
	}
	args := []string{baselineCommand, "--kind", kind, "--pages", p.dir,
		"--db", db, "--memory-limit", limit, "--threads", fmt.Sprint(threads)}
	if b.pg != nil {
		args = append(args, "--pg", b.pg.conn(b.pg.database))
	}
	for range b.cfg.runs {
		removeDuckDB(db)
		u, stdout, _, err := measure(ctx, b.cfg.timeout, b.self, args, nil)
		var out baselineOutput
		if err == nil {
			err = json.Unmarshal(stdout, &out)
		}
		if err == nil && out.Rows != int64(n) {
			err = fmt.Errorf("handled %d rows, want %d", out.Rows, n)
		}
		if err != nil {
			b.fail(res, err)
			return ctx.Err()
		}
		wall := time.Duration(out.Seconds * float64(time.Second))
		res.keep(wall, u.cpu, u.rss)
		res.rows, res.bytes = out.Rows, p.bytes
	}
	removeDuckDB(db)
	b.add(res)
	return nil
}

// keep folds one run into r: the fastest run's times, the largest peak
// memory of all runs.
func (r *result) keep(wall, cpu time.Duration, rss int64) {
	if r.runs == 0 || wall < r.wall {
		r.wall, r.cpu = wall, cpu
	}
	r.rss = max(r.rss, rss)
	r.runs++
}

func removeDuckDB(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
}

func (b *bench) add(r *result) {
	b.results = append(b.results, r)
	if r.skipped != "" {
		b.progress("%d rows: %s: %s", r.size, r.scenario, r.skipped)
		return
	}
	b.progress("%d rows: %s: %s, %.0f rows/s, peak RSS %s", r.size,
		r.scenario, fmtDuration(r.wall), r.rowsPerSec(), fmtBytes(r.rss))
}
