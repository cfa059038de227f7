package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
		fmt.Fprintf(e.stdout, "The configuration is valid: %d sources, %d destinations, %d tables.\n",
			len(ws.Sources), len(ws.Destinations), len(ws.Tables))
	}
	if !ok {
		return exitError
	}
	return exitOK
}

type planFlags struct {
	varFlags
	targets     []string
	parallelism int
	jsonOut     bool
}

func (p *planFlags) register(fs *pflag.FlagSet) {
	p.varFlags.register(fs)
	fs.StringArrayVar(&p.targets, "target", nil, "limit to a table `ADDR`ess, e.g. table.orders or table.orders[\"Company\"] (repeatable)")
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
	p := &engine.Planner{WS: ws, Log: e.log, Targets: pf.targets}
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
	ws, _, ok := load(e, pf.options(false), false)
	if !ok {
		return exitError
	}
	p := &engine.Planner{WS: ws, Log: e.log, Targets: pf.targets}
	r, diags, errs := p.Begin(ctx)
	defer r.Close()
	printDiags(e, ws, diags)
	if diags.HasErrors() && len(r.Plan.Tables) == 0 || (len(errs) > 0 && len(r.Plan.Tables) == 0) {
		printTableErrors(e, ws, errs)
		return exitCodeFor(ctx, exitError)
	}
	if saved != nil {
		if err := r.Plan.CheckSaved(saved); err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			return exitError
		}
	} else {
		renderPlan(e, r.Plan)
	}
	if len(errs) > 0 {
		printTableErrors(e, ws, errs)
		fmt.Fprintf(e.stdout, "\n%d table(s) cannot be planned and will be skipped.\n", len(errs))
	}
	if len(r.Plan.Tables) == 0 {
		return exitOK
	}
	if !*auto && !confirm(e) {
		fmt.Fprintln(e.stdout, "\nApply cancelled.")
		return exitError
	}
	fmt.Fprintln(e.stdout)
	v := newApplyView(e)
	results := r.Apply(ctx, engine.ApplyOptions{Parallelism: pf.parallelism,
		Now: clock, Observer: v})
	failed, total := v.summary(ctx.Err() != nil, results, r.ModelResults, len(errs))
	switch {
	case ctx.Err() != nil:
		return exitInterrupted
	case failed == 0:
		return exitOK
	case failed < total:
		return exitPartial
	}
	return exitError
}

// clock is the apply clock.
func clock() time.Time { return time.Now() }

func confirm(e *env) bool {
	fmt.Fprint(e.stdout, "\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: ")
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(e.stdout)
		return false
	}
	return strings.TrimSpace(line) == "yes"
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
