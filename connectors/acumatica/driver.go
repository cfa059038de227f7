package acumatica

import (
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
)

func init() {
	connectors.RegisterSource("acumatica", Driver{})
}

// Driver is the "acumatica" source type.
type Driver struct{}

// attribute is one attribute of the block: its decoding spec, its
// documentation and its validation, kept together so that adding an
// attribute is one entry in a table.
type attribute struct {
	doc  connectors.Attribute
	typ  cty.Type
	set  func(c *Config, v cty.Value) (summary, detail string)
	auth bool // an attribute of the auth block
}

// attributes of the source block, in documentation order.
var attributes = []attribute{
	{doc: connectors.Attribute{Name: "url", Type: "string", Required: true,
		Description: "Instance URL, for example https://example.acumatica.com " +
			"or https://host/AcumaticaERP. Keep %20 for spaces."},
		typ: cty.String, set: setURL},
	{doc: connectors.Attribute{Name: "tenant", Type: "string", Required: true,
		Description: "Tenant (company) login name; its rows carry it in _tenant."},
		typ: cty.String, set: setTenant},
	{doc: connectors.Attribute{Name: "endpoint", Type: "string", Default: `"gi"`,
		Description: `OData interface: "gi" (generic inquiries, OData v4), ` +
			`"dac" (DAC-based, OData v4), "odata-v3" (legacy generic ` +
			`inquiries) or "odatav4-legacy" (legacy DAC-based).`},
		typ: cty.String, set: setEndpoint},
	{doc: connectors.Attribute{Name: "page_size", Type: "number",
		Default:     fmt.Sprint(DefaultPageSize),
		Description: fmt.Sprintf("Rows per request, 1 to %d.", MaxPageSize)},
		typ: cty.Number, set: setPageSize},
	{doc: connectors.Attribute{Name: "timeout", Type: "string", Default: `"60s"`,
		Description: "Time limit of one request, its body included, " +
			`as a duration like "90s" or "2m".`},
		typ: cty.String, set: setTimeout},
	{doc: connectors.Attribute{Name: "time_zone", Type: "string", Default: `"UTC"`,
		Description: "IANA time zone of the Acumatica user's profile; " +
			"OData v3 date-times are wall times in it."},
		typ: cty.String, set: setTimeZone},
	{doc: connectors.Attribute{Name: "auth.username", Type: "string",
		Required: true, Description: `User name, in an auth "basic" block.`},
		typ: cty.String, set: setUsername, auth: true},
	{doc: connectors.Attribute{Name: "auth.password", Type: "string",
		Required: true, Sensitive: true,
		Description: `Password, in an auth "basic" block; never printed.`},
		typ: cty.String, set: setPassword, auth: true},
}

// authTypes are the labels an auth block may have.
var authTypes = []string{"basic"}

// Docs documents the block's attributes; auth block attributes are
// named auth.<name>.
func (Driver) Docs() []connectors.Attribute {
	docs := make([]connectors.Attribute, len(attributes))
	for i, a := range attributes {
		docs[i] = a.doc
	}
	return docs
}

// Spec decodes the block. Every attribute is optional in the spec and
// required ones are checked by Configure, so that one auth block spec
// can serve every auth type.
func (Driver) Spec() hcldec.Spec {
	spec, authSpec := hcldec.ObjectSpec{}, hcldec.ObjectSpec{}
	for _, a := range attributes {
		name, target := a.doc.Name, spec
		if a.auth {
			name, target = strings.TrimPrefix(name, "auth."), authSpec
		}
		target[name] = &hcldec.AttrSpec{Name: name, Type: a.typ,
			Required: a.doc.Required && !a.auth}
	}
	spec["auth"] = &hcldec.BlockMapSpec{TypeName: "auth",
		LabelNames: []string{"type"}, Nested: authSpec}
	return spec
}

// Configure validates a decoded block. Values marked sensitive (any cty
// mark) are unmarked here and remembered, so that they are never printed;
// unknown values are accepted and make Open fail.
func (d Driver) Configure(body hcl.Body, val cty.Value) (connectors.SourceConfig, hcl.Diagnostics) {
	cfg := &Config{Endpoint: EndpointGI, PageSize: DefaultPageSize,
		Timeout: DefaultTimeout, Location: time.UTC,
		sensitive: map[string]bool{}}
	r := ranges{body: body}
	val, marked := val.UnmarkDeepWithPaths()
	for _, pm := range marked {
		cfg.sensitive[pathName(pm.Path)] = true
	}
	if val.IsNull() || !val.IsKnown() {
		cfg.unknown = append(cfg.unknown, "the source block")
		return cfg, nil
	}

	var diags hcl.Diagnostics
	auth, authRange, authDiags := d.authBlock(val, &r)
	diags = append(diags, authDiags...)
	for _, a := range attributes {
		obj, rng := val, r.attr(a.doc.Name)
		if a.auth {
			if auth == cty.NilVal {
				continue
			}
			obj = auth
			if rng == nil {
				rng = authRange
			}
		}
		name := strings.TrimPrefix(a.doc.Name, "auth.")
		v := cty.NullVal(a.typ)
		if obj.Type().IsObjectType() && obj.Type().HasAttribute(name) {
			v = obj.GetAttr(name)
		}
		if !v.IsKnown() {
			cfg.unknown = append(cfg.unknown, a.doc.Name)
			continue
		}
		if v.IsNull() {
			if a.doc.Required {
				diags = append(diags, missing(a.doc, rng, &r))
			}
			continue
		}
		if summary, detail := a.set(cfg, v); summary != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: summary, Detail: detail, Subject: rng})
		}
	}
	return cfg, diags
}

// authBlock finds the one auth block and checks its type.
func (Driver) authBlock(val cty.Value, r *ranges) (cty.Value, *hcl.Range, hcl.Diagnostics) {
	if !val.Type().HasAttribute("auth") {
		return cty.NilVal, nil, nil
	}
	blocks := val.GetAttr("auth")
	if !blocks.IsKnown() {
		return cty.NilVal, nil, nil
	}
	if blocks.IsNull() || blocks.LengthInt() == 0 {
		return cty.NilVal, nil, hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "Missing auth block",
			Detail: "Add an auth \"basic\" block with the username and " +
				"password the source signs in with.",
			Subject: r.missing()}}
	}
	var diags hcl.Diagnostics
	var auth cty.Value
	var authRange *hcl.Range
	for it := blocks.ElementIterator(); it.Next(); {
		k, v := it.Element()
		label := k.AsString()
		rng := r.block("auth", label)
		if !contains(authTypes, label) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Unsupported authentication type",
				Detail: fmt.Sprintf("The auth block type %q is not supported; "+
					"use auth \"basic\".", label),
				Subject: rng})
			continue
		}
		if auth != cty.NilVal {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Duplicate auth block",
				Detail:  "Keep one auth block per source.", Subject: rng})
			continue
		}
		auth, authRange = v, rng
	}
	return auth, authRange, diags
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pathName names the attribute a marked path leads to: "url",
// "auth.password", or "auth" when a whole block is marked.
func pathName(p cty.Path) string {
	var parts []string
	for _, step := range p {
		if s, ok := step.(cty.GetAttrStep); ok {
			parts = append(parts, s.Name)
		}
	}
	if len(parts) == 0 {
		return "*"
	}
	return strings.Join(parts, ".")
}

func missing(doc connectors.Attribute, rng *hcl.Range, r *ranges) *hcl.Diagnostic {
	if rng == nil {
		rng = r.missing()
	}
	name := strings.TrimPrefix(doc.Name, "auth.")
	where := "the source block"
	if strings.HasPrefix(doc.Name, "auth.") {
		where = "the auth block"
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("Missing %s", name),
		Detail: fmt.Sprintf("Set %s in %s: %s", name, where,
			lowerFirst(doc.Description)),
		Subject: rng}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// The setters validate one known, non-null value and store it. They
// return a diagnostic's summary and detail, or empty strings.

func setURL(c *Config, v cty.Value) (string, string) {
	s := strings.TrimSpace(v.AsString())
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "Invalid instance URL", fmt.Sprintf("The url cannot be "+
			"parsed (%v); write it like https://example.acumatica.com.",
			errText(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return "Invalid instance URL", "The url must start with https:// " +
			"(or http:// for a local instance)."
	case u.Host == "":
		return "Invalid instance URL", "The url has no host name; write " +
			"it like https://example.acumatica.com."
	case u.User != nil:
		return "Credentials in the instance URL", "Remove the user name " +
			"and password from the url and set them in an auth \"basic\" block."
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?"):
		return "Invalid instance URL", "Remove the query or fragment from " +
			"the url: it is the instance address only."
	}
	c.URL = strings.TrimRight(s, "/")
	return "", ""
}

// errText keeps the reason of a url.Error without repeating the URL,
// which may be sensitive.
func errText(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

func setTenant(c *Config, v cty.Value) (string, string) {
	s := v.AsString()
	if strings.TrimSpace(s) == "" {
		return "Empty tenant", "Set tenant to the tenant's login name, as " +
			"shown on the Tenants form (SM203520)."
	}
	if strings.ContainsAny(s, "/?#") {
		return "Invalid tenant", "The tenant is a login name and cannot " +
			"contain /, ? or #."
	}
	c.TenantName = s
	return "", ""
}

func setEndpoint(c *Config, v cty.Value) (string, string) {
	s := Endpoint(v.AsString())
	for _, e := range Endpoints {
		if s == e {
			c.Endpoint = e
			return "", ""
		}
	}
	return "Invalid endpoint", fmt.Sprintf("The endpoint %q is not "+
		"known; use \"gi\", \"dac\", \"odata-v3\" or \"odatav4-legacy\".", s)
}

func setPageSize(c *Config, v cty.Value) (string, string) {
	n, acc := v.AsBigFloat().Int64()
	if acc != big.Exact || n < 1 || n > MaxPageSize {
		return "Invalid page size", fmt.Sprintf("Set page_size to a whole "+
			"number from 1 to %d.", MaxPageSize)
	}
	c.PageSize = int(n)
	return "", ""
}

func setTimeout(c *Config, v cty.Value) (string, string) {
	d, err := time.ParseDuration(v.AsString())
	if err != nil || d <= 0 {
		return "Invalid timeout", fmt.Sprintf("%q is not a duration; "+
			"write one like \"60s\" or \"2m\".", v.AsString())
	}
	c.Timeout = d
	return "", ""
}

func setTimeZone(c *Config, v cty.Value) (string, string) {
	name := v.AsString()
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return "Unknown time zone", fmt.Sprintf("%q is not an IANA time "+
			"zone name; use the zone of the Acumatica user's profile, "+
			"for example \"America/Toronto\" or \"UTC\".", name)
	}
	c.Location = loc
	return "", ""
}

func setUsername(c *Config, v cty.Value) (string, string) {
	if v.AsString() == "" {
		return "Empty username", "Set username to the Acumatica user the " +
			"source signs in as."
	}
	c.Auth.Type = "basic"
	c.Auth.Username = v.AsString()
	return "", ""
}

func setPassword(c *Config, v cty.Value) (string, string) {
	if v.AsString() == "" {
		return "Empty password", "Set password to the user's password, " +
			"for example password = env(\"ACU_PASSWORD\")."
	}
	c.Auth.Password = Secret(v.AsString())
	return "", ""
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

// attr returns the range of an attribute's value; names "auth.x" look in
// the auth block.
func (r *ranges) attr(name string) *hcl.Range {
	content := r.load()
	if content == nil {
		return nil
	}
	if rest, ok := strings.CutPrefix(name, "auth."); ok {
		for _, b := range content.Blocks {
			if b.Type != "auth" {
				continue
			}
			attrs, _ := b.Body.JustAttributes()
			if a, ok := attrs[rest]; ok {
				return a.Expr.Range().Ptr()
			}
		}
		return nil
	}
	if a, ok := content.Attributes[name]; ok {
		return a.Expr.Range().Ptr()
	}
	return nil
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
