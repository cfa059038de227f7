package schema

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Model is a `model "NAME"` block: SQL run in a destination after the
// tables and models it names.
type Model struct {
	Name         string
	Destination  *hcl.Attribute
	SQL          *hcl.Attribute
	Materialized *hcl.Attribute
	DependsOn    []hcl.Traversal
	DeclRange    hcl.Range
}

// Addr is the block's address, model.NAME.
func (m *Model) Addr() string { return "model." + m.Name }

var modelSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "destination", Required: true},
		{Name: "sql", Required: true},
		{Name: "materialized"},
		{Name: "depends_on"},
	},
}

func decodeModel(b *hcl.Block) (*Model, hcl.Diagnostics) {
	m := &Model{Name: b.Labels[0], DeclRange: b.DefRange}
	diags := checkName("model", m.Name, b.LabelRanges[0])
	content, d := b.Body.Content(modelSchema)
	diags = append(diags, d...)
	m.Destination = content.Attributes["destination"]
	m.SQL = content.Attributes["sql"]
	m.Materialized = content.Attributes["materialized"]
	if a, ok := content.Attributes["depends_on"]; ok {
		deps, d := decodeDependsOn(a)
		diags = append(diags, d...)
		m.DependsOn = deps
	}
	return m, diags
}

// Materializations of a model.
const (
	MaterializeView  = "view"
	MaterializeTable = "table"
)

// ModelInstance is an evaluated model.
type ModelInstance struct {
	Block        *Model
	Addr         string
	Destination  *DestinationInstance
	SQL          string
	Materialized string
	// DependsOn are the addresses of the table and model blocks the model
	// refers to (in its SQL or depends_on).
	DependsOn []string
}

// Refs returns the addresses of table and model blocks that the
// traversals name, each once, in order.
func Refs(trs []hcl.Traversal) []string {
	var out []string
	seen := map[string]bool{}
	for _, tr := range trs {
		root := tr.RootName()
		if (root != "table" && root != "model") || len(tr) < 2 {
			continue
		}
		addr := root + "." + traverseName(tr[1])
		if !seen[addr] {
			seen[addr] = true
			out = append(out, addr)
		}
	}
	return out
}

// blockRefs builds the table and model objects references evaluate to:
// table.NAME.name is the destination table name.
func (c *Config) blockRefs(inst *Instances) (tables, models cty.Value) {
	tv := map[string]cty.Value{}
	for _, t := range c.Tables {
		name := t.Name
		for _, ti := range inst.Tables {
			if ti.Block == t {
				name = ti.DestTable
				break
			}
		}
		tv[t.Name] = cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(name), "address": cty.StringVal(t.Addr())})
	}
	mv := map[string]cty.Value{}
	for _, m := range c.Models {
		mv[m.Name] = cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(m.Name), "address": cty.StringVal(m.Addr())})
	}
	return cty.ObjectVal(tv), cty.ObjectVal(mv)
}

// expandModels evaluates the model blocks.
func (c *Config) expandModels(ctx *hcl.EvalContext, inst *Instances, dests map[string]*DestinationInstance) hcl.Diagnostics {
	var diags hcl.Diagnostics
	tables, models := c.blockRefs(inst)
	mctx := ctx.NewChild()
	mctx.Variables = map[string]cty.Value{"table": tables, "model": models}
	declared := map[string]bool{}
	for _, t := range c.Tables {
		declared[t.Addr()] = true
	}
	for _, m := range c.Models {
		declared[m.Addr()] = true
	}
	for _, m := range c.Models {
		mi := &ModelInstance{Block: m, Addr: m.Addr(), Materialized: MaterializeView}
		if m.Destination != nil {
			addr, d := refAddr(m.Destination, mctx, "destination")
			diags = append(diags, d...)
			if addr != "" {
				if mi.Destination = dests[addr]; mi.Destination == nil {
					diags = append(diags, badRef(m.Destination, "destination", addr))
				}
			}
		}
		if m.SQL != nil {
			diags = append(diags, decodeString(m.SQL, mctx, &mi.SQL, "sql")...)
		}
		if m.Materialized != nil {
			diags = append(diags, decodeString(m.Materialized, mctx, &mi.Materialized, "materialized")...)
			if mi.Materialized != MaterializeView && mi.Materialized != MaterializeTable {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: "Unknown materialization",
					Detail:  fmt.Sprintf("materialized is %q; use \"view\" or \"table\".", mi.Materialized),
					Subject: m.Materialized.Expr.Range().Ptr()})
			}
		}
		var trs []hcl.Traversal
		if m.SQL != nil {
			trs = append(trs, m.SQL.Expr.Variables()...)
		}
		trs = append(trs, m.DependsOn...)
		diags = append(diags, checkDeclared(trs, declared)...)
		mi.DependsOn = Refs(trs)
		inst.Models = append(inst.Models, mi)
	}
	return diags
}

// checkDeclared reports depends_on entries naming undeclared blocks.
func checkDeclared(trs []hcl.Traversal, declared map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, tr := range trs {
		root := tr.RootName()
		if root != "table" && root != "model" {
			continue
		}
		if len(tr) < 2 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid reference",
				Detail:  fmt.Sprintf("Name a %s block, as %s.NAME.", root, root),
				Subject: tr.SourceRange().Ptr()})
			continue
		}
		if addr := root + "." + traverseName(tr[1]); !declared[addr] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: fmt.Sprintf("Reference to undeclared %s", root),
				Detail:  fmt.Sprintf("No %s is declared.", addr),
				Subject: tr.SourceRange().Ptr()})
		}
	}
	return diags
}
