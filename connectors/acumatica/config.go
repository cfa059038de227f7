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

// Auth is how a source signs in.
type Auth struct {
	// Type is "basic".
	Type     string
	Username string
	Password Secret
}

// Config is a validated `source "acumatica"` block. Its zero values are
// not usable; build it with the driver's Configure or fill every field.
type Config struct {
	// URL is the instance URL as configured (percent-escapes kept),
	// without a trailing slash: https://host or https://host/AcumaticaERP.
	URL string
	// TenantName is the tenant's login name, as written (not escaped).
	TenantName string
	Endpoint   Endpoint
	Auth       Auth
	// PageSize is the number of rows asked for per request.
	PageSize int
	// Timeout bounds each HTTP request, reading its body included.
	Timeout time.Duration
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
	DefaultPageSize = 1000
	MaxPageSize     = 10000
	DefaultTimeout  = 60 * time.Second
)

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
	if c.sensitive["auth.username"] || c.sensitive["auth"] ||
		c.sensitive["*"] {
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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return newSource(c, log), nil
}

// show makes a request URL readable for messages and plans: escapes
// decoded, and the instance URL hidden when it was marked sensitive.
func (c *Config) show(u string) string {
	s := readable(u)
	if !c.sensitive["url"] && !c.sensitive["*"] {
		return s
	}
	if rest, ok := strings.CutPrefix(s, readable(c.URL)); ok {
		return "(sensitive url)" + rest
	}
	return "(sensitive url)"
}
