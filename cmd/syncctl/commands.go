package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/pflag"

	"github.com/syncctl/syncctl/engine"
	"github.com/syncctl/syncctl/schema"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func runVersion(_ context.Context, e *env, _ []string) int {
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	fmt.Fprintf(e.stdout, "syncctl %s\n", v)
	return exitOK
}

// varFlags are the flags that set variables.
type varFlags struct {
	vars     []string
	varFiles []string
}

func (v *varFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&v.vars, "var", nil, "set a variable: `NAME=VALUE` (repeatable)")
	fs.StringArrayVar(&v.varFiles, "var-file", nil, "read variables from a *.vars.hcl `FILE` (repeatable)")
}

func (v *varFlags) options(offline bool) schema.Options {
	return schema.Options{Vars: v.vars, VarFiles: v.varFiles, Offline: offline}
}

// load reads the workspace and prints its diagnostics; ok is false when
// there were errors.
func load(e *env, opts schema.Options, jsonOut bool) (*engine.Workspace, hcl.Diagnostics, bool) {
	ws, diags := engine.Load(".", opts)
	if !jsonOut {
		printDiags(e, ws, diags)
	}
	return ws, diags, !diags.HasErrors()
}

func runValidate(_ context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "validate")
	var vf varFlags
	vf.register(fs)
	jsonOut := fs.Bool("json", false, "print the result as JSON")
	if done, code := parseFlags(e, fs, help, args, "syncctl validate [--json]"); done {
		return code
	}
	ws, diags, ok := load(e, vf.options(true), *jsonOut)
	if *jsonOut {
		writeJSON(e, validateJSON(ws, diags))
	} else if ok {
		fmt.Fprintf(e.stdout, "The configuration is valid: %s, %s, %s, %s.\n",
			plural(len(ws.Sources), "source"), plural(len(ws.Destinations), "destination"),
			plural(len(ws.Tables), "table"), plural(len(ws.Models), "model"))
	}
	if !ok {
		return exitError
	}
	return exitOK
}

type planFlags struct {
	varFlags
	targets     []string
	reload      []string
	parallelism int
	jsonOut     bool
}

func (p *planFlags) register(fs *pflag.FlagSet) {
	p.varFlags.register(fs)
	fs.StringArrayVar(&p.targets, "target", nil, "limit to a table `ADDR`ess, e.g. table.orders or table.orders[\"Company\"] (repeatable)")
	fs.StringArrayVar(&p.reload, "reload", nil, "read every row of table `ADDR` again and swap them in, whatever its watermark (repeatable)")
	fs.IntVar(&p.parallelism, "parallelism", 4, "how many sources to read at once")
	fs.BoolVar(&p.jsonOut, "json", false, "print machine-readable JSON")
}

func runPlan(ctx context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "plan")
	var pf planFlags
	pf.register(fs)
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	out := fs.String("out", "", "save the plan to `FILE` for 'syncctl apply FILE'")
	if done, code := parseFlags(e, fs, help, args, "syncctl plan [flags]"); done {
		return code
	}
	ws, _, ok := load(e, pf.options(false), false)
	if !ok {
		return exitError
	}
	p := &engine.Planner{WS: ws, Log: e.log, Targets: pf.targets, Reload: pf.reload}
	plan, diags, errs := p.Plan(ctx)
	printDiags(e, ws, diags)
	if diags.HasErrors() && len(plan.Tables) == 0 {
		printTableErrors(e, ws, errs)
		return exitCodeFor(ctx, exitError)
	}
	switch {
	case pf.jsonOut:
		writeJSON(e, plan)
	case len(errs) > 0 && len(plan.Tables)+len(plan.Models) == 0:
		// Nothing could be planned: the errors say why.
	default:
		renderPlan(e, plan)
	}
	if len(errs) > 0 {
		printTableErrors(e, ws, errs)
		return exitCodeFor(ctx, exitError)
	}
	if *out != "" {
		if err := engine.WritePlanFile(*out, plan); err != nil {
			fmt.Fprintf(e.stderr, "Error: save plan: %v\n", err)
			return exitError
		}
		if !pf.jsonOut {
			fmt.Fprintf(e.stdout, "\nSaved the plan to %s. Apply exactly this plan with:\n  syncctl apply %s\n", *out, *out)
		}
	}
	if *detailed && len(plan.Tables)+len(plan.Models) > 0 {
		return exitChanges
	}
	return exitOK
}

func runApply(ctx context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "apply")
	var pf planFlags
	pf.register(fs)
	auto := fs.Bool("auto-approve", false, "apply without asking for confirmation")
	if done, code := parseFlags(e, fs, help, args, "syncctl apply [--auto-approve] [flags] [PLANFILE]"); done {
		return code
	}
	var saved *engine.Plan
	if fs.NArg() > 1 {
		fmt.Fprintln(e.stderr, "Error: apply takes at most one argument, a plan file saved by plan --out")
		return exitError
	}
	if fs.NArg() == 1 {
		var err error
		if saved, err = engine.ReadPlanFile(fs.Arg(0)); err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return exitError
		}
		// A saved plan was reviewed already.
		*auto = true
	}
	if pf.parallelism < 1 {
		fmt.Fprintf(e.stderr, "Error: --parallelism is %d; it must be 1 or more\n", pf.parallelism)
		return exitError
	}
	if pf.jsonOut && !*auto {
		fmt.Fprintln(e.stderr, "Error: apply --json cannot ask for confirmation; add --auto-approve or apply a saved plan file")
		return exitError
	}
	// With --json, human output is dropped and one JSON document ends
	// the run; errors still go to stderr.
	out := e
	report := &applyReport{}
	if pf.jsonOut {
		quiet := *e
		quiet.stdout = io.Discard
		out = &quiet
	}
	finish := func(code int) int {
		if pf.jsonOut {
			report.ExitCode = code
			writeJSON(e, report)
		}
		return code
	}

	ws, ldiags, ok := load(e, pf.options(false), false)
	report.Diagnostics = validateJSON(ws, ldiags).Diagnostics
	if !ok {
		return finish(exitError)
	}
	p := &engine.Planner{WS: ws, Log: e.log, Targets: pf.targets, Reload: pf.reload}
	r, diags, errs := p.Begin(ctx)
	defer r.Close()
	report.Plan = r.Plan
	report.Diagnostics = append(report.Diagnostics, validateJSON(ws, diags).Diagnostics...)
	for _, err := range errs {
		report.Unplanned = append(report.Unplanned, jsonTableError{err.Addr, err.Err.Error()})
	}
	printDiags(e, ws, diags)
	if diags.HasErrors() && len(r.Plan.Tables) == 0 || (len(errs) > 0 && len(r.Plan.Tables) == 0) {
		printTableErrors(e, ws, errs)
		return finish(exitCodeFor(ctx, exitError))
	}
	if saved != nil {
		if err := r.Plan.CheckSaved(saved); err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return finish(exitError)
		}
	} else {
		renderPlan(out, r.Plan)
	}
	if len(errs) > 0 {
		printTableErrors(e, ws, errs)
		fmt.Fprintf(out.stdout, "\n%s cannot be planned and will be skipped.\n", plural(len(errs), "table"))
	}
	if len(r.Plan.Tables)+len(r.Plan.Models) == 0 {
		return finish(exitOK)
	}
	if !*auto && !confirm(ctx, e) {
		fmt.Fprintln(e.stdout, "\nApply cancelled.")
		return exitCodeFor(ctx, exitError)
	}
	fmt.Fprintln(out.stdout)
	v := newApplyView(out)
	results := r.Apply(ctx, engine.ApplyOptions{Parallelism: pf.parallelism,
		Now: clock, Observer: v})
	report.add(results, r.ModelResults)
	failed, total := v.summary(ctx.Err() != nil, results, r.ModelResults, len(errs))
	switch {
	case ctx.Err() != nil:
		return finish(exitInterrupted)
	case failed == 0:
		return finish(exitOK)
	case failed < total:
		return finish(exitPartial)
	}
	return finish(exitError)
}

// applyReport is the JSON document apply --json prints.
type applyReport struct {
	Plan      *engine.Plan      `json:"plan"`
	Tables    []jsonTableResult `json:"tables"`
	Models    []jsonModelResult `json:"models"`
	Unplanned []jsonTableError  `json:"unplanned,omitempty"`
	// Diagnostics are the configuration's errors and warnings.
	Diagnostics []jsonDiag `json:"diagnostics"`
	ExitCode    int        `json:"exit_code"`
}

type jsonTableResult struct {
	Address    string `json:"address"`
	Action     string `json:"action"`
	Rows       int64  `json:"rows_read"`
	Inserted   int64  `json:"inserted"`
	Updated    int64  `json:"updated"`
	Deleted    int64  `json:"deleted"`
	Watermark  string `json:"watermark,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

type jsonModelResult struct {
	Address    string `json:"address"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

type jsonTableError struct {
	Address string `json:"address"`
	Error   string `json:"error"`
}

func (a *applyReport) add(tables []*engine.TableResult, models []*engine.ModelResult) {
	for _, r := range tables {
		jr := jsonTableResult{Address: r.Plan.Address, Action: string(r.Plan.Action),
			Rows: r.Rows, Inserted: r.Change.Inserted, Updated: r.Change.Updated,
			Deleted: r.Change.Deleted, Watermark: r.Watermark,
			DurationMS: r.Duration.Milliseconds()}
		if r.Err != nil {
			jr.Error = r.Err.Error()
		}
		a.Tables = append(a.Tables, jr)
	}
	for _, m := range models {
		jm := jsonModelResult{Address: m.Plan.Address, DurationMS: m.Duration.Milliseconds()}
		if m.Err != nil {
			jm.Error = m.Err.Error()
		}
		a.Models = append(a.Models, jm)
	}
}

// clock is the apply clock.
func clock() time.Time { return time.Now() }

// confirm asks for "yes"; an interrupt while waiting answers no.
func confirm(ctx context.Context, e *env) bool {
	fmt.Fprint(e.stdout, "\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: ")
	answer := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			line = ""
		}
		answer <- line
	}()
	select {
	case line := <-answer:
		if line == "" {
			fmt.Fprintln(e.stdout)
		}
		return strings.TrimSpace(line) == "yes"
	case <-ctx.Done():
		fmt.Fprintln(e.stdout)
		return false
	}
}

func exitCodeFor(ctx context.Context, code int) int {
	if errors.Is(ctx.Err(), context.Canceled) {
		return exitInterrupted
	}
	return code
}

func writeJSON(e *env, v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
