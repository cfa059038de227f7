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

// validateReport is the JSON document validate --json prints.
type validateReport struct {
	Valid       bool       `json:"valid"`
	Errors      int        `json:"error_count"`
	Warnings    int        `json:"warning_count"`
	Diagnostics []jsonDiag `json:"diagnostics"`
}

func validateJSON(ws *engine.Workspace, diags hcl.Diagnostics) *validateReport {
	out := &validateReport{Valid: !diags.HasErrors(), Diagnostics: []jsonDiag{}}
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
	engine.ActionRecreate:    {"-/+", "will be dropped and loaded again"},
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
	if n := c[engine.ActionRecreate]; n > 0 {
		fmt.Fprintf(w, ", %d to recreate", n)
	}
	if len(p.Models) > 0 {
		fmt.Fprintf(w, ", %s to refresh", plural(len(p.Models), "model"))
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
		note := fmt.Sprintf("watermark - offset: rows committed late by up to %s are caught; re-read rows merge by key", tp.Offset)
		if tp.Offset == "0s" {
			note = "no offset: rows tied at the watermark are re-read and merge by key; rows committed late are missed"
		}
		field("window", fmt.Sprintf("%s >= %s (%s)", tp.Tracking, tp.Since, note))
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
	if len(tp.DroppedColumns) > 0 {
		field("dropped", strings.Join(tp.DroppedColumns, ", "))
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

// printTableErrors prints the failures of tables; a source without an
// OAuth token yet is named once, with what to do.
func printTableErrors(e *env, ws *engine.Workspace, errs []*engine.TableError) {
	noToken := map[string]bool{}
	for _, err := range errs {
		if src := sourceWithoutToken(ws, err); src != "" {
			if !noToken[src] {
				fmt.Fprintf(e.stderr, "Error: %s has no OAuth token yet: run syncctl login\n", src)
			}
			noToken[src] = true
			continue
		}
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
	case engine.ActionRecreate:
		return "recreating"
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
	switch {
	case r.Err != nil && errors.Is(r.Err, engine.ErrSkipped):
		fmt.Fprintf(v.e.stdout, "%s: skipped: %v\n", r.Plan.Address, r.Err)
		return
	case r.Err != nil && errors.Is(r.Err, errCanceled) && r.Duration == 0:
		fmt.Fprintf(v.e.stdout, "%s: not started (interrupted)\n", r.Plan.Address)
		return
	case r.Err != nil && errors.Is(r.Err, errCanceled):
		fmt.Fprintf(v.e.stdout, "%s: interrupted after %s\n", r.Plan.Address, r.Duration.Round(time.Millisecond))
		return
	case r.Err != nil:
		fmt.Fprintf(v.e.stdout, "%s: failed after %s\n", r.Plan.Address, r.Duration.Round(time.Millisecond))
		return
	}
	c := r.Change
	wm := ""
	if r.Watermark != "" {
		wm = ", watermark " + r.Watermark
	}
	fmt.Fprintf(v.e.stdout, "%s: done in %s: %s read, %d inserted, %d updated, %d deleted%s\n",
		r.Plan.Address, r.Duration.Round(time.Millisecond), plural(int(r.Rows), "row"), c.Inserted, c.Updated, c.Deleted, wm)
	if r.Duplicates > 0 && r.Plan.KeyUnsure {
		fmt.Fprintf(v.e.stderr, "Warning: %s: %s shared a primary key (%s) with a later row of the same batch and were merged into it; if the key is not unique in the source, rows are lost: set primary_key to the entity's key\n",
			r.Plan.Address, plural(int(r.Duplicates), "row"), strings.Join(r.Plan.Key, ", "))
	}
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

// summary prints the errors and totals of an apply. It returns how many
// tables and models failed (or did not run) and how many there were.
func (v *applyView) summary(interrupted bool, results []*engine.TableResult, models []*engine.ModelResult, unplanned int) (failed, total int) {
	var change connectors.Change
	var rows int64
	loaded := 0
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
		loaded++
		change.Add(r.Change)
		rows += r.Rows
	}
	modelsFailed := 0
	for _, m := range models {
		if m.Err != nil {
			modelsFailed++
		}
	}
	failed += modelsFailed + unplanned
	total = len(results) + len(models) + unplanned
	totals := fmt.Sprintf("%d rows read, %d inserted, %d updated, %d deleted",
		rows, change.Inserted, change.Updated, change.Deleted)
	switch {
	case interrupted:
		fmt.Fprintf(v.e.stdout, "\nApply interrupted: %s of %d finished (%s). Committed batches are kept; run apply again to continue.\n",
			plural(loaded, "table"), len(results)+unplanned, totals)
	case failed > 0:
		var parts []string
		if n := failed - modelsFailed - unplanned; n > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s failed", n, plural(len(results), "table")))
		}
		if unplanned > 0 {
			parts = append(parts, fmt.Sprintf("%s could not be planned", plural(unplanned, "table")))
		}
		if modelsFailed > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s failed", modelsFailed, plural(len(models), "model")))
		}
		done := "nothing was loaded"
		if loaded > 0 {
			done = fmt.Sprintf("%s loaded (%s)", plural(loaded, "table"), totals)
		}
		fmt.Fprintf(v.e.stdout, "\nApply finished with errors: %s; %s. Rows committed before a failure are kept; run apply again to continue.\n",
			strings.Join(parts, ", "), done)
	default:
		fmt.Fprintf(v.e.stdout, "\nApply complete: %s, %s.\n", plural(len(results), "table"), totals)
	}
	return failed, total
}

// plural formats a count with a noun, adding "s" unless it is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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
