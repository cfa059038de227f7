package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

// promptWriter calls onPrompt once the confirmation prompt is written.
type promptWriter struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	once     sync.Once
	onPrompt func()
}

func (w *promptWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	n, err := w.buf.Write(p)
	prompted := strings.Contains(w.buf.String(), "Enter a value:")
	w.mu.Unlock()
	if prompted {
		w.once.Do(w.onPrompt)
	}
	return n, err
}

// TestConfirmInterrupted interrupts apply while it waits for "yes": it
// must stop at once with the interrupt exit code and load nothing.
func TestConfirmInterrupted(t *testing.T) {
	_, url := acumaticatest.NewServer(t, acumaticatest.Options{Rows: 50, Password: "pw"})
	t.Setenv("ACU_PASSWORD", "pw")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(modelsConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdin, stdinW := io.Pipe() // never answers
	defer stdinW.Close()
	out := &promptWriter{onPrompt: cancel}
	var errOut bytes.Buffer
	code := run(ctx, []string{"--chdir", dir, "apply", "--var", "instance_url=" + url}, stdin, out, &errOut)
	if code != exitInterrupted {
		t.Fatalf("apply interrupted at the prompt exited %d; want %d\n%s%s", code, exitInterrupted, out.buf.String(), errOut.String())
	}
	if !strings.Contains(out.buf.String(), "Apply cancelled.") {
		t.Errorf("stdout lacks the cancellation:\n%s", out.buf.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "out.duckdb")); err == nil {
		// The destination may exist (plan opened it), but holds no table.
		code, so, _ := runCLI(t, "--chdir", dir, "status")
		if code != 0 || !strings.Contains(so, "never loaded") {
			t.Errorf("status after the interrupted prompt (exit %d):\n%s", code, so)
		}
	}
}
