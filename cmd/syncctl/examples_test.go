package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	portRe = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	dbRe   = regexp.MustCompile(`syncctl_e2e_[0-9a-f]+`)
)

// normalize makes plan output independent of the fake's port and of the
// test database's name.
func normalize(s string) string {
	s = portRe.ReplaceAllString(s, "127.0.0.1:PORT")
	return dbRe.ReplaceAllString(s, "syncctl_e2e_DB")
}

// copyDir copies the *.hcl files of an example into a temporary
// directory, so that relative paths in it land there.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	files, err := filepath.Glob(filepath.Join(src, "*.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// checkGolden compares got with the golden file, or rewrites it.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/syncctl -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (rewrite with -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestExamplesGolden validates every example offline, then plans it
// against the fake (fixed data) before and after a first apply, and
// compares both plans with the example's golden files.
func TestExamplesGolden(t *testing.T) {
	dirs, err := filepath.Glob("../../examples/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			// Examples are formatted canonically.
			if code, out, _ := runCLI(t, "fmt", "--check", abs); code != 0 {
				t.Errorf("%s is not formatted (syncctl fmt would change %s)", dir, strings.TrimSpace(out))
			}
			code, out, errOut := runCLI(t, "--chdir", abs, "validate")
			if code != 0 {
				t.Fatalf("validate exited %d:\n%s%s", code, out, errOut)
			}

			_, url := acumaticatest.NewServer(t, acumaticatest.Options{
				Tenants: []string{"Company", "Sub Co"}, Rows: 200,
				User: fakeUser, Password: fakePassword})
			t.Setenv("ACUMATICA_USER", fakeUser)
			t.Setenv("ACUMATICA_PASSWORD", fakePassword)
			t.Setenv("SYNCCTL_VAR_instance_url", url)
			if filepath.Base(dir) == "postgres" {
				w := postgresWarehouse(t)
				t.Setenv("SYNCCTL_VAR_postgres_url", strings.TrimPrefix(w.vars[1], "postgres_url="))
			}
			work := copyDir(t, abs)

			code, out, errOut = runCLI(t, "--chdir", work, "plan", "--no-color")
			if code != 0 {
				t.Fatalf("plan exited %d:\n%s%s", code, out, errOut)
			}
			checkGolden(t, filepath.Join(abs, "plan.golden"), normalize(out))

			if code, out, errOut = runCLI(t, "--chdir", work, "apply", "--auto-approve"); code != 0 {
				t.Fatalf("apply exited %d:\n%s%s", code, out, errOut)
			}
			code, out, errOut = runCLI(t, "--chdir", work, "plan", "--no-color")
			if code != 0 {
				t.Fatalf("second plan exited %d:\n%s%s", code, out, errOut)
			}
			checkGolden(t, filepath.Join(abs, "plan-incremental.golden"), normalize(out))
			if strings.Contains(out, fakePassword) {
				t.Error("plan output contains the password")
			}
		})
	}
}
