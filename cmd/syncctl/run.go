package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/syncctl/syncctl/connectors"

	_ "github.com/syncctl/syncctl/connectors/acumatica"
	_ "github.com/syncctl/syncctl/connectors/duckdb"
	_ "github.com/syncctl/syncctl/connectors/postgres"
)

// Exit codes, documented in README.md.
const (
	exitOK          = 0
	exitError       = 1
	exitChanges     = 2
	exitPartial     = 3
	exitInterrupted = 130
)

// env is what every command gets: standard streams and global options.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	noColor        bool
	verbosity      int
	log            *slog.Logger
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

var commands []*command

func init() {
	commands = []*command{
		{"validate", "Check the configuration without touching the network", runValidate},
		{"plan", "Show what apply would do", runPlan},
		{"apply", "Extract and load, after showing the plan", runApply},
		{"status", "Show what each table's destination holds", runStatus},
		{"fmt", "Rewrite configuration files in the canonical layout", runFmt},
		{"graph", "Print the dependency graph in Graphviz DOT format", runGraph},
		{"console", "Evaluate expressions against the configuration", runConsole},
		{"encrypt", "Encrypt a secret for encrypted() in the configuration", runEncrypt},
		{"login", "Sign in to Acumatica through a browser, for OAuth 2.0 sources", runLogin},
		{"version", "Print the version", runVersion},
	}
}

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run parses global flags, picks the command and runs it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := pflag.NewFlagSet("syncctl", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(io.Discard)
	chdir := fs.String("chdir", "", "switch to `DIR` before doing anything")
	fs.BoolVar(&e.noColor, "no-color", false, "do not color the output")
	help := fs.BoolP("help", "h", false, "show help")
	versionFlag := fs.Bool("version", false, "print the version")
	if err := fs.Parse(args); err != nil {
		return usageError(e, err, fs)
	}
	if *versionFlag {
		return runVersion(ctx, e, nil)
	}
	rest := fs.Args()
	if *help || len(rest) == 0 {
		printUsage(e.stdout, fs)
		if len(rest) == 0 && !*help {
			return exitError
		}
		return exitOK
	}
	if *chdir != "" {
		if err := os.Chdir(*chdir); err != nil {
			fmt.Fprintf(e.stderr, "Error: --chdir: %v\n", err)
			return exitError
		}
	}
	cmd := lookupCommand(rest[0])
	if cmd == nil {
		fmt.Fprintf(e.stderr, "Error: unknown command %q.%s\nRun 'syncctl --help' for the list of commands.\n",
			rest[0], suggest(rest[0], commandNames()))
		return exitError
	}
	return cmd.run(ctx, e, rest[1:])
}

func commandNames() []string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return names
}

func printUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: syncctl [--chdir DIR] COMMAND [flags] [args]\n\n")
	fmt.Fprintf(w, "syncctl syncs data declared in *.hcl files: plan shows what would run,\napply extracts and loads.\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nGlobal flags:\n%s", fs.FlagUsages())
	fmt.Fprintf(w, "\nRun 'syncctl COMMAND --help' for a command's flags.\n")
}

// usageError reports a flag error with a hint for Terraform's
// single-dash spelling and the closest flag name.
func usageError(e *env, err error, fs *pflag.FlagSet) int {
	msg := err.Error()
	fmt.Fprintf(e.stderr, "Error: %s\n", msg)
	if name, ok := strings.CutPrefix(unknownFlag(msg), "-"); ok && !strings.HasPrefix(name, "-") {
		name, _, _ = strings.Cut(name, "=")
		if fs.Lookup(name) != nil || len(name) > 1 {
			fmt.Fprintf(e.stderr, "Hint: syncctl flags take two dashes: write --%s.\n", name)
			return exitError
		}
	}
	if name := strings.TrimLeft(unknownFlag(msg), "-"); name != "" {
		var names []string
		fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		if s := suggest(name, names); s != "" {
			fmt.Fprintf(e.stderr, "Hint:%s\n", strings.ReplaceAll(s, "Did you mean \"", "did you mean \"--"))
		}
	}
	return exitError
}

// unknownFlag extracts the flag from pflag's "unknown flag" errors.
func unknownFlag(msg string) string {
	for _, p := range []string{"unknown flag: ", "unknown shorthand flag: "} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			if p == "unknown shorthand flag: " {
				// "unknown shorthand flag: 'a' in -auto-approve"
				if i := strings.LastIndex(rest, " in "); i >= 0 {
					return rest[i+4:]
				}
			}
			return rest
		}
	}
	return ""
}

// suggest returns " Did you mean "X"?" for the closest name, or "".
func suggest(name string, names []string) string {
	best := connectors.Closest(name, names, 3)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// newFlags creates a command's flag set with the shared --verbosity and
// --help flags.
func newFlags(e *env, name string) (*pflag.FlagSet, *bool) {
	fs := pflag.NewFlagSet("syncctl "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVarP(&e.verbosity, "verbosity", "v", 0, "log detail on stderr: 0 warnings, 1 progress, 2 HTTP and SQL detail")
	fs.BoolVar(&e.noColor, "no-color", e.noColor, "do not color the output")
	help := fs.BoolP("help", "h", false, "show help")
	return fs, help
}

// parseFlags parses args and handles --help; done is true when the
// command should return code.
func parseFlags(e *env, fs *pflag.FlagSet, help *bool, args []string, usage string) (done bool, code int) {
	// Terraform spells long flags with one dash; pflag would read -var
	// as -v -a -r. Catch that before parsing.
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || strings.HasPrefix(a, "--") || len(a) < 3 {
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if f := fs.Lookup(name); f != nil && len(name) > 1 {
			fmt.Fprintf(e.stderr, "Error: unknown shorthand flag %q\nHint: syncctl flags take two dashes: write --%s.\n", a, name)
			return true, exitError
		}
	}
	if err := fs.Parse(args); err != nil {
		return true, usageError(e, err, fs)
	}
	if *help {
		fmt.Fprintf(e.stdout, "Usage: %s\n\nFlags:\n%s", usage, fs.FlagUsages())
		return true, exitOK
	}
	level := slog.LevelWarn
	switch {
	case e.verbosity >= 2:
		level = slog.LevelDebug
	case e.verbosity == 1:
		level = slog.LevelInfo
	}
	e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	return false, 0
}
