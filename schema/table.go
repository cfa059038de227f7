package schema

import (
	"github.com/hashicorp/hcl/v2"
)

// Table is a `table "NAME"` block: one entity of a source loaded into one
// destination table. Its attributes may refer to each.value, so they are
// kept as expressions and evaluated per instance by Expand.
type Table struct {
	Name      string
	ForEach   hcl.Expression
	DeclRange hcl.Range
	NameRange hcl.Range

	Source           *hcl.Attribute
	Destination      *hcl.Attribute
	Entity           *hcl.Attribute
	DestinationTable *hcl.Attribute
	PrimaryKey       *hcl.Attribute
	BatchSize        *hcl.Attribute
	Tracking         *TrackingBlock

	// Columns selects source columns (sent as $select), Exclude drops
	// some, Rename maps source names to destination names.
	Columns *hcl.Attribute
	Exclude *hcl.Attribute
	Rename  *hcl.Attribute
	// Computed are the `column "NAME" { expr = "..." }` blocks, in order.
	Computed []*ComputedColumn
	// Where is an expr-lang row filter.
	Where     *hcl.Attribute
	DependsOn []hcl.Traversal
}

// ComputedColumn is a `column "NAME"` block: a destination column
// computed per row by an expr-lang expression over the source columns.
type ComputedColumn struct {
	Name      string
	Expr      *hcl.Attribute
	Type      *hcl.Attribute
	DeclRange hcl.Range
}

// TrackingBlock is a table's `tracking { ... }` block.
type TrackingBlock struct {
	Type      *hcl.Attribute
	Column    *hcl.Attribute
	Offset    *hcl.Attribute
	DeclRange hcl.Range
}

// Addr is the block's address, table.NAME.
func (t *Table) Addr() string { return "table." + t.Name }

var tableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "for_each"},
		{Name: "source", Required: true},
		{Name: "destination", Required: true},
		{Name: "entity", Required: true},
		{Name: "destination_table"},
		{Name: "primary_key"},
		{Name: "batch_size"},
		{Name: "columns"},
		{Name: "exclude"},
		{Name: "rename"},
		{Name: "where"},
		{Name: "depends_on"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "tracking"},
		{Type: "column", LabelNames: []string{"name"}},
	},
}

var computedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "expr", Required: true},
		{Name: "type"},
	},
}

var trackingSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true},
		{Name: "column"},
		{Name: "offset"},
	},
}

func decodeTable(b *hcl.Block) (*Table, hcl.Diagnostics) {
	t := &Table{Name: b.Labels[0], DeclRange: b.DefRange,
		NameRange: b.LabelRanges[0]}
	diags := checkName("table", t.Name, b.LabelRanges[0])
	content, d := b.Body.Content(tableSchema)
	diags = append(diags, d...)
	attrs := content.Attributes
	if a, ok := attrs["for_each"]; ok {
		t.ForEach = a.Expr
	}
	t.Source = attrs["source"]
	t.Destination = attrs["destination"]
	t.Entity = attrs["entity"]
	t.DestinationTable = attrs["destination_table"]
	t.PrimaryKey = attrs["primary_key"]
	t.BatchSize = attrs["batch_size"]
	t.Columns = attrs["columns"]
	t.Exclude = attrs["exclude"]
	t.Rename = attrs["rename"]
	t.Where = attrs["where"]
	if a, ok := attrs["depends_on"]; ok {
		deps, d := decodeDependsOn(a)
		diags = append(diags, d...)
		t.DependsOn = deps
	}
	if t.Columns != nil && t.Exclude != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Conflicting column selection",
			Detail:  "Use either columns (the columns to keep) or exclude (the columns to drop), not both.",
			Subject: t.Exclude.NameRange.Ptr()})
	}
	seenCol := map[string]hcl.Range{}
	for _, blk := range content.Blocks {
		if blk.Type == "column" {
			c, d := decodeComputed(blk)
			diags = append(diags, d...)
			if prev, dup := seenCol[c.Name]; dup {
				diags = append(diags, duplicate("column", c.Name, prev, blk.DefRange))
				continue
			}
			seenCol[c.Name] = blk.DefRange
			t.Computed = append(t.Computed, c)
			continue
		}
		if t.Tracking != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Duplicate tracking block",
				Detail:  "A table has at most one tracking block; remove one.",
				Subject: blk.DefRange.Ptr()})
			continue
		}
		tc, d := blk.Body.Content(trackingSchema)
		diags = append(diags, d...)
		t.Tracking = &TrackingBlock{Type: tc.Attributes["type"],
			Column: tc.Attributes["column"], Offset: tc.Attributes["offset"],
			DeclRange: blk.DefRange}
	}
	return t, diags
}

func decodeComputed(b *hcl.Block) (*ComputedColumn, hcl.Diagnostics) {
	c := &ComputedColumn{Name: b.Labels[0], DeclRange: b.DefRange}
	var diags hcl.Diagnostics
	if c.Name == "" {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Empty column name",
			Detail:  "A column block is labelled with the destination column's name.",
			Subject: b.LabelRanges[0].Ptr()})
	}
	content, d := b.Body.Content(computedSchema)
	diags = append(diags, d...)
	c.Expr = content.Attributes["expr"]
	c.Type = content.Attributes["type"]
	return c, diags
}

// decodeDependsOn reads a list of references to other blocks.
func decodeDependsOn(a *hcl.Attribute) ([]hcl.Traversal, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(a.Expr)
	var out []hcl.Traversal
	for _, e := range exprs {
		tr, d := hcl.AbsTraversalForExpr(e)
		if d.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid depends_on reference",
				Detail:  "depends_on lists references to tables or models, such as table.customers or model.open_orders.",
				Subject: e.Range().Ptr()})
			continue
		}
		out = append(out, tr)
	}
	return out, diags
}
