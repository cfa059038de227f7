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
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "tracking"}},
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
	for _, blk := range content.Blocks {
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
