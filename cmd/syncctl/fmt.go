package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/rogpeppe/go-internal/diff"
)

func runFmt(_ context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "fmt")
	check := fs.Bool("check", false, "change nothing; exit 2 when a file needs formatting")
	showDiff := fs.Bool("diff", false, "print the changes as a unified diff")
	recursive := fs.Bool("recursive", false, "also format subdirectories")
	if done, code := parseFlags(e, fs, help, args, "syncctl fmt [--check] [--diff] [--recursive] [FILE|DIR ...]"); done {
		return code
	}
	targets := fs.Args()
	if len(targets) == 0 {
		targets = []string{"."}
	}
	var files []string
	for _, t := range targets {
		fi, err := os.Stat(t)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return exitError
		}
		if !fi.IsDir() {
			files = append(files, t)
			continue
		}
		found, err := hclFiles(t, *recursive)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return exitError
		}
		files = append(files, found...)
	}
	changed, failed := 0, false
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			failed = true
			continue
		}
		// Refuse to format what does not parse: formatting would hide
		// the error's position.
		if _, diags := hclsyntax.ParseConfig(src, f, hcl.InitialPos); diags.HasErrors() {
			printDiags(e, nil, diags)
			failed = true
			continue
		}
		out := hclwrite.Format(src)
		if bytes.Equal(src, out) {
			continue
		}
		changed++
		fmt.Fprintln(e.stdout, f)
		if *showDiff {
			e.stdout.Write(diff.Diff(f, src, f+" (formatted)", out))
		}
		if !*check {
			if err := os.WriteFile(f, out, 0o644); err != nil {
				fmt.Fprintf(e.stderr, "Error: %v\n", err)
				failed = true
			}
		}
	}
	switch {
	case failed:
		return exitError
	case *check && changed > 0:
		return exitChanges
	}
	return exitOK
}

// hclFiles lists *.hcl files (variable files included) of dir.
func hclFiles(dir string, recursive bool) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && (!recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".hcl") {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}
