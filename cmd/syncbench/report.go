package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	_ "github.com/duckdb/duckdb-go/v2" // database/sql driver "duckdb"
)

// machine describes where the benchmark ran.
type machine struct {
	cpu      string
	cores    int
	memory   string
	goVer    string
	duckdb   string
	postgres string
	date     time.Time
	// load is the 1-minute load average when the run started and ended:
	// other work on the machine slows every number down.
	loadStart, loadEnd string
}

func describeMachine(ctx context.Context, pg *pgServer) machine {
	m := machine{cpu: "unknown", cores: runtime.NumCPU(),
		goVer: runtime.Version(), date: time.Now().UTC(),
		memory: "unknown", duckdb: "unknown", postgres: "not used",
		loadStart: loadAverage()}
	m.cpu = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		fmt.Sscanf(kb, "%d", &n)
		m.memory = fmt.Sprintf("%.0f GB", float64(n)/(1<<20))
	}
	if db, err := sql.Open("duckdb", ""); err == nil {
		db.QueryRowContext(ctx, "SELECT version()").Scan(&m.duckdb)
		db.Close()
	}
	if pg != nil {
		if c, err := pgx.Connect(ctx, pg.conn("postgres")); err == nil {
			c.QueryRow(ctx, "SHOW server_version").Scan(&m.postgres)
			c.Close(ctx)
		}
	}
	return m
}

// loadAverage is the 1-minute load average, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// procField returns the value of the first "key : value" line of a /proc
// file, or "".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func fmtDuration(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

func fmtBytes(n int64) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}

func fmtCount(n float64) string {
	s := fmt.Sprintf("%.0f", n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// cells renders one result as table cells.
func (r *result) cells() []string {
	if r.skipped != "" {
		return []string{r.scenario, fmtCount(float64(r.size)), r.skipped,
			"", "", "", "", ""}
	}
	heap := "-"
	if r.heapMB > 0 {
		heap = fmt.Sprintf("%d MB", r.heapMB)
	}
	return []string{r.scenario, fmtCount(float64(r.rows)), fmtDuration(r.wall),
		fmtCount(r.rowsPerSec()), fmt.Sprintf("%.1f", r.mbPerSec()),
		fmtBytes(r.rss), heap, fmtDuration(r.cpu)}
}

var header = []string{"scenario", "rows", "wall time", "rows/s", "MB/s",
	"peak RSS", "Go heap", "CPU time"}

// printTable writes the results as an aligned text table, then the
// ratios and targets.
func (b *bench) printTable(w io.Writer) {
	rows := [][]string{header}
	for _, r := range b.results {
		rows = append(rows, r.cells())
	}
	width := make([]int, len(header))
	for _, r := range rows {
		if r[3] == "" {
			continue // a skipped scenario's note spans the columns
		}
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range rows {
		line := fmt.Sprintf("%-*s", width[0], r[0])
		for i, c := range r[1:] {
			if r[3] == "" && i == 1 {
				line += "  " + c
				break
			}
			line += fmt.Sprintf("  %*s", width[i+1], c)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
	for _, line := range b.ratioLines() {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
	for _, t := range b.targets() {
		fmt.Fprintf(w, "%-8s %s: %s\n", t.verdict(), t.name, t.detail)
	}
}

// find returns the result of kind and destination at size n, or nil.
func (b *bench) find(n int, dest, kind string) *result {
	for _, r := range b.results {
		if r.size == n && r.dest == dest && r.kind == kind && r.skipped == "" {
			return r
		}
	}
	return nil
}

func ratio(a, b *result) float64 {
	if a == nil || b == nil || b.rowsPerSec() == 0 {
		return 0
	}
	return a.rowsPerSec() / b.rowsPerSec()
}

// ratioLines compares syncctl's full loads with the baselines.
func (b *bench) ratioLines() []string {
	var lines []string
	for _, n := range b.cfg.sizes {
		decode := b.find(n, "", kindDecode)
		for _, dest := range []string{destDuckDB, destPostgreSQL} {
			full := b.find(n, dest, kindFull)
			if full == nil {
				lines = append(lines, fmt.Sprintf("%s rows, full load into %s: skipped",
					fmtCount(float64(n)), dest))
				continue
			}
			var bulk *result
			if dest == destDuckDB {
				bulk = b.find(n, dest, kindDuckDBBulk)
			} else {
				bulk = b.find(n, dest, kindPGCopy)
			}
			parts := []string{}
			if dest == destDuckDB {
				parts = append(parts, fmt.Sprintf("%.2fx (a) read_json",
					ratio(full, b.find(n, dest, kindReadJSON))))
			}
			parts = append(parts, fmt.Sprintf("%.2fx (b) decode", ratio(full, decode)))
			if bulk != nil {
				parts = append(parts, fmt.Sprintf("%.2fx (c) %s",
					ratio(full, bulk), strings.TrimPrefix(bulk.scenario, "baseline (c): ")))
			}
			lines = append(lines, fmt.Sprintf("%s rows, syncctl full load into %s = %s",
				fmtCount(float64(n)), dest, strings.Join(parts, ", ")))
		}
	}
	return lines
}

// target is one of the targets and whether this run met it.
type target struct {
	name   string
	met    bool
	known  bool // false: not measured in this run
	detail string
}

func (t target) verdict() string {
	switch {
	case !t.known:
		return "[n/a]"
	case t.met:
		return "[met]"
	}
	return "[NOT MET]"
}

// targetSize is the size the targets are judged at: 1,000,000 rows when
// measured, else the largest size of the run.
func (b *bench) targetSize() int {
	best := 0
	for _, n := range b.cfg.sizes {
		if n == targetTableSize {
			return n
		}
		best = max(best, n)
	}
	return best
}

func (b *bench) targets() []target {
	n := b.targetSize()
	at := fmtCount(float64(n)) + " rows"
	full := b.find(n, destDuckDB, kindFull)
	var ts []target

	t := target{name: "full load into DuckDB >= 1.5x baseline (a)"}
	if a := b.find(n, destDuckDB, kindReadJSON); full != nil && a != nil {
		r := ratio(full, a)
		t.known, t.met = true, r >= readJSONTarget
		t.detail = fmt.Sprintf("%.3fx at %s", r, at)
	}
	ts = append(ts, t)

	t = target{name: "full load into DuckDB >= 70% of the slower of (b) and (c)"}
	dec, bulk := b.find(n, "", kindDecode), b.find(n, destDuckDB, kindDuckDBBulk)
	if full != nil && dec != nil && bulk != nil {
		slower, which := dec, "(b)"
		if bulk.rowsPerSec() < dec.rowsPerSec() {
			slower, which = bulk, "(c)"
		}
		r := ratio(full, slower)
		t.known, t.met = true, r >= slowerOfTarget
		t.detail = fmt.Sprintf("%.1f%% of %s at %s", 100*r, which, at)
	}
	ts = append(ts, t)

	t = target{name: "peak RSS under 256 MB at 1,000,000 rows"}
	if m := b.find(targetTableSize, destDuckDB, kindFull); m != nil {
		peak := m
		for _, k := range []string{kindNoChange, kindOnePercent} {
			if r := b.find(targetTableSize, destDuckDB, k); r != nil && r.rss > peak.rss {
				peak = r
			}
		}
		t.known, t.met = true, peak.rss < rssTargetBytes
		t.detail = fmt.Sprintf("%s (%s; DuckDB memory_limit %s, Go heap at most %d MB)",
			fmtBytes(peak.rss), strings.TrimPrefix(peak.scenario, "syncctl "),
			b.cfg.memoryLimit, peak.heapMB)
	} else {
		t.detail = "1,000,000 rows not measured in this run"
	}
	ts = append(ts, t)

	t = target{name: "incremental run with nothing changed on 1,000,000 rows under 2 s"}
	if r := b.find(targetTableSize, destDuckDB, kindNoChange); r != nil {
		t.known, t.met = true, r.wall < noChangeTarget
		t.detail = fmt.Sprintf("%s (%s rows re-read in the lookback window)",
			fmtDuration(r.wall), fmtCount(float64(r.rows)))
	} else {
		t.detail = "1,000,000 rows not measured in this run"
	}
	return append(ts, t)
}
