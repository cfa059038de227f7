package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"
)

// config holds the parsed flags.
type config struct {
	sizes       []int
	quick       bool
	out         string
	work        string
	keep        bool
	build       bool
	syncctl     string
	fake        string
	pageSize    int
	batchSize   int
	memoryLimit string
	threads     int
	jsonLimit   string
	postgres    bool
	pgHost      string
	pgPort      int
	pgUser      string
	timeout     time.Duration
	profileDir  string
	runs        int
}

var errHelp = errors.New("help requested")

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := pflag.NewFlagSet("syncbench", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: syncbench [flags]\n\n"+
			"Measures syncctl apply against baselines and writes "+
			"docs/performance.md.\n\n")
		fs.PrintDefaults()
	}
	fs.IntSliceVar(&c.sizes, "rows", []int{100_000, 1_000_000},
		"SalesOrders table `sizes` to measure")
	fs.BoolVar(&c.quick, "quick", false,
		"measure 100,000 rows only and do not write --out unless given")
	fs.StringVar(&c.out, "out", "docs/performance.md",
		"Markdown report to write (\"\" for none)")
	fs.StringVar(&c.work, "work", "",
		"working `directory` for pages and databases (default a temporary one)")
	fs.BoolVar(&c.keep, "keep", false, "keep the working directory")
	fs.BoolVar(&c.build, "build", true,
		"build bin/syncctl and bin/fakeacumatica first (go build)")
	fs.StringVar(&c.syncctl, "syncctl", "bin/syncctl", "syncctl `binary`")
	fs.StringVar(&c.fake, "fake", "bin/fakeacumatica",
		"fakeacumatica `binary`")
	fs.IntVar(&c.pageSize, "page-size", 10_000, "source page_size")
	fs.IntVar(&c.batchSize, "batch-size", 10_000, "table batch_size")
	fs.StringVar(&c.memoryLimit, "memory-limit", defaultMemoryLimit,
		"DuckDB memory_limit of the destination and baselines")
	fs.IntVar(&c.threads, "threads", 1,
		"DuckDB threads of the destination and baseline (c); 0 for DuckDB's default")
	fs.StringVar(&c.jsonLimit, "read-json-memory-limit", "",
		"DuckDB memory_limit of baseline (a) (default DuckDB's own, 80% of RAM)")
	fs.BoolVar(&c.postgres, "postgres", true,
		"include PostgreSQL when it answers on --pg-host")
	fs.StringVar(&c.pgHost, "pg-host", "127.0.0.1",
		"PostgreSQL host (loopback only)")
	fs.IntVar(&c.pgPort, "pg-port", 5432, "PostgreSQL port")
	fs.StringVar(&c.pgUser, "pg-user", "postgres",
		"PostgreSQL user (trust authentication)")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Minute,
		"deadline of each measured child process")
	fs.IntVar(&c.runs, "runs", 3,
		"runs of each full load and baseline; the fastest counts")
	fs.StringVar(&c.profileDir, "cpuprofile-dir", "",
		"write a CPU profile of every syncctl full load into `directory`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.quick {
		if !fs.Changed("rows") {
			c.sizes = []int{100_000}
		}
		if !fs.Changed("out") {
			c.out = ""
		}
	}
	if c.runs < 1 {
		return nil, fmt.Errorf("--runs must be at least 1, got %d", c.runs)
	}
	for _, n := range c.sizes {
		if n < 100 {
			return nil, fmt.Errorf("--rows: %d is too small (at least 100)", n)
		}
	}
	if c.pgHost != "127.0.0.1" && c.pgHost != "localhost" && c.pgHost != "::1" {
		return nil, fmt.Errorf("--pg-host must be a loopback address, got %q", c.pgHost)
	}
	return c, nil
}

// defaultMemoryLimit is the DuckDB memory_limit the benchmark sets: what
// a 1,000,000-row load needs with room to spare, small enough to keep the
// whole process under the 256 MB target.
const defaultMemoryLimit = "96MB"
