package schema_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/syncctl/syncctl/engine"
	"github.com/syncctl/syncctl/schema"
)

// FuzzLoad feeds arbitrary files to the configuration entry point, as
// validate reads them (offline), seeded with every fixture and example.
// It must never panic or hang, whatever the input.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/invalid/*.hcl")
	examples, _ := filepath.Glob("../examples/*/*.hcl")
	for _, p := range append(seeds, examples...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	opts := schema.Options{Offline: true, LookupEnv: func(string) (string, bool) { return "", false }}
	f.Fuzz(func(t *testing.T, src []byte) {
		ws, diags := engine.LoadSources(map[string][]byte{"main.hcl": src}, opts)
		if ws == nil {
			t.Fatal("LoadSources returned no workspace")
		}
		// Diagnostics must render, with or without ranges.
		for _, d := range diags {
			_ = d.Error()
		}
	})
}
