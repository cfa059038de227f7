package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what one measured child process took.
type usage struct {
	wall time.Duration
	cpu  time.Duration // user + system
	rss  int64         // peak resident set, bytes
}

// measure runs cmd to completion with a deadline and returns its wall
// time and resource usage, with its stdout and stderr.
func measure(ctx context.Context, timeout time.Duration, name string,
	args, env []string) (usage, []byte, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	var u usage
	u.wall = time.Since(t0)
	if ps := cmd.ProcessState; ps != nil {
		u.cpu = ps.UserTime() + ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			u.rss = ru.Maxrss * 1024 // kilobytes on Linux
		}
	}
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("%s did not finish within %s", filepath.Base(name), timeout)
	}
	if err != nil {
		err = fmt.Errorf("%s %s: %w\n%s", filepath.Base(name),
			strings.Join(args, " "), err, tail(stderr.Bytes(), stdout.Bytes()))
	}
	return u, stdout.Bytes(), stderr.Bytes(), err
}

// tail keeps the end of a failed child's output for the error message.
func tail(bufs ...[]byte) string {
	var b []byte
	for _, x := range bufs {
		b = append(b, x...)
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// destination is where syncctl loads in one series of runs.
type destination struct {
	name string // "duckdb" or "postgres"
	hcl  string // the destination block
}

func duckdbDestination(path, memoryLimit string, threads int) destination {
	extra := ""
	if threads > 0 {
		extra = fmt.Sprintf("  threads      = %d\n", threads)
	}
	return destination{name: "duckdb", hcl: fmt.Sprintf(`destination "duckdb" "bench" {
  path         = %q
  memory_limit = %q
%s}
`, path, memoryLimit, extra)}
}

func postgresDestination(host string, port int, user, database string) destination {
	return destination{name: "postgres", hcl: fmt.Sprintf(`destination "postgres" "bench" {
  host     = %q
  port     = %d
  user     = %q
  database = %q
  sslmode  = "disable"
}
`, host, port, user, database)}
}

// writeConfig writes the benchmark configuration into dir: one tenant,
// the SalesOrders table only, tracked by LastModifiedDateTime.
func writeConfig(dir string, c *config, dst destination) error {
	src := fmt.Sprintf(`# Written by syncbench.
variable "url" {
  type = string
}

source "acumatica" "erp" {
  url    = var.url
  tenant = %q

  auth "basic" {
    username = env("SYNCBENCH_USER")
    password = env("SYNCBENCH_PASSWORD")
  }

  page_size = %d
}

%s
table "sales_orders" {
  source      = source.acumatica.erp
  entity      = %q
  destination = destination.%s.bench
  primary_key = ["OrderType", "OrderNbr"]
  batch_size  = %d

  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
    offset = "5m"
  }
}
`, fakeTenant, c.pageSize, dst.hcl, entity, dst.name, c.batchSize)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644)
}

// applyResult is one measured `syncctl apply`.
type applyResult struct {
	usage
	rows     int64 // rows read
	inserted int64
	updated  int64
	heapMB   int64 // largest Go heap seen by the garbage collector
}

var (
	summaryRe = regexp.MustCompile(`(\d+) rows read, (\d+) inserted, (\d+) updated`)
	gcHeapRe  = regexp.MustCompile(`(\d+)->(\d+)->(\d+) MB`)
)

// apply runs `syncctl apply --auto-approve` in dir against the fake.
func (b *bench) apply(ctx context.Context, dir, url string, profile string) (*applyResult, error) {
	env := []string{"SYNCBENCH_USER=" + fakeUser,
		"SYNCBENCH_PASSWORD=" + fakePassword, "GODEBUG=gctrace=1"}
	if profile != "" {
		env = append(env, "SYNCCTL_CPUPROFILE="+profile)
	}
	args := []string{"--chdir", dir, "apply", "--auto-approve", "--no-color",
		"--var", "url=" + url}
	u, stdout, stderr, err := measure(ctx, b.cfg.timeout, b.syncctl, args, env)
	if err != nil {
		return nil, err
	}
	r := &applyResult{usage: u}
	m := summaryRe.FindSubmatch(stdout)
	if m == nil {
		return nil, fmt.Errorf("syncctl apply: no summary in its output:\n%s", tail(stdout))
	}
	r.rows, _ = strconv.ParseInt(string(m[1]), 10, 64)
	r.inserted, _ = strconv.ParseInt(string(m[2]), 10, 64)
	r.updated, _ = strconv.ParseInt(string(m[3]), 10, 64)
	for _, g := range gcHeapRe.FindAllSubmatch(stderr, -1) {
		for _, s := range g[1:3] {
			n, _ := strconv.ParseInt(string(s), 10, 64)
			r.heapMB = max(r.heapMB, n)
		}
	}
	return r, nil
}

// validate reports why syncctl cannot use the configuration in dir, or
// "" when it can.
func (b *bench) validate(ctx context.Context, dir string) string {
	args := []string{"--chdir", dir, "validate", "--no-color"}
	_, stdout, stderr, err := measure(ctx, time.Minute, b.syncctl, args, nil)
	if err == nil {
		return ""
	}
	for _, line := range strings.Split(string(stdout)+string(stderr), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "Error:") {
			return line
		}
	}
	return "syncctl validate failed"
}
