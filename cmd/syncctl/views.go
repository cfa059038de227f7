package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/engine"
)

// printDiags renders diagnostics with file, line and source snippet.
func printDiags(e *env, ws *engine.Workspace, diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	var files map[string]*hcl.File
	if ws != nil && ws.Config != nil && ws.Config.Parser != nil {
		files = ws.Config.Files()
	}
	w := hcl.NewDiagnosticTextWriter(e.stderr, files, 78, !e.noColor && isTerminal(e.stderr))
	_ = w.WriteDiagnostics(diags)
}

// jsonDiag is a diagnostic in validate --json output.
type jsonDiag struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
}

type jsonRange struct {
	Filename string `json:"filename"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	EndLine  int    `json:"end_line"`
	EndCol   int    `json:"end_column"`
}

func validateJSON(ws *engine.Workspace, diags hcl.Diagnostics) any {
	out := struct {
		Valid       bool       `json:"valid"`
		Errors      int        `json:"error_count"`
		Warnings    int        `json:"warning_count"`
		Diagnostics []jsonDiag `json:"diagnostics"`
	}{Valid: !diags.HasErrors(), Diagnostics: []jsonDiag{}}
	for _, d := range diags {
		jd := jsonDiag{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			out.Warnings++
		} else {
			out.Errors++
		}
		if d.Subject != nil {
			jd.Range = &jsonRange{Filename: d.Subject.Filename,
				Line: d.Subject.Start.Line, Column: d.Subject.Start.Column,
				EndLine: d.Subject.End.Line, EndCol: d.Subject.End.Column}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	return out
}

var actionWords = map[engine.Action]struct{ sym, text string }{
	engine.ActionCreate:      {"+", "will be created and fully loaded"},
	engine.ActionLoad:        {"+", "will be fully loaded"},
	engine.ActionResume:      {">", "will resume its interrupted load"},
	engine.ActionIncremental: {"~", "will be read incrementally"},
	engine.ActionReload:      {"-/+", "will be reloaded"},
}

// renderPlan prints the plan: one paragraph per table, then a summary.
func renderPlan(e *env, p *engine.Plan) {
	w := e.stdout
	if len(p.Tables) == 0 && len(p.Models) == 0 {
		fmt.Fprintln(w, "No tables to sync.")
		return
	}
	fmt.Fprintln(w, "syncctl will perform the following actions:")
	for _, tp := range p.Tables {
		renderTablePlan(w, tp)
	}
	for _, mp := range p.Models {
		renderModelPlan(w, mp)
	}
	c := p.Counts()
	fmt.Fprintf(w, "\nPlan: %d to create, %d to load in full, %d to resume, %d to read incrementally, %d to reload",
		c[engine.ActionCreate], c[engine.ActionLoad], c[engine.ActionResume],
		c[engine.ActionIncremental], c[engine.ActionReload])
	if len(p.Models) > 0 {
		fmt.Fprintf(w, ", %d models to refresh", len(p.Models))
	}
	fmt.Fprintln(w, ".")
}

func renderTablePlan(w io.Writer, tp *engine.TablePlan) {
	a := actionWords[tp.Action]
	fmt.Fprintf(w, "\n  # %s %s\n", tp.Address, a.text)
	fmt.Fprintf(w, "  # (%s)\n", tp.Reason)
	fmt.Fprintf(w, "  %s %s\n", a.sym, tp.Address)
	field := func(k, v string) { fmt.Fprintf(w, "      %-12s %s\n", k+":", v) }
	field("source", fmt.Sprintf("%s, entity %s, tenant %q", tp.Source, tp.Entity, tp.Tenant))
	field("destination", fmt.Sprintf("%s, table %q", tp.Destination, tp.Table))
	field("primary key", strings.Join(append([]string{connectors.TenantColumn}, tp.Key...), ", "))
	if tp.Tracking == "" {
		field("tracking", "none (every row is read on every run)")
	} else {
		field("tracking", fmt.Sprintf("date, column %s, offset %s", tp.Tracking, tp.Offset))
	}
	if tp.Watermark != "" {
		field("watermark", tp.Watermark)
	}
	if tp.Since != "" {
		field("window", fmt.Sprintf("%s >= %s (watermark - offset: rows committed late by up to %s are caught; re-read rows merge by key)",
			tp.Tracking, tp.Since, tp.Offset))
	}
	if tp.Action == engine.ActionCreate {
		computed := ""
		if n := len(tp.Computed); n > 0 {
			computed = fmt.Sprintf("%d computed, ", n)
		}
		field("columns", fmt.Sprintf("%d (%d from the source, %s%s, %s)", len(tp.Columns),
			len(tp.Columns)-2-len(tp.Computed), computed,
			connectors.TenantColumn, connectors.SyncedAtColumn))
	}
	if len(tp.NewColumns) > 0 && tp.Action != engine.ActionCreate {
		field("new columns", strings.Join(tp.NewColumns, ", "))
	}
	for _, c := range tp.Computed {
		field("computed", fmt.Sprintf("%s = %s (%s)", c.Name, c.Expr, c.Type))
	}
	if tp.Where != "" {
		field("where", tp.Where+" (rows that fail are not loaded; loaded rows that stop passing are deleted)")
	}
	field("batch size", fmt.Sprint(tp.BatchSize))
	field("request", tp.Request)
}

func printTableErrors(e *env, errs []*engine.TableError) {
	for _, err := range errs {
		fmt.Fprintf(e.stderr, "Error: %s\n", err)
	}
}

// applyView prints progress of an apply. Safe for concurrent use.
type applyView struct {
	e  *env
	mu sync.Mutex
}

func newApplyView(e *env) *applyView { return &applyView{e: e} }

func (v *applyView) TableStarted(tp *engine.TablePlan) {
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.e.stdout, "%s: %s...\n", tp.Address, startWord(tp.Action))
}

func startWord(a engine.Action) string {
	switch a {
	case engine.ActionIncremental:
		return "reading changes"
	case engine.ActionResume:
		return "resuming"
	case engine.ActionReload:
		return "reloading"
	}
	return "loading"
}

func (v *applyView) BatchCommitted(tp *engine.TablePlan, rows int64, total connectors.Change) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.e.verbosity >= 1 {
		fmt.Fprintf(v.e.stdout, "%s: %d rows committed\n", tp.Address, rows)
	}
}

func (v *applyView) TableFinished(r *engine.TableResult) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if r.Err != nil {
		fmt.Fprintf(v.e.stdout, "%s: failed after %s\n", r.Plan.Address, r.Duration.Round(time.Millisecond))
		return
	}
	c := r.Change
	wm := ""
	if r.Watermark != "" {
		wm = ", watermark " + r.Watermark
	}
	fmt.Fprintf(v.e.stdout, "%s: done in %s: %d rows read, %d inserted, %d updated, %d deleted%s\n",
		r.Plan.Address, r.Duration.Round(time.Millisecond), r.Rows, c.Inserted, c.Updated, c.Deleted, wm)
}

func (v *applyView) ModelFinished(r *engine.ModelResult) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if r.Err != nil {
		fmt.Fprintf(v.e.stdout, "%s: failed\n", r.Plan.Address)
		fmt.Fprintf(v.e.stderr, "Error: %s\n", r.Err)
		return
	}
	fmt.Fprintf(v.e.stdout, "%s: %s refreshed in %s\n", r.Plan.Address, r.Plan.Materialized,
		r.Duration.Round(time.Millisecond))
}

// summary prints the errors and totals; it returns the failed count.
func (v *applyView) summary(results []*engine.TableResult) int {
	var total connectors.Change
	var rows int64
	failed := 0
	for _, r := range results {
		if r == nil {
			continue
		}
		if r.Err != nil {
			if !errors.Is(r.Err, errCanceled) {
				fmt.Fprintf(v.e.stderr, "Error: %s\n", r.Err)
			}
			failed++
			continue
		}
		total.Add(r.Change)
		rows += r.Rows
	}
	if failed > 0 {
		fmt.Fprintf(v.e.stdout, "\nApply finished with errors: %d of %d tables failed; the others were loaded. Rows committed before a failure are kept; run apply again to continue.\n",
			failed, len(results))
		return failed
	}
	fmt.Fprintf(v.e.stdout, "\nApply complete: %d tables, %d rows read, %d inserted, %d updated, %d deleted.\n",
		len(results), rows, total.Inserted, total.Updated, total.Deleted)
	return 0
}

func renderModelPlan(w io.Writer, mp *engine.ModelPlan) {
	fmt.Fprintf(w, "\n  # %s will be refreshed (%s)\n", mp.Address, mp.Materialized)
	fmt.Fprintf(w, "  ~ %s\n", mp.Address)
	field := func(k, v string) { fmt.Fprintf(w, "      %-12s %s\n", k+":", v) }
	field("destination", mp.Destination)
	if len(mp.DependsOn) > 0 {
		field("after", strings.Join(mp.DependsOn, ", "))
	}
	field("sql", strings.Join(strings.Fields(mp.SQL), " "))
}
