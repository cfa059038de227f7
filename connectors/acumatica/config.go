package acumatica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/odata"
)

// Endpoint selects which of Acumatica's OData interfaces a source reads.
type Endpoint string

// The OData interfaces, by their configuration names.
const (
	// EndpointGI is the generic-inquiry OData v4 interface,
	// <instance>/t/<tenant>/api/odata/gi/ (2024 R2 and later).
	EndpointGI Endpoint = "gi"
	// EndpointDAC is the DAC-based OData v4 interface,
	// <instance>/t/<tenant>/api/odata/dac/.
	EndpointDAC Endpoint = "dac"
	// EndpointODataV3 is the legacy generic-inquiry OData v3 interface,
	// <instance>/odata/<tenant>/.
	EndpointODataV3 Endpoint = "odata-v3"
	// EndpointODataV4Legacy is the legacy DAC-based OData v4 interface,
	// <instance>/odatav4/<tenant>/.
	EndpointODataV4Legacy Endpoint = "odatav4-legacy"
)

// Endpoints lists the valid endpoints, the default first.
var Endpoints = []Endpoint{EndpointGI, EndpointDAC, EndpointODataV3,
	EndpointODataV4Legacy}

// Version is the OData version the endpoint speaks.
func (e Endpoint) Version() odata.Version {
	if e == EndpointODataV3 {
		return odata.V3
	}
	return odata.V4
}

// Secret is a string that prints as "(sensitive)", so that a password
// cannot leak through formatting a configuration.
type Secret string

// String hides the secret.
func (Secret) String() string { return "(sensitive)" }

// GoString hides the secret from %#v.
func (Secret) GoString() string { return `"(sensitive)"` }

// Authentication types, the labels of the auth block.
const (
	AuthBasic  = "basic"
	AuthOAuth2 = "oauth2"
)

// OAuth 2.0 grants.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantPassword          = "password"
)

// Auth is how a source signs in.
type Auth struct {
	// Type is AuthBasic or AuthOAuth2.
	Type string
	// Username and Password sign in with Basic authentication, or with
	// the OAuth 2.0 password grant.
	Username string
	Password Secret

	// The OAuth 2.0 settings. ClientID has the form GUID@Tenant.
	ClientID     string
	ClientSecret Secret
	// Grant is GrantAuthorizationCode or GrantPassword.
	Grant string
	// CallbackURL is the redirect URI of the authorization-code grant.
	CallbackURL string
	// AuthorizationURL and TokenURL default to the instance's
	// /identity/connect/authorize and /identity/connect/token.
	AuthorizationURL string
	TokenURL         string
	Scopes           []string
	// TokenFile is where tokens are kept between runs, encrypted; empty
	// means a file named after the client and user in the tokens
	// directory of syncctl's configuration directory.
	TokenFile string
}

// Format is the format of response bodies.
type Format string

// Response formats.
const (
	FormatJSON Format = "json"
	// FormatATOM is OData v3's XML format.
	FormatATOM Format = "atom"
)

// Pool limits the HTTP connections of one source instance.
type Pool struct {
	// Enabled keeps connections open between requests.
	Enabled bool
	// MaxSize is the most connections open to the instance at once.
	MaxSize int
	// IdleTimeout closes a connection unused for that long.
	IdleTimeout time.Duration
	// Wait is how long a request waits for a free connection.
	Wait time.Duration
}

// Property is an additional connection property.
type Property struct {
	Name  string
	Value Secret
	// Sensitive is true when the value was marked sensitive (it came
	// from encrypted() or a sensitive variable): it is never shown.
	Sensitive bool
}

// Config is a validated `source "acumatica"` block. Build it with the
// driver's Configure, or start from the defaults of NewConfig.
type Config struct {
	// Description is free text for people reading plans.
	Description string
	// URL is the instance URL as configured (percent-escapes kept),
	// without a trailing slash: https://host or https://host/AcumaticaERP.
	URL string
	// TenantName is the tenant's login name, as written (not escaped).
	TenantName string
	Endpoint   Endpoint
	Auth       Auth
	// Format is the response format asked for.
	Format Format
	// ConvertToGMT turns wall times (OData v3 Edm.DateTime) into
	// instants, reading them in Location. When false they are stored as
	// they are, labelled UTC.
	ConvertToGMT bool
	// LocalTimeAsUTC says the service labels wall times in Location as
	// UTC (+00:00): such values are re-read as wall times.
	LocalTimeAsUTC bool
	// ClientPaging asks for PageSize rows per request and pages by key;
	// when false the service's own paging (next links) is followed.
	ClientPaging bool
	// PageSize is the number of rows asked for per request.
	PageSize int
	// Timeout bounds each HTTP request, reading its body included.
	Timeout time.Duration
	// Verbosity is the detail of HTTP debug logs, 1 to 5.
	Verbosity int
	Pool      Pool
	// Properties are additional connection properties, sorted by name.
	Properties []Property
	// Region is a BCP 47 locale (en-CA), sent as Accept-Language; empty
	// leaves the user's own locale.
	Region string
	// Location is the time zone of the Acumatica user's profile: OData v3
	// date-times are wall times in it.
	Location *time.Location

	// sensitive names attributes ("url", "auth.username", ...) whose
	// values were marked sensitive: they are never printed.
	sensitive map[string]bool
	// unknown names attributes whose values are not known yet (offline
	// validation); such a configuration cannot be opened.
	unknown []string
	// retry overrides the retry policy (tests).
	retry *retryPolicy
}

// Defaults of optional attributes.
const (
	DefaultPageSize    = 1000
	MaxPageSize        = 10000
	DefaultTimeout     = 60 * time.Second
	DefaultVerbosity   = 1
	MaxVerbosity       = 5
	DefaultPoolSize    = 4
	MaxPoolSize        = 64
	DefaultIdleTimeout = 90 * time.Second
	DefaultPoolWait    = 30 * time.Second
	DefaultScope       = "openid api offline_access"
	// DefaultCallbackURL is the loopback address the authorization-code
	// grant listens on for its redirect.
	DefaultCallbackURL = "http://127.0.0.1:8765/callback"
)

// NewConfig returns a configuration with every default set, for the
// instance at url and the tenant, signing in with Basic authentication.
func NewConfig(url, tenant string) *Config {
	return &Config{URL: strings.TrimRight(url, "/"), TenantName: tenant,
		Endpoint: EndpointGI, Auth: Auth{Type: AuthBasic},
		Format: FormatJSON, ConvertToGMT: true, ClientPaging: true,
		PageSize: DefaultPageSize, Timeout: DefaultTimeout,
		Verbosity: DefaultVerbosity,
		Pool: Pool{Enabled: true, MaxSize: DefaultPoolSize,
			IdleTimeout: DefaultIdleTimeout, Wait: DefaultPoolWait},
		Location: time.UTC, sensitive: map[string]bool{}}
}

// Tenant returns the tenant the source reads.
func (c *Config) Tenant() string { return c.TenantName }

// BaseURL returns the service root of the configured endpoint, ending in
// a slash, with the tenant name path-escaped (spaces as %20).
func (c *Config) BaseURL() string {
	t := odata.EscapePath(c.TenantName)
	base := strings.TrimRight(c.URL, "/")
	switch c.Endpoint {
	case EndpointDAC:
		return base + "/t/" + t + "/api/odata/dac/"
	case EndpointODataV3:
		return base + "/odata/" + t + "/"
	case EndpointODataV4Legacy:
		return base + "/odatav4/" + t + "/"
	}
	return base + "/t/" + t + "/api/odata/gi/"
}

// username is the user name for messages, unless it is sensitive.
func (c *Config) username() string {
	if c.isSensitive("auth." + c.Auth.Type + ".username") {
		return "(sensitive)"
	}
	return c.Auth.Username
}

// Open returns a source for the configured tenant. It does not contact
// the service: the first request (for $metadata) is made by Entity or
// Read, and signs in.
func (c *Config) Open(ctx context.Context, log *slog.Logger) (connectors.Source, error) {
	if len(c.unknown) > 0 {
		return nil, fmt.Errorf("acumatica source: %s not known until "+
			"the configuration is applied", strings.Join(c.unknown, ", "))
	}
	if c.URL == "" || c.TenantName == "" {
		return nil, errors.New("acumatica source: url and tenant are required")
	}
	if c.Format == FormatATOM && c.Endpoint != EndpointODataV3 {
		return nil, fmt.Errorf(`acumatica source: format = "atom" needs `+
			`endpoint = %q; endpoint %q serves JSON only`,
			EndpointODataV3, c.Endpoint)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	src, err := newSource(c, log)
	if err != nil {
		// Not a typed nil in the interface: callers close what they get.
		return nil, err
	}
	return src, nil
}

// atom reports whether response bodies are asked for, and read, as
// ATOM feeds.
func (c *Config) atom() bool {
	return c.Format == FormatATOM && c.Endpoint == EndpointODataV3
}

// wallLocation is the zone wall times are read in: Location, or UTC
// when they are kept as they are (convert_to_gmt = false).
func (c *Config) wallLocation() *time.Location {
	if !c.ConvertToGMT || c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Describe names the source for plans: URL, tenant, endpoint, sign-in
// and the visible additional properties. Sensitive values are hidden.
func (c *Config) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "acumatica %s, tenant %q, endpoint %s, ",
		c.show(c.URL), c.TenantName, c.Endpoint)
	switch c.Auth.Type {
	case AuthOAuth2:
		fmt.Fprintf(&b, "oauth2 %s grant", c.Auth.Grant)
		if c.Auth.Grant == GrantPassword {
			fmt.Fprintf(&b, " as %q", c.username())
		}
	default:
		fmt.Fprintf(&b, "basic auth as %q", c.username())
	}
	if c.Description != "" && !c.isSensitive("description") {
		fmt.Fprintf(&b, " (%s)", c.Description)
	}
	if len(c.Properties) > 0 {
		b.WriteString(", properties ")
		for i, p := range c.Properties {
			if i > 0 {
				b.WriteString(", ")
			}
			v := string(p.Value)
			if p.Sensitive || c.isSensitive("properties") {
				v = "(sensitive)"
			}
			fmt.Fprintf(&b, "%s=%s", p.Name, v)
		}
	}
	return b.String()
}

// isSensitive reports whether the attribute's value, or all of the
// block, was marked sensitive.
func (c *Config) isSensitive(name string) bool {
	if c.sensitive["*"] {
		return true
	}
	for i := range len(name) {
		if name[i] == '.' && c.sensitive[name[:i]] {
			return true
		}
	}
	return c.sensitive[name]
}

// secrets lists every secret value of the configuration, for removing
// them from text a server sent back.
func (c *Config) secrets() []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(string(c.Auth.Password))
	add(string(c.Auth.ClientSecret))
	for _, p := range c.Properties {
		if p.Sensitive {
			add(string(p.Value))
		}
	}
	if c.isSensitive("auth." + c.Auth.Type + ".username") {
		add(c.Auth.Username)
	}
	return out
}

// show makes a request URL readable for messages and plans: escapes
// decoded, and the instance URL hidden when it was marked sensitive.
func (c *Config) show(u string) string {
	s := readable(u)
	if !c.isSensitive("url") {
		return s
	}
	if rest, ok := strings.CutPrefix(s, readable(c.URL)); ok {
		return "(sensitive url)" + rest
	}
	return "(sensitive url)"
}
