package acumatica

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
)

func init() {
	connectors.RegisterSource("acumatica", Driver{})
}

// Driver is the "acumatica" source type.
type Driver struct{}

// Docs documents the block's attributes and nested blocks. Attributes
// of nested blocks are named block.name, and those of the auth block
// auth.<type>.name.
func (Driver) Docs() []connectors.Attribute {
	docs := make([]connectors.Attribute, len(attributes))
	for i, a := range attributes {
		docs[i] = a.doc
	}
	return docs
}

// Spec decodes the block. Every attribute is optional in the spec but
// url and tenant; Configure checks the rest, so that one auth block spec
// can serve every auth type.
func (Driver) Spec() hcldec.Spec {
	spec := hcldec.ObjectSpec{}
	nested := map[string]hcldec.ObjectSpec{"auth": {}, "pool": {}}
	for _, a := range attributes {
		if a.typ == cty.NilType {
			continue
		}
		block, _, name := a.path()
		target := spec
		if block != "" {
			target = nested[block]
		}
		target[name] = &hcldec.AttrSpec{Name: name, Type: a.typ,
			Required: a.doc.Required && block == ""}
	}
	spec["auth"] = &hcldec.BlockMapSpec{TypeName: "auth",
		LabelNames: []string{"type"}, Nested: nested["auth"]}
	spec["pool"] = &hcldec.BlockSpec{TypeName: "pool", Nested: nested["pool"]}
	return spec
}

// Configure validates a decoded block. Values marked sensitive (any cty
// mark) are unmarked here and remembered, so that they are never printed;
// unknown values are accepted and make Open fail.
func (d Driver) Configure(body hcl.Body, val cty.Value) (connectors.SourceConfig, hcl.Diagnostics) {
	cfg := NewConfig("", "")
	r := ranges{body: body}
	val, marked := val.UnmarkDeepWithPaths()
	for _, pm := range marked {
		cfg.sensitive[pathName(pm.Path)] = true
	}
	if val.IsNull() || !val.IsKnown() {
		cfg.unknown = append(cfg.unknown, "the source block")
		return cfg, nil
	}

	// The auth block first: it says which auth attributes apply.
	label, auth, diags := d.authBlock(val, &r)
	cfg.Auth.Type = label
	if label == AuthOAuth2 {
		cfg.Auth.Grant = GrantAuthorizationCode
		cfg.Auth.CallbackURL = DefaultCallbackURL
		cfg.Auth.Scopes = strings.Fields(DefaultScope)
	}
	unknown := map[string]bool{}
	for _, a := range attributes {
		if a.typ == cty.NilType {
			continue
		}
		v, rng, ok := attrValue(a, val, label, auth, &r)
		if !ok {
			continue
		}
		if !v.IsWhollyKnown() {
			unknown[a.doc.Name] = true
			cfg.unknown = append(cfg.unknown, displayName(a.doc.Name))
			continue
		}
		if v.IsNull() {
			if a.doc.Required {
				diags = append(diags, missing(a, rng, &r))
			}
			continue
		}
		if summary, detail := a.set(cfg, v); summary != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: summary, Detail: detail, Subject: rng})
		}
	}

	// Checks across attributes.
	diags = append(diags, checkProperties(val.GetAttr("properties"), &r)...)
	diags = append(diags, foreignAuth(label, auth, &r)...)
	known := func(name string) bool { return !unknown[name] }
	diags = append(diags, checkAuth(cfg, auth, &r, known)...)
	if cfg.Format == FormatATOM && cfg.Endpoint != EndpointODataV3 &&
		known("endpoint") {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "ATOM needs the OData v3 endpoint",
			Detail: fmt.Sprintf("Endpoint %q speaks OData v4, which has no "+
				"ATOM format. Use format = \"json\", or endpoint = "+
				"\"odata-v3\".", cfg.Endpoint),
			Subject: r.attr("format")})
	}
	return cfg, diags
}

// attrValue finds an attribute's value and the range to report it at.
// ok is false when the attribute belongs to another auth type.
func attrValue(a attribute, val cty.Value, label string, auth cty.Value, r *ranges) (cty.Value, *hcl.Range, bool) {
	block, blockLabel, name := a.path()
	obj := val
	rng := r.attr(a.doc.Name)
	switch block {
	case "auth":
		if blockLabel != label || auth == cty.NilVal {
			return cty.NilVal, nil, false
		}
		obj = auth
		if rng == nil {
			rng = r.block("auth", label)
		}
	case "pool":
		obj = val.GetAttr("pool")
	}
	if obj.IsNull() || !obj.IsKnown() {
		return cty.NullVal(a.typ), rng, obj.IsKnown() || block == ""
	}
	return obj.GetAttr(name), rng, true
}

// displayName is an attribute's name in messages: auth.password rather
// than auth.basic.password.
func displayName(path string) string {
	if rest, ok := strings.CutPrefix(path, "auth."); ok {
		if _, name, ok := strings.Cut(rest, "."); ok {
			return "auth." + name
		}
	}
	return path
}

// authBlock finds the one auth block and checks its type.
func (Driver) authBlock(val cty.Value, r *ranges) (string, cty.Value, hcl.Diagnostics) {
	if !val.Type().HasAttribute("auth") {
		return "", cty.NilVal, nil
	}
	blocks := val.GetAttr("auth")
	if !blocks.IsKnown() {
		return "", cty.NilVal, nil
	}
	if blocks.IsNull() || blocks.LengthInt() == 0 {
		return "", cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "Missing auth block",
			Detail: "Add an auth \"basic\" block with the username and " +
				"password the source signs in with, or an auth \"oauth2\" " +
				"block for a connected application.",
			Subject: r.missing()}}
	}
	var diags hcl.Diagnostics
	label, auth := "", cty.NilVal
	for it := blocks.ElementIterator(); it.Next(); {
		k, v := it.Element()
		l := k.AsString()
		rng := r.block("auth", l)
		if !contains(authTypes, l) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Unsupported authentication type",
				Detail: fmt.Sprintf("The auth block type %q is not supported; "+
					"use auth \"basic\" or auth \"oauth2\".", l),
				Subject: rng})
			continue
		}
		if auth != cty.NilVal {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Duplicate auth block",
				Detail:  "Keep one auth block per source.", Subject: rng})
			continue
		}
		label, auth = l, v
	}
	return label, auth, diags
}

// foreignAuth reports attributes set in an auth block of a type they do
// not belong to, such as client_id in auth "basic".
func foreignAuth(label string, auth cty.Value, r *ranges) hcl.Diagnostics {
	if auth == cty.NilVal || auth.IsNull() || !auth.IsKnown() {
		return nil
	}
	var diags hcl.Diagnostics
	for name := range auth.Type().AttributeTypes() {
		if auth.GetAttr(name).IsNull() ||
			slices.ContainsFunc(attributes, func(a attribute) bool {
				return a.doc.Name == "auth."+label+"."+name
			}) {
			continue
		}
		other := "oauth2"
		if label == AuthOAuth2 {
			other = "basic"
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Unsupported argument",
			Detail: fmt.Sprintf("%s belongs in an auth %q block, not in "+
				"auth %q; remove it.", name, other, label),
			Subject: r.name("auth." + label + "." + name)})
	}
	return diags
}

func contains(list []string, s string) bool {
	return slices.Contains(list, s)
}

// pathName names the attribute a marked path leads to: "url",
// "auth.basic.password", "properties.ApiToken", or "*" when the whole
// block is marked.
func pathName(p cty.Path) string {
	var parts []string
	for _, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			parts = append(parts, s.Name)
		case cty.IndexStep:
			if s.Key.Type() == cty.String && s.Key.IsKnown() &&
				!s.Key.IsNull() {
				parts = append(parts, s.Key.AsString())
			}
		}
	}
	if len(parts) == 0 {
		return "*"
	}
	return strings.Join(parts, ".")
}

func missing(a attribute, rng *hcl.Range, r *ranges) *hcl.Diagnostic {
	if rng == nil {
		rng = r.missing()
	}
	block, label, name := a.path()
	where := "the source block"
	if block == "auth" {
		where = fmt.Sprintf("the auth %q block", label)
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("Missing %s", name),
		Detail: fmt.Sprintf("Set %s in %s: %s", name, where,
			lowerFirst(a.doc.Description)),
		Subject: rng}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// ranges finds source ranges of attributes and blocks in a body, for
// diagnostics. It tolerates a nil body.
type ranges struct {
	body    hcl.Body
	content *hcl.BodyContent
}

func (r *ranges) load() *hcl.BodyContent {
	if r.content == nil && r.body != nil {
		r.content, _, _ = r.body.PartialContent(
			hcldec.ImpliedSchema(Driver{}.Spec()))
	}
	return r.content
}

// find returns an attribute by path: "name", "pool.name" or
// "auth.<type>.name".
func (r *ranges) find(path string) *hcl.Attribute {
	content := r.load()
	if content == nil {
		return nil
	}
	block, label, name := attribute{doc: connectors.Attribute{Name: path}}.path()
	if block == "" {
		return content.Attributes[name]
	}
	for _, b := range content.Blocks {
		if b.Type != block || (label != "" && (len(b.Labels) == 0 ||
			b.Labels[0] != label)) {
			continue
		}
		attrs, _ := b.Body.JustAttributes()
		if a, ok := attrs[name]; ok {
			return a
		}
	}
	return nil
}

// attr returns the range of an attribute's value.
func (r *ranges) attr(path string) *hcl.Range {
	if a := r.find(path); a != nil {
		return a.Expr.Range().Ptr()
	}
	return nil
}

// name returns the range of an attribute's name.
func (r *ranges) name(path string) *hcl.Range {
	if a := r.find(path); a != nil {
		return a.NameRange.Ptr()
	}
	return nil
}

// mapKey returns the range of a key in an attribute written as an
// object constructor ({ name = value }), or else the attribute's.
func (r *ranges) mapKey(path, key string) *hcl.Range {
	a := r.find(path)
	if a == nil {
		return nil
	}
	if obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr); ok {
		for _, item := range obj.Items {
			k := hcl.ExprAsKeyword(item.KeyExpr)
			if k == "" {
				if v, d := item.KeyExpr.Value(nil); !d.HasErrors() &&
					v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
					k = v.AsString()
				}
			}
			if k == key {
				return item.KeyExpr.Range().Ptr()
			}
		}
	}
	return a.Expr.Range().Ptr()
}

// orBlock returns an attribute's range, or else the block's.
func (r *ranges) orBlock(path, typ, label string) *hcl.Range {
	if rng := r.attr(path); rng != nil {
		return rng
	}
	if rng := r.block(typ, label); rng != nil {
		return rng
	}
	return r.missing()
}

// block returns the range of a labelled block's header.
func (r *ranges) block(typ, label string) *hcl.Range {
	content := r.load()
	if content == nil {
		return nil
	}
	for _, b := range content.Blocks {
		if b.Type == typ && len(b.Labels) > 0 && b.Labels[0] == label {
			if len(b.LabelRanges) > 0 {
				return b.LabelRanges[0].Ptr()
			}
			return b.DefRange.Ptr()
		}
	}
	return nil
}

// missing is where a missing attribute or block would go.
func (r *ranges) missing() *hcl.Range {
	if r.body == nil {
		return nil
	}
	return r.body.MissingItemRange().Ptr()
}
