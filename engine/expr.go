package engine

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/engine/rowexpr"
	"github.com/syncctl/syncctl/schema"
)

// ComputedColumn is a computed column in a plan.
type ComputedColumn struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
	Type string `json:"type"`
}

// exprs are the compiled expressions of one table instance.
type exprs struct {
	computed []*rowexpr.Program
	where    *rowexpr.Program
}

// checkExprSyntax checks the expressions of a table instance without
// metadata, for validate.
func checkExprSyntax(ti *schema.TableInstance) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, c := range ti.Computed {
		if c.Expr != "" {
			diags = append(diags, exprDiags(rowexpr.Syntax(c.Expr), c.Expr, c.ExprRange, c.TypeRange)...)
		}
		if c.Type != "" {
			if _, err := rowexpr.ParseType(c.Type); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: rowexpr.SummaryColumnType, Detail: capitalize(err.Error()) + ".",
					Subject: c.TypeRange.Ptr()})
			}
		}
	}
	if ti.Where != "" {
		diags = append(diags, exprDiags(rowexpr.Syntax(ti.Where), ti.Where, ti.WhereRange, hcl.Range{})...)
	}
	return diags
}

// compileExprs type-checks and compiles a table instance's expressions
// against the entity's columns.
func compileExprs(ti *schema.TableInstance, ent *connectors.Entity) (*exprs, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	x := &exprs{}
	for _, c := range ti.Computed {
		p, err := rowexpr.Compile(c.Expr, ent.Columns, rowexpr.Options{Type: c.Type})
		diags = append(diags, exprDiags(err, c.Expr, c.ExprRange, c.TypeRange)...)
		if err != nil {
			continue
		}
		if p.Type().Inexact {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning,
				Summary: "Unrounded division",
				Detail: fmt.Sprintf("Column %q divides without rounding: a quotient keeps %d significant digits, more than a decimal column stores, and a row whose value does not fit fails its batch. Wrap the division in round(..., N).",
					c.Name, rowexpr.QuotientDigits),
				Subject: c.ExprRange.Ptr()})
		}
		x.computed = append(x.computed, p)
	}
	if ti.Where != "" {
		p, err := rowexpr.Compile(ti.Where, ent.Columns, rowexpr.Options{Purpose: rowexpr.Filter})
		diags = append(diags, exprDiags(err, ti.Where, ti.WhereRange, hcl.Range{})...)
		x.where = p
	}
	return x, diags
}

// exprDiags turns the errors of one expression into diagnostics pointing
// inside it. typeRange, when set, is where a computed column's type is.
func exprDiags(err error, src string, rng, typeRange hcl.Range) hcl.Diagnostics {
	if err == nil {
		return nil
	}
	var errs rowexpr.Errors
	if !errors.As(err, &errs) {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: rowexpr.SummarySyntax,
			Detail: capitalize(err.Error()) + ".", Subject: rng.Ptr()}}
	}
	var diags hcl.Diagnostics
	for _, e := range errs {
		subject := subRange(rng, src, e.Start, e.End)
		if e.Summary == rowexpr.SummaryColumnType && typeRange.Filename != "" {
			subject = typeRange
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: e.Summary, Detail: e.Detail, Subject: subject.Ptr()})
	}
	return diags
}

// subRange is the part [start, end) of an expression whose text is at
// rng in its file. Only a one-line literal without escapes maps
// character for character; anything else gets the whole range.
func subRange(rng hcl.Range, src string, start, end int) hcl.Range {
	if rng.Start.Line != rng.End.Line || rng.End.Byte-rng.Start.Byte != len(src) {
		return rng
	}
	if end <= start {
		end = min(start+1, len(src))
		start = max(0, end-1)
	}
	at := func(off int) hcl.Pos {
		return hcl.Pos{Line: rng.Start.Line,
			Column: rng.Start.Column + utf8.RuneCountInString(src[:off]),
			Byte:   rng.Start.Byte + off}
	}
	return hcl.Range{Filename: rng.Filename, Start: at(start), End: at(end)}
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// appendNew appends the diagnostics of d that diags does not hold yet:
// the instances of one table block share its expressions, and an error
// in one is reported once.
func appendNew(diags, d hcl.Diagnostics) hcl.Diagnostics {
	for _, n := range d {
		dup := false
		for _, o := range diags {
			if o.Summary == n.Summary && o.Detail == n.Detail && o.Subject != nil &&
				n.Subject != nil && *o.Subject == *n.Subject {
				dup = true
				break
			}
		}
		if !dup {
			diags = append(diags, n)
		}
	}
	return diags
}

// programs are the computed columns' programs; x may be nil.
func (x *exprs) programs() []*rowexpr.Program {
	if x == nil {
		return nil
	}
	return x.computed
}

// columns lists the source columns the expressions read that are not in
// read, in order of first use.
func (x *exprs) columns(read []string) []string {
	if x == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, c := range read {
		seen[c] = true
	}
	var out []string
	add := func(p *rowexpr.Program) {
		for _, c := range p.Columns() {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	for _, p := range x.computed {
		add(p)
	}
	if x.where != nil {
		add(x.where)
	}
	return out
}

// checkComputedNames reports computed columns named like another
// destination column.
func checkComputedNames(tp *TablePlan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, name := range tp.readColumns {
		seen[tp.destName(name)] = true
	}
	for _, c := range tp.node.Inst.Computed {
		if seen[c.Name] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Duplicate destination column",
				Detail: fmt.Sprintf("Computed column %q has the name of a column loaded from entity %s; rename one of them (rename, or the column block's label).",
					c.Name, tp.Entity),
				Subject: c.DeclRange.Ptr()})
		}
	}
	return diags
}

// initExprs prepares the evaluators of the loader's expressions for rows
// laid out as cols.
func (l *loader) initExprs(cols []string) error {
	x := l.tp.exprs
	for _, p := range x.programs() {
		e, err := p.Evaluator(cols)
		if err != nil {
			return err
		}
		l.computed = append(l.computed, e)
	}
	if x != nil && x.where != nil {
		e, err := x.where.Evaluator(cols)
		if err != nil {
			return err
		}
		l.where = e
	}
	return nil
}

// keep evaluates the row filter on a source row.
func (l *loader) keep(row []any) (bool, error) {
	if l.where == nil {
		return true, nil
	}
	ok, err := l.where.Keep(row)
	if err != nil {
		return false, fmt.Errorf("where of table %q, row %s: %w", l.tp.Table, l.rowKey(row), err)
	}
	return ok, nil
}

// compute evaluates the computed columns of a source row into out.
func (l *loader) compute(row, out []any) error {
	for i, e := range l.computed {
		v, err := e.Eval(row)
		if err != nil {
			return fmt.Errorf("column %q of table %q, row %s: %w",
				l.tp.Computed[i].Name, l.tp.Table, l.rowKey(row), err)
		}
		out[i] = v
	}
	return nil
}

// rowKey describes a row by its key, for errors.
func (l *loader) rowKey(row []any) string {
	parts := make([]string, len(l.keyIdx))
	for i, k := range l.keyIdx {
		parts[i] = fmt.Sprintf("%s=%v", l.tp.Key[i], row[k])
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
