package schema

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// SensitiveMark marks values that must never be shown.
const SensitiveMark = "sensitive"

// Options say where variable values come from and whether the command
// works offline.
type Options struct {
	// Vars are --var NAME=VALUE settings, in order.
	Vars []string
	// VarFiles are --var-file paths, in order.
	VarFiles []string
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Offline turns missing values (unset environment variables,
	// variables without a value) into unknown values instead of errors.
	Offline bool
}

func (o *Options) lookupEnv(name string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

// SourceInstance is one instance of a source block (one per for_each
// element, or just one).
type SourceInstance struct {
	Block *Source
	// Key is the for_each key, or "" without for_each.
	Key  string
	Addr string
	// Ctx is the evaluation context for decoding Block.Body.
	Ctx *hcl.EvalContext
}

// DestinationInstance is a destination block with its context.
type DestinationInstance struct {
	Block *Destination
	Addr  string
	Ctx   *hcl.EvalContext
}

// Tracking types.
const (
	TrackingNone = "none"
	TrackingDate = "date"
)

// TableInstance is one instance of a table block, evaluated.
type TableInstance struct {
	Block       *Table
	Key         string
	Addr        string
	Source      *SourceInstance
	Destination *DestinationInstance
	Entity      string
	// DestTable is the destination table name: destination_table, or the
	// block's label.
	DestTable  string
	PrimaryKey []string
	BatchSize  int
	// TrackingType is TrackingNone or TrackingDate.
	TrackingType   string
	TrackingColumn string
	Offset         time.Duration

	// Columns are the source columns to keep (nil: all), Exclude the
	// ones to drop, Rename maps source names to destination names.
	Columns []string
	Exclude []string
	Rename  map[string]string
	// Computed are the computed columns; Where is the row filter source
	// text ("" for none), WhereRange where its text is in the file.
	Computed   []Computed
	Where      string
	WhereRange hcl.Range
}

// Computed is an evaluated computed-column block.
type Computed struct {
	Name string
	// Expr is the expr-lang source, ExprRange where it starts in the file
	// (for diagnostics pointing inside the expression).
	Expr      string
	ExprRange hcl.Range
	// Type optionally forces the result type ("decimal(18,2)", "string",
	// ...); empty infers it. TypeRange is where it is in the file.
	Type      string
	TypeRange hcl.Range
	DeclRange hcl.Range
}

// Instances is the expanded configuration.
type Instances struct {
	Sources      []*SourceInstance
	Destinations []*DestinationInstance
	Tables       []*TableInstance
	Models       []*ModelInstance
	// Ctx evaluates expressions against the whole configuration: var,
	// local, source, destination, table and model references and every
	// function. The console uses it.
	Ctx *hcl.EvalContext
}

// Limits of table settings.
const (
	DefaultBatchSize = 2000
	MaxBatchSize     = 10000
	MaxOffset        = time.Hour
)

// instanceAddr formats an address with an optional for_each key.
func instanceAddr(base, key string) string {
	if key == "" {
		return base
	}
	return fmt.Sprintf("%s[%q]", base, key)
}

// Expand evaluates variables and for_each and returns every instance.
func (c *Config) Expand(opts Options) (*Instances, hcl.Diagnostics) {
	funcs := functions(opts.lookupEnv, opts.Offline)
	vars, diags := c.variableValues(opts, funcs)
	base := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)},
		Functions: funcs,
	}
	locals, d := c.localValues(base)
	diags = append(diags, d...)
	base.Variables["local"] = cty.ObjectVal(locals)
	inst := &Instances{}

	// Sources first: tables refer to them.
	sourceVals := map[string]map[string]cty.Value{}
	byAddr := map[string]*SourceInstance{}
	for _, s := range c.Sources {
		vals, d := c.expandSource(s, base, inst, byAddr)
		diags = append(diags, d...)
		if sourceVals[s.Type] == nil {
			sourceVals[s.Type] = map[string]cty.Value{}
		}
		sourceVals[s.Type][s.Name] = vals
	}
	destVals := map[string]map[string]cty.Value{}
	destByAddr := map[string]*DestinationInstance{}
	for _, d := range c.Destinations {
		di := &DestinationInstance{Block: d, Addr: d.Addr(), Ctx: base}
		inst.Destinations = append(inst.Destinations, di)
		destByAddr[di.Addr] = di
		if destVals[d.Type] == nil {
			destVals[d.Type] = map[string]cty.Value{}
		}
		destVals[d.Type][d.Name] = refObject(di.Addr, d.Type, d.Name, "")
	}

	tableCtx := base.NewChild()
	tableCtx.Variables = map[string]cty.Value{
		"source":      nestedObject(sourceVals),
		"destination": nestedObject(destVals),
	}
	for _, t := range c.Tables {
		diags = append(diags, c.expandTable(t, tableCtx, inst, byAddr, destByAddr)...)
	}
	diags = append(diags, c.checkTableDeps()...)
	diags = append(diags, c.expandModels(tableCtx, inst, destByAddr)...)
	tables, models := c.blockRefs(inst)
	inst.Ctx = tableCtx.NewChild()
	inst.Ctx.Variables = map[string]cty.Value{"table": tables, "model": models}
	return inst, diags
}

// refObject is the value a reference to a block instance evaluates to.
func refObject(addr, typ, name, key string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"address": cty.StringVal(addr),
		"type":    cty.StringVal(typ),
		"name":    cty.StringVal(name),
		"key":     cty.StringVal(key),
	})
}

func nestedObject(m map[string]map[string]cty.Value) cty.Value {
	out := map[string]cty.Value{}
	for typ, names := range m {
		out[typ] = cty.ObjectVal(names)
	}
	return cty.ObjectVal(out)
}

// forEachElems evaluates a for_each expression into sorted keys and
// values. It returns ok=false when the value is unknown.
func forEachElems(expr hcl.Expression, ctx *hcl.EvalContext) (keys []string, vals map[string]cty.Value, ok bool, diags hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return nil, nil, false, diags
	}
	v, _ = v.Unmark()
	bad := func(detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "Invalid for_each argument", Detail: detail,
			Subject: expr.Range().Ptr(), Expression: expr, EvalContext: ctx}}
	}
	if v.IsNull() {
		return nil, nil, false, bad("for_each is null; give it a set of strings or a map.")
	}
	if !v.IsKnown() {
		return nil, nil, false, nil
	}
	ty := v.Type()
	vals = map[string]cty.Value{}
	switch {
	case ty.IsSetType() || ty.IsListType() || ty.IsTupleType():
		if !ty.IsSetType() {
			return nil, nil, false, bad(fmt.Sprintf("for_each takes a set of strings or a map, not a %s. Wrap a list in toset(...).",
				ty.FriendlyName()))
		}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			s, err := convert.Convert(e, cty.String)
			if err != nil || s.IsNull() || !s.IsKnown() {
				return nil, nil, false, bad("Every element of a for_each set must be a known string.")
			}
			vals[s.AsString()] = s
		}
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			vals[k.AsString()] = e
		}
	default:
		return nil, nil, false, bad(fmt.Sprintf("for_each takes a set of strings or a map, not a %s.", ty.FriendlyName()))
	}
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, vals, true, nil
}

func eachCtx(parent *hcl.EvalContext, key string, val cty.Value) *hcl.EvalContext {
	ctx := parent.NewChild()
	ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{
		"key": cty.StringVal(key), "value": val,
	})}
	return ctx
}

// expandSource creates the instances of one source block and returns the
// value references to the block evaluate to.
func (c *Config) expandSource(s *Source, base *hcl.EvalContext, inst *Instances, byAddr map[string]*SourceInstance) (cty.Value, hcl.Diagnostics) {
	add := func(key string, ctx *hcl.EvalContext) *SourceInstance {
		si := &SourceInstance{Block: s, Key: key, Addr: instanceAddr(s.Addr(), key), Ctx: ctx}
		inst.Sources = append(inst.Sources, si)
		byAddr[si.Addr] = si
		return si
	}
	if s.ForEach == nil {
		si := add("", base)
		return refObject(si.Addr, s.Type, s.Name, ""), nil
	}
	keys, vals, ok, diags := forEachElems(s.ForEach, base)
	if !ok {
		if !diags.HasErrors() {
			// Unknown for_each (offline): validate the body once.
			add("", eachCtx(base, "", cty.UnknownVal(cty.String)))
		}
		return cty.DynamicVal, diags
	}
	objs := map[string]cty.Value{}
	for _, k := range keys {
		si := add(k, eachCtx(base, k, vals[k]))
		objs[k] = refObject(si.Addr, s.Type, s.Name, k)
	}
	if len(objs) == 0 {
		return cty.MapValEmpty(refObject("", "", "", "").Type()), diags
	}
	return cty.MapVal(objs), diags
}

// expandTable creates and evaluates the instances of one table block.
func (c *Config) expandTable(t *Table, ctx *hcl.EvalContext, inst *Instances, sources map[string]*SourceInstance, dests map[string]*DestinationInstance) hcl.Diagnostics {
	if t.ForEach == nil {
		return c.evalTable(t, "", ctx, inst, sources, dests)
	}
	keys, vals, ok, diags := forEachElems(t.ForEach, ctx)
	if !ok {
		return diags
	}
	for _, k := range keys {
		diags = append(diags, c.evalTable(t, k, eachCtx(ctx, k, vals[k]), inst, sources, dests)...)
	}
	return diags
}

func (c *Config) evalTable(t *Table, key string, ctx *hcl.EvalContext, inst *Instances, sources map[string]*SourceInstance, dests map[string]*DestinationInstance) hcl.Diagnostics {
	ti := &TableInstance{Block: t, Key: key, Addr: instanceAddr(t.Addr(), key),
		DestTable: t.Name, BatchSize: DefaultBatchSize, TrackingType: TrackingNone}
	var diags hcl.Diagnostics

	// References to the source and destination instances.
	if t.Source != nil {
		addr, d := refAddr(t.Source, ctx, "source")
		diags = append(diags, d...)
		if addr != "" {
			if ti.Source = sources[addr]; ti.Source == nil {
				diags = append(diags, badRef(t.Source, "source", addr))
			}
		}
	}
	if t.Destination != nil {
		addr, d := refAddr(t.Destination, ctx, "destination")
		diags = append(diags, d...)
		if addr != "" {
			if ti.Destination = dests[addr]; ti.Destination == nil {
				diags = append(diags, badRef(t.Destination, "destination", addr))
			}
		}
	}
	diags = append(diags, decodeString(t.Entity, ctx, &ti.Entity, "entity")...)
	if t.DestinationTable != nil {
		diags = append(diags, decodeString(t.DestinationTable, ctx, &ti.DestTable, "destination_table")...)
	}
	if t.PrimaryKey != nil {
		diags = append(diags, decodeExpr(t.PrimaryKey.Expr, ctx, &ti.PrimaryKey)...)
		diags = append(diags, checkColumnList(t.PrimaryKey, ti.PrimaryKey)...)
	}
	if t.BatchSize != nil {
		d := decodeExpr(t.BatchSize.Expr, ctx, &ti.BatchSize)
		diags = append(diags, d...)
		if !d.HasErrors() && (ti.BatchSize < 1 || ti.BatchSize > MaxBatchSize) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Batch size out of range",
				Detail:  fmt.Sprintf("batch_size is %d; it must be from 1 to %d.", ti.BatchSize, MaxBatchSize),
				Subject: t.BatchSize.Expr.Range().Ptr()})
		}
	}
	diags = append(diags, evalTracking(t, ti, ctx)...)
	diags = append(diags, evalColumns(t, ti, ctx)...)
	inst.Tables = append(inst.Tables, ti)
	return diags
}

// refAddr evaluates a reference to a source or destination instance and
// returns its address.
func refAddr(a *hcl.Attribute, ctx *hcl.EvalContext, kind string) (string, hcl.Diagnostics) {
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Summary == "Unsupported attribute" || d.Summary == "Invalid index" {
				d.Summary = fmt.Sprintf("Reference to undeclared %s", kind)
			}
		}
		return "", diags
	}
	if !v.IsKnown() {
		return "", nil
	}
	if v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute("address") {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Invalid %s reference", kind),
			Detail: fmt.Sprintf("%s must refer to one %s instance, such as %s.TYPE.NAME, or each.value when for_each runs over a %s with for_each.",
				a.Name, kind, kind, kind),
			Subject: a.Expr.Range().Ptr()}}
	}
	addr := v.GetAttr("address")
	if !addr.IsKnown() {
		return "", nil
	}
	s := addr.AsString()
	if !strings.HasPrefix(s, kind+".") {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Invalid %s reference", kind),
			Detail:  fmt.Sprintf("%s refers to %s, which is not a %s.", a.Name, s, kind),
			Subject: a.Expr.Range().Ptr()}}
	}
	return s, nil
}

func badRef(a *hcl.Attribute, kind, addr string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("Reference to undeclared %s", kind),
		Detail:  fmt.Sprintf("No %s %s is declared.", kind, addr),
		Subject: a.Expr.Range().Ptr()}
}

func decodeString(a *hcl.Attribute, ctx *hcl.EvalContext, out *string, name string) hcl.Diagnostics {
	if a == nil {
		return nil
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.Unmark()
	if !v.IsKnown() {
		return nil
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() {
		return hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Invalid %s", name),
			Detail:  fmt.Sprintf("%s must be a string.", name),
			Subject: a.Expr.Range().Ptr()}}
	}
	*out = s.AsString()
	if *out == "" {
		return hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Empty %s", name),
			Detail:  fmt.Sprintf("%s must not be empty.", name),
			Subject: a.Expr.Range().Ptr()}}
	}
	return nil
}

func checkColumnList(a *hcl.Attribute, cols []string) hcl.Diagnostics {
	seen := map[string]bool{}
	for _, c := range cols {
		if c == "" || seen[c] {
			return hcl.Diagnostics{{Severity: hcl.DiagError,
				Summary: fmt.Sprintf("Invalid %s", a.Name),
				Detail:  fmt.Sprintf("%s lists column names, each once and none empty.", a.Name),
				Subject: a.Expr.Range().Ptr()}}
		}
		seen[c] = true
	}
	return nil
}

func evalTracking(t *Table, ti *TableInstance, ctx *hcl.EvalContext) hcl.Diagnostics {
	tr := t.Tracking
	if tr == nil {
		return nil
	}
	var diags hcl.Diagnostics
	if tr.Type != nil {
		diags = append(diags, decodeString(tr.Type, ctx, &ti.TrackingType, "type")...)
		switch ti.TrackingType {
		case TrackingNone, TrackingDate:
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Unknown tracking type",
				Detail:  fmt.Sprintf("Tracking type %q is not known; use \"date\" (incremental by a last-modified column) or \"none\" (full reload).", ti.TrackingType),
				Subject: tr.Type.Expr.Range().Ptr()})
		}
	}
	if tr.Column != nil {
		diags = append(diags, decodeString(tr.Column, ctx, &ti.TrackingColumn, "column")...)
	}
	if tr.Offset != nil {
		var s string
		d := decodeString(tr.Offset, ctx, &s, "offset")
		diags = append(diags, d...)
		if !d.HasErrors() && s != "" {
			off, err := ParseDuration(s)
			switch {
			case err != nil:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: "Invalid duration", Detail: err.Error(),
					Subject: tr.Offset.Expr.Range().Ptr()})
			case off < 0 || off > MaxOffset:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: "Offset out of range",
					Detail:  fmt.Sprintf("The tracking offset is %s; it must be from 0s to 3600s (1h).", off),
					Subject: tr.Offset.Expr.Range().Ptr()})
			default:
				ti.Offset = off
			}
		}
	}
	if ti.TrackingType == TrackingDate {
		if ti.TrackingColumn == "" && tr.Column == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Missing tracking column",
				Detail:  "Date tracking needs column, the last-modified date column to read incrementally, for example column = \"LastModifiedDateTime\".",
				Subject: tr.DeclRange.Ptr()})
		}
		if t.PrimaryKey == nil || emptyList(t.PrimaryKey, ctx) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Date tracking requires a primary key",
				Detail:  "Incremental reads re-read rows and merge them by key. Add primary_key = [\"...\"] to the table, or use tracking type \"none\".",
				Subject: tr.DeclRange.Ptr()})
		}
	} else if tr.Column != nil || tr.Offset != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning,
			Summary: "Tracking column ignored",
			Detail:  "column and offset only apply to tracking type \"date\".",
			Subject: tr.DeclRange.Ptr()})
	}
	return diags
}

// ParseDuration parses a duration with units ("90s", "5m", "1h30m").
// A bare number is refused: the unit must be explicit.
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := time.ParseDuration(s + "s"); nerr == nil {
			return 0, fmt.Errorf("%q has no unit; write it with one, for example \"%ss\" or \"%sm\"", s, s, s)
		}
		return 0, fmt.Errorf("%q is not a duration; write a number with a unit, for example \"90s\", \"5m\" or \"1h\"", s)
	}
	return d, nil
}

// evalColumns evaluates column selection, renaming, computed columns and
// the row filter.
func evalColumns(t *Table, ti *TableInstance, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if t.Columns != nil {
		diags = append(diags, decodeExpr(t.Columns.Expr, ctx, &ti.Columns)...)
		diags = append(diags, checkColumnList(t.Columns, ti.Columns)...)
		if ti.Columns == nil {
			ti.Columns = []string{}
		}
	}
	if t.Exclude != nil {
		diags = append(diags, decodeExpr(t.Exclude.Expr, ctx, &ti.Exclude)...)
		diags = append(diags, checkColumnList(t.Exclude, ti.Exclude)...)
	}
	if t.Rename != nil {
		diags = append(diags, decodeExpr(t.Rename.Expr, ctx, &ti.Rename)...)
		seen := map[string]string{}
		for from, to := range ti.Rename {
			if to == "" || strings.HasPrefix(to, "_") {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: "Invalid column name",
					Detail:  fmt.Sprintf("rename maps %q to %q; destination names must not be empty or start with \"_\", which syncctl keeps for its own columns.", from, to),
					Subject: t.Rename.Expr.Range().Ptr()})
			}
			if prev, ok := seen[to]; ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: "Duplicate destination column",
					Detail:  fmt.Sprintf("rename maps both %q and %q to %q.", prev, from, to),
					Subject: t.Rename.Expr.Range().Ptr()})
			}
			seen[to] = from
		}
	}
	for _, c := range t.Computed {
		cc := Computed{Name: c.Name, DeclRange: c.DeclRange}
		if strings.HasPrefix(c.Name, "_") {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid column name",
				Detail:  fmt.Sprintf("Column %q starts with \"_\", which syncctl keeps for its own columns; rename it.", c.Name),
				Subject: c.DeclRange.Ptr()})
		}
		if c.Expr != nil {
			diags = append(diags, decodeString(c.Expr, ctx, &cc.Expr, "expr")...)
			cc.ExprRange = exprStart(c.Expr)
		}
		if c.Type != nil {
			diags = append(diags, decodeString(c.Type, ctx, &cc.Type, "type")...)
			cc.TypeRange = c.Type.Expr.Range()
		}
		ti.Computed = append(ti.Computed, cc)
	}
	if t.Where != nil {
		diags = append(diags, decodeString(t.Where, ctx, &ti.Where, "where")...)
		ti.WhereRange = exprStart(t.Where)
	}
	return diags
}

// exprStart is the range of a string attribute's content: past the
// opening quote when the value is a plain literal, so that positions
// inside the expression map onto the file.
func exprStart(a *hcl.Attribute) hcl.Range {
	r := a.Expr.Range()
	if r.End.Line == r.Start.Line && r.End.Column-r.Start.Column >= 2 {
		r.Start.Column++
		r.Start.Byte++
		r.End.Column--
		r.End.Byte--
	}
	return r
}

// checkTableDeps reports depends_on entries of tables naming undeclared
// blocks.
func (c *Config) checkTableDeps() hcl.Diagnostics {
	declared := map[string]bool{}
	for _, t := range c.Tables {
		declared[t.Addr()] = true
	}
	for _, m := range c.Models {
		declared[m.Addr()] = true
	}
	var diags hcl.Diagnostics
	for _, t := range c.Tables {
		diags = append(diags, checkDeclared(t.DependsOn, declared)...)
	}
	return diags
}

// decodeExpr evaluates expr into target like gohcl.DecodeExpression,
// but accepts sensitive (marked) values, which gohcl refuses, and leaves
// target alone when the value is not known yet (offline validation).
func decodeExpr(expr hcl.Expression, ctx *hcl.EvalContext, target any) hcl.Diagnostics {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return diags
	}
	ty, err := gocty.ImpliedType(target)
	if err == nil {
		v, err = convert.Convert(v, ty)
	}
	if err == nil {
		err = gocty.FromCtyValue(v, target)
	}
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Unsuitable value type",
			Detail:  fmt.Sprintf("Unsuitable value: %s.", err),
			Subject: expr.Range().Ptr(), Expression: expr, EvalContext: ctx})
	}
	return diags
}

// emptyList reports whether a attribute is a known, empty list.
func emptyList(a *hcl.Attribute, ctx *hcl.EvalContext) bool {
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return false
	}
	v, _ = v.UnmarkDeep()
	return v.IsWhollyKnown() && !v.IsNull() && v.CanIterateElements() && v.LengthInt() == 0
}
