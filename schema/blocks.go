package schema

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

// Source is a `source "TYPE" "NAME"` block. Its Body, less for_each, is
// decoded by the connector of Type.
type Source struct {
	Type, Name string
	ForEach    hcl.Expression
	Body       hcl.Body
	DeclRange  hcl.Range
	TypeRange  hcl.Range
}

// Addr is the block's address, source.TYPE.NAME.
func (s *Source) Addr() string { return "source." + s.Type + "." + s.Name }

// Destination is a `destination "TYPE" "NAME"` block.
type Destination struct {
	Type, Name string
	Body       hcl.Body
	DeclRange  hcl.Range
	TypeRange  hcl.Range
}

// Addr is the block's address, destination.TYPE.NAME.
func (d *Destination) Addr() string { return "destination." + d.Type + "." + d.Name }

var metaSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "for_each"}},
}

func decodeSource(b *hcl.Block) (*Source, hcl.Diagnostics) {
	s := &Source{Type: b.Labels[0], Name: b.Labels[1], DeclRange: b.DefRange,
		TypeRange: b.LabelRanges[0]}
	diags := checkName("source", s.Name, b.LabelRanges[1])
	content, rest, d := b.Body.PartialContent(metaSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["for_each"]; ok {
		s.ForEach = a.Expr
	}
	s.Body = rest
	return s, diags
}

func decodeDestination(b *hcl.Block) (*Destination, hcl.Diagnostics) {
	d := &Destination{Type: b.Labels[0], Name: b.Labels[1],
		DeclRange: b.DefRange, TypeRange: b.LabelRanges[0]}
	diags := checkName("destination", d.Name, b.LabelRanges[1])
	content, rest, dd := b.Body.PartialContent(metaSchema)
	diags = append(diags, dd...)
	if a, ok := content.Attributes["for_each"]; ok {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "for_each is not supported on destinations",
			Detail:  "Declare one destination block per database.",
			Subject: a.NameRange.Ptr()})
	}
	d.Body = rest
	return d, diags
}

var nameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// checkName reports a block label that cannot be used in references.
func checkName(kind, name string, r hcl.Range) hcl.Diagnostics {
	if nameRe.MatchString(name) {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("Invalid %s name", kind),
		Detail: fmt.Sprintf("%q cannot be used in references. A name starts with a letter or underscore and holds only letters, digits, underscores and dashes.",
			name),
		Subject: r.Ptr()}}
}
