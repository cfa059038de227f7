package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args  []string
		sizes []int
		out   string
		err   string
	}{
		{nil, []int{100_000, 1_000_000}, "docs/performance.md", ""},
		{[]string{"--quick"}, []int{100_000}, "", ""},
		{[]string{"--quick", "--out", "x.md"}, []int{100_000}, "x.md", ""},
		{[]string{"--rows", "5000"}, []int{5000}, "docs/performance.md", ""},
		{[]string{"--rows", "10"}, nil, "", "too small"},
		{[]string{"--runs", "0"}, nil, "", "at least 1"},
		{[]string{"--pg-host", "db.example.com"}, nil, "", "loopback"},
	}
	for _, tt := range tests {
		c, err := parseFlags(tt.args, io.Discard)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseFlags(%q) = %v; want an error with %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseFlags(%q) = %v", tt.args, err)
			continue
		}
		if len(c.sizes) != len(tt.sizes) || c.sizes[0] != tt.sizes[0] || c.out != tt.out {
			t.Errorf("parseFlags(%q) = sizes %v, out %q; want %v, %q", tt.args, c.sizes, c.out, tt.sizes, tt.out)
		}
	}
}

func TestSummaryAndHeap(t *testing.T) {
	stdout := "Apply complete: 1 table, 1000000 rows read, 999990 inserted, 10 updated, 0 deleted.\n"
	m := summaryRe.FindStringSubmatch(stdout)
	if m == nil || m[1] != "1000000" || m[2] != "999990" || m[3] != "10" {
		t.Errorf("summary %q parsed as %q", stdout, m)
	}
	stderr := "gc 9 @1.2s 3%: 0.1+2+0.1 ms clock, 0.2+1/2/0+0.2 ms cpu, 28->31->15 MB, 32 MB goal, 0 MB stacks, 0 MB globals, 2 P\n"
	if g := gcHeapRe.FindStringSubmatch(stderr); g == nil || g[1] != "28" || g[2] != "31" {
		t.Errorf("gctrace %q parsed as %q", stderr, g)
	}
}

func TestCheckSeries(t *testing.T) {
	tests := []struct {
		kind string
		r    applyResult
		ok   bool
	}{
		{kindFull, applyResult{rows: 1000, inserted: 1000}, true},
		{kindFull, applyResult{rows: 1000, inserted: 999}, false},
		{kindNoChange, applyResult{rows: 40}, true},
		{kindNoChange, applyResult{rows: 40, updated: 1}, false},
		{kindOnePercent, applyResult{rows: 40, updated: 10}, true},
		{kindOnePercent, applyResult{rows: 40, updated: 9}, false},
	}
	for _, tt := range tests {
		if err := checkSeries(tt.kind, 1000, &tt.r); (err == nil) != tt.ok {
			t.Errorf("checkSeries(%s, %+v) = %v; want ok %t", tt.kind, tt.r, err, tt.ok)
		}
	}
}

func TestKeepFastest(t *testing.T) {
	var r result
	r.keep(3*time.Second, 5*time.Second, 100)
	r.keep(2*time.Second, 4*time.Second, 90)
	r.keep(4*time.Second, 6*time.Second, 120)
	if r.wall != 2*time.Second || r.cpu != 4*time.Second || r.rss != 120 || r.runs != 3 {
		t.Errorf("keep: wall %v cpu %v rss %d runs %d; want 2s, 4s, 120, 3", r.wall, r.cpu, r.rss, r.runs)
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := fmtCount(n); got != want {
			t.Errorf("fmtCount(%v) = %q; want %q", n, got, want)
		}
	}
	if got := fmtDuration(1500 * time.Millisecond); got != "1.50 s" {
		t.Errorf("fmtDuration(1.5s) = %q", got)
	}
}
