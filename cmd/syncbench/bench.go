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
	skipped  string
	note     string
}

// Kinds of results, for ratios and targets.
const (
	kindFull        = "full"
	kindNoChange    = "nochange"
	kindOnePercent  = "onepercent"
	kindATOM        = "atom"
	kindReadJSON    = baselineReadJSON
	kindDecode      = baselineDecode
	kindDuckDBBulk  = baselineDuckDBBulk
	kindPGCopy      = baselinePGCopy
	destDuckDB      = "DuckDB"
	destPostgreSQL  = "PostgreSQL"
	bytesPerMB      = 1e6
	rssTargetBytes  = 256 << 20
	noChangeTarget  = 2 * time.Second
	readJSONTarget  = 1.5
	slowerOfTarget  = 0.7
	targetTableSize = 1_000_000
)

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
	f.stop()
	if err != nil {
		return err
	}
	b.add(&result{size: n, dest: destDuckDB, kind: kindATOM,
		scenario: "syncctl full load, ATOM (OData v3)",
		skipped:  "not measured: the ATOM decoder is not implemented yet"})
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
func (b *bench) series(ctx context.Context, f *fake, n int, dir string, p *pages, dest string) error {
	var dst destination
	cfgDir := filepath.Join(dir, "syncctl-"+dest)
	if dest == destDuckDB {
		dst = duckdbDestination(filepath.Join(cfgDir, "bench.duckdb"), b.cfg.memoryLimit)
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
		r, err := b.apply(ctx, cfgDir, f.url, profile)
		if err == nil {
			err = checkSeries(s.kind, n, r)
		}
		if err != nil {
			// The rest of the series depends on this run.
			b.fail(res, err)
			return nil
		}
		res.rows, res.wall, res.rss, res.heapMB, res.cpu =
			r.rows, r.wall, r.rss, r.heapMB, r.cpu
		res.bytes = int64(float64(r.rows) * bytesPerRow)
		b.add(res)
	}
	return nil
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
		return fmt.Errorf("changed rows (%d inserted, %d updated) with nothing changed", r.inserted, r.updated)
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
	os.Remove(db)
	limit := b.cfg.memoryLimit
	if kind == kindReadJSON {
		limit = b.cfg.jsonLimit
	}
	args := []string{baselineCommand, "--kind", kind, "--pages", p.dir,
		"--db", db, "--memory-limit", limit}
	if b.pg != nil {
		args = append(args, "--pg", b.pg.conn(b.pg.database))
	}
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
	res.rows, res.bytes, res.rss, res.cpu = out.Rows, p.bytes, u.rss, u.cpu
	res.wall = time.Duration(out.Seconds * float64(time.Second))
	b.add(res)
	os.Remove(db)
	return nil
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
