package schema_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	_ "github.com/syncctl/syncctl/connectors/acumatica"
	_ "github.com/syncctl/syncctl/connectors/duckdb"
	"github.com/syncctl/syncctl/engine"
	"github.com/syncctl/syncctl/schema"
)

// expectation is one "# ERROR: summary" (or "# WARNING: summary") mark
// in an invalid fixture.
type expectation struct {
	line    int
	summary string
	warning bool
}

func expectations(t *testing.T, path string) []expectation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expectation
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if _, s, ok := strings.Cut(sc.Text(), "# ERROR: "); ok {
			out = append(out, expectation{line: n, summary: strings.TrimSpace(s)})
		}
		if _, s, ok := strings.Cut(sc.Text(), "# WARNING: "); ok {
			out = append(out, expectation{line: n, summary: strings.TrimSpace(s), warning: true})
		}
	}
	return out
}

// TestInvalid loads every file of testdata/invalid alone, offline (as
// validate does), and checks that exactly the marked errors come out, on
// the marked lines.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want := expectations(t, path)
			if len(want) == 0 {
				t.Fatalf("%s marks no expected error", path)
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(path)), src, 0o644); err != nil {
				t.Fatal(err)
			}
			_, diags := engine.Load(dir, schema.Options{Offline: true,
				LookupEnv: func(string) (string, bool) { return "", false }})
			var got []expectation
			for _, d := range diags {
				line := 0
				if d.Subject != nil {
					line = d.Subject.Start.Line
				}
				got = append(got, expectation{line: line, summary: d.Summary,
					warning: d.Severity == hcl.DiagWarning})
			}
			for _, w := range want {
				if !contains(got, w) {
					t.Errorf("missing diagnostic on line %d: %q (warning %v)\ngot: %v", w.line, w.summary, w.warning, got)
				}
			}
			// Every error must be marked; warnings only where a fixture
			// marks them.
			for _, g := range got {
				if !g.warning && !contains(want, g) {
					t.Errorf("unexpected error on line %d: %q", g.line, g.summary)
				}
			}
		})
	}
}

func contains(list []expectation, e expectation) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}
