package acumatica

import (
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/text/language"

	"github.com/syncctl/syncctl/connectors"
)

// attribute is one attribute of the block, or of one of its nested
// blocks: its decoding type, its documentation and its validation, kept
// together so that adding an attribute is one entry in a table.
//
// Names are paths: "page_size", "pool.max_size", and for the auth block
// "auth.<type>.<name>". Entries without a type document a block.
type attribute struct {
	doc connectors.Attribute
	typ cty.Type
	// set validates one known, non-null value and stores it. It returns
	// a diagnostic's summary and detail, or empty strings.
	set func(c *Config, v cty.Value) (summary, detail string)
}

// block, label and name split an attribute's path: "auth", "basic",
// "username"; "pool", "", "max_size"; "", "", "url".
func (a attribute) path() (block, label, name string) {
	parts := strings.Split(a.doc.Name, ".")
	switch len(parts) {
	case 3:
		return parts[0], parts[1], parts[2]
	case 2:
		return parts[0], "", parts[1]
	}
	return "", "", parts[0]
}

func str(name, typ, def, desc string) connectors.Attribute {
	return connectors.Attribute{Name: name, Type: typ, Default: def,
		Description: desc}
}

// attributes of the source block, in documentation order.
var attributes = []attribute{
	{doc: str("description", "string", "", "Free text about the "+
		"connection, shown in plans."), typ: cty.String, set: setDescription},
	{doc: connectors.Attribute{Name: "url", Type: "string", Required: true,
		Description: "Instance URL, for example https://example.acumatica.com " +
			"or https://host/AcumaticaERP. Keep %20 for spaces."},
		typ: cty.String, set: setURL},
	{doc: connectors.Attribute{Name: "tenant", Type: "string", Required: true,
		Description: "Tenant (company) login name; its rows carry it in _tenant."},
		typ: cty.String, set: setTenant},
	{doc: str("endpoint", "string", `"gi"`, `OData interface: "gi" `+
		`(generic inquiries, OData v4), "dac" (DAC-based, OData v4), `+
		`"odata-v3" (legacy generic inquiries) or "odatav4-legacy" `+
		`(legacy DAC-based).`), typ: cty.String, set: setEndpoint},
	{doc: connectors.Attribute{Name: "auth", Type: `block "basic" | "oauth2"`,
		Required: true, Description: "How the source signs in: " +
			`auth "basic" { username, password } or auth "oauth2" { ... }.`}},
	{doc: connectors.Attribute{Name: "auth.basic.username", Type: "string",
		Required: true, Description: "User name."},
		typ: cty.String, set: setUsername},
	{doc: connectors.Attribute{Name: "auth.basic.password", Type: "string",
		Required: true, Sensitive: true, Description: "Password."},
		typ: cty.String, set: setPassword},
	{doc: connectors.Attribute{Name: "auth.oauth2.client_id", Type: "string",
		Required: true, Description: "Client ID of the connected " +
			"application (SM303010), GUID@Tenant; the tenant should be the " +
			"source's tenant."},
		typ: cty.String, set: setClientID},
	{doc: connectors.Attribute{Name: "auth.oauth2.client_secret",
		Type: "string", Required: true, Sensitive: true,
		Description: "Shared secret of the connected application."},
		typ: cty.String, set: setClientSecret},
	{doc: str("auth.oauth2.grant", "string", `"authorization_code"`,
		`"authorization_code" (sign in through a browser) or "password" `+
			`(username and password of an Acumatica user).`),
		typ: cty.String, set: setGrant},
	{doc: str("auth.oauth2.username", "string", "", "User name, "+
		`with grant = "password".`), typ: cty.String, set: setUsername},
	{doc: connectors.Attribute{Name: "auth.oauth2.password", Type: "string",
		Sensitive: true, Description: `Password, with grant = "password".`},
		typ: cty.String, set: setPassword},
	{doc: str("auth.oauth2.callback_url", "string",
		fmt.Sprintf("%q", DefaultCallbackURL), "Redirect URI registered "+
			"for the connected application: a loopback address that "+
			"syncctl login listens on for the authorization-code grant."),
		typ: cty.String, set: setCallbackURL},
	{doc: str("auth.oauth2.authorization_url", "string",
		"url + /identity/connect/authorize", "Authorization endpoint."),
		typ: cty.String, set: setAuthorizationURL},
	{doc: str("auth.oauth2.token_url", "string",
		"url + /identity/connect/token", "Token endpoint."),
		typ: cty.String, set: setTokenURL},
	{doc: str("auth.oauth2.scope", "string", fmt.Sprintf("%q", DefaultScope),
		"Scopes, separated by spaces; api reads data, offline_access "+
			"gives a refresh token."), typ: cty.String, set: setScope},
	{doc: str("auth.oauth2.token_file", "string",
		"~/.config/syncctl/tokens/<host>-<client>.token",
		"Where tokens are kept between runs (refresh tokens rotate), "+
			"encrypted with the key of syncctl encrypt."),
		typ: cty.String, set: setTokenFile},
	{doc: str("format", "string", `"json"`, `Response format: "json", `+
		`or "atom" with endpoint = "odata-v3".`),
		typ: cty.String, set: setFormat},
	{doc: str("convert_to_gmt", "bool", "true", "Convert all dates and "+
		"times to GMT: wall times (OData v3) are read in time_zone and "+
		"stored as instants; false stores them as written, labelled UTC."),
		typ: cty.Bool, set: setConvertToGMT},
	{doc: str("local_time_as_utc", "bool", "false", "The service labels "+
		"wall times in time_zone as +00:00; re-read them as wall times, "+
		"and write filter literals the same way."),
		typ: cty.Bool, set: setLocalTimeAsUTC},
	{doc: str("client_paging", "bool", "true", "Page by key, asking for "+
		"page_size rows per request; false follows the service's own "+
		"next links."), typ: cty.Bool, set: setClientPaging},
	{doc: str("page_size", "number", fmt.Sprint(DefaultPageSize),
		fmt.Sprintf("Rows per request, 1 to %d.", MaxPageSize)),
		typ: cty.Number, set: setPageSize},
	{doc: str("timeout", "duration", `"60s"`, "Time limit of one "+
		`request, its body included, with a unit: "90s", "2m".`),
		typ: cty.String, set: setTimeout},
	{doc: str("verbosity", "number", fmt.Sprint(DefaultVerbosity),
		"Detail of HTTP debug logs (--verbosity 2), 1 to 5: 1 one line "+
			"per response, 2 headers too (credentials hidden), 3 to 5 also "+
			"the start of error bodies."),
		typ: cty.Number, set: setVerbosity},
	{doc: connectors.Attribute{Name: "pool", Type: "block",
		Description: "HTTP connection pool of the source instance."}},
	{doc: str("pool.enabled", "bool", "true", "Keep connections open "+
		"between requests."), typ: cty.Bool, set: setPoolEnabled},
	{doc: str("pool.max_size", "number", fmt.Sprint(DefaultPoolSize),
		fmt.Sprintf("Most connections open at once, 1 to %d.", MaxPoolSize)),
		typ: cty.Number, set: setPoolSize},
	{doc: str("pool.idle_timeout", "duration", `"90s"`, "Close a "+
		"connection unused for this long."),
		typ: cty.String, set: setIdleTimeout},
	{doc: str("pool.wait", "duration", `"30s"`, "How long a request "+
		"may wait for a free connection. Not enforced yet: a source sends "+
		"one request at a time."), typ: cty.String, set: setPoolWait},
	{doc: str("properties", "map(string)", "{}", "Additional connection "+
		"properties, name = value; values from encrypted() or sensitive "+
		"variables are never shown."),
		typ: cty.Map(cty.String), set: setProperties},
	{doc: str("region", "string", "", `Locale of the session, such as `+
		`"en-CA", sent as Accept-Language; by default the user's own.`),
		typ: cty.String, set: setRegion},
	{doc: str("time_zone", "string", `"UTC"`, "IANA time zone of the "+
		"Acumatica user's profile; OData v3 date-times are wall times in it."),
		typ: cty.String, set: setTimeZone},
}

func setDescription(c *Config, v cty.Value) (string, string) {
	c.Description = v.AsString()
	return "", ""
}

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
			"and password from the url and set them in an auth block."
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

func setFormat(c *Config, v cty.Value) (string, string) {
	switch f := Format(strings.ToLower(v.AsString())); f {
	case FormatJSON, FormatATOM:
		c.Format = f
		return "", ""
	}
	return "Invalid format", fmt.Sprintf("The format %q is not known; "+
		"use \"json\", or \"atom\" with endpoint = \"odata-v3\".",
		v.AsString())
}

func setConvertToGMT(c *Config, v cty.Value) (string, string) {
	c.ConvertToGMT = v.True()
	return "", ""
}

func setLocalTimeAsUTC(c *Config, v cty.Value) (string, string) {
	c.LocalTimeAsUTC = v.True()
	return "", ""
}

func setClientPaging(c *Config, v cty.Value) (string, string) {
	c.ClientPaging = v.True()
	return "", ""
}

// wholeNumber returns v as an int when it is whole and within lo..hi.
func wholeNumber(v cty.Value, lo, hi int64) (int, bool) {
	n, acc := v.AsBigFloat().Int64()
	if acc != big.Exact || n < lo || n > hi {
		return 0, false
	}
	return int(n), true
}

func setPageSize(c *Config, v cty.Value) (string, string) {
	n, ok := wholeNumber(v, 1, MaxPageSize)
	if !ok {
		return "Invalid page size", fmt.Sprintf("Set page_size to a whole "+
			"number from 1 to %d.", MaxPageSize)
	}
	c.PageSize = n
	return "", ""
}

func setVerbosity(c *Config, v cty.Value) (string, string) {
	n, ok := wholeNumber(v, 1, MaxVerbosity)
	if !ok {
		return "Invalid verbosity", fmt.Sprintf("Set verbosity to a whole "+
			"number from 1 (one line per response) to %d.", MaxVerbosity)
	}
	c.Verbosity = n
	return "", ""
}

// Limits of durations.
const (
	minDuration = time.Second
	maxDuration = time.Hour
)

// duration parses a duration that must have a unit and lie between
// minDuration and maxDuration.
func duration(name string, v cty.Value, out *time.Duration) (string, string) {
	s := strings.TrimSpace(v.AsString())
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := time.ParseDuration(s + "s"); nerr == nil {
			return "Invalid duration", fmt.Sprintf("%s = %q has no unit; "+
				"write it with one, for example \"%ss\" or \"%sm\".",
				name, s, s, s)
		}
		return "Invalid duration", fmt.Sprintf("%s = %q is not a duration; "+
			"write a number with a unit, for example \"90s\", \"5m\" or "+
			"\"1h\".", name, s)
	}
	if d < minDuration || d > maxDuration {
		return "Duration out of range", fmt.Sprintf("%s is %s; it must be "+
			"from %s to %s.", name, d, minDuration, maxDuration)
	}
	*out = d
	return "", ""
}

func setTimeout(c *Config, v cty.Value) (string, string) {
	return duration("timeout", v, &c.Timeout)
}

func setPoolEnabled(c *Config, v cty.Value) (string, string) {
	c.Pool.Enabled = v.True()
	return "", ""
}

func setPoolSize(c *Config, v cty.Value) (string, string) {
	n, ok := wholeNumber(v, 1, MaxPoolSize)
	if !ok {
		return "Invalid pool size", fmt.Sprintf("Set max_size to a whole "+
			"number from 1 to %d. Each connection may hold an Acumatica "+
			"session, and each session takes a licence seat.", MaxPoolSize)
	}
	c.Pool.MaxSize = n
	return "", ""
}

func setIdleTimeout(c *Config, v cty.Value) (string, string) {
	return duration("idle_timeout", v, &c.Pool.IdleTimeout)
}

func setPoolWait(c *Config, v cty.Value) (string, string) {
	return duration("wait", v, &c.Pool.Wait)
}

// propertyName is what a property name may look like: letters, digits,
// spaces, dots, dashes and underscores, starting with a letter.
var propertyName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9 ._-]*$`)

// setProperties stores the properties sorted by name. Their sensitivity
// comes from the marks Configure removed. Names are checked by
// checkProperties, which can point at the offending key.
func setProperties(c *Config, v cty.Value) (string, string) {
	var names []string
	for it := v.ElementIterator(); it.Next(); {
		k, _ := it.Element()
		names = append(names, k.AsString())
	}
	sort.Strings(names)
	c.Properties = c.Properties[:0]
	for _, n := range names {
		e := v.Index(cty.StringVal(n))
		if !propertyName.MatchString(n) || e.IsNull() {
			continue
		}
		c.Properties = append(c.Properties, Property{Name: n,
			Value:     Secret(e.AsString()),
			Sensitive: c.isSensitive("properties." + n)})
	}
	return "", ""
}

// checkProperties reports property names that cannot be names and null
// values, at their keys.
func checkProperties(v cty.Value, r *ranges) hcl.Diagnostics {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	var diags hcl.Diagnostics
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		n := k.AsString()
		switch {
		case !propertyName.MatchString(n):
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid property name",
				Detail: fmt.Sprintf("The property name %q must start with "+
					"a letter and hold only letters, digits, spaces, dots, "+
					"dashes and underscores.", n),
				Subject: r.mapKey("properties", n)})
		case e.IsKnown() && e.IsNull():
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid property value",
				Detail: fmt.Sprintf("The property %q is null; give it a "+
					"string value or remove it.", n),
				Subject: r.mapKey("properties", n)})
		}
	}
	return diags
}

func setRegion(c *Config, v cty.Value) (string, string) {
	s := strings.TrimSpace(v.AsString())
	tag, err := language.Parse(s)
	if err != nil || s == "" || tag == language.Und {
		return "Invalid region", fmt.Sprintf("%q is not a locale; write a "+
			"language tag such as \"en-CA\", \"fr-CA\" or \"en-US\".", s)
	}
	c.Region = tag.String()
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
