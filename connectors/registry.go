package connectors

import (
	"context"
	"log/slog"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Attribute documents one attribute or nested block of a connector's
// configuration block, for generated reference tables.
type Attribute struct {
	Name        string
	Type        string
	Required    bool
	Sensitive   bool
	Default     string
	Description string
}

// SourceDriver turns a `source "TYPE" "NAME"` block into a source.
type SourceDriver interface {
	// Spec is the block's decoding specification.
	Spec() hcldec.Spec
	// Docs documents the block's attributes in order.
	Docs() []Attribute
	// Configure validates a decoded block. body is the block's body, for
	// diagnostics that point at attributes; val is the decoded value,
	// whose sensitive parts carry marks. Unknown values (offline
	// validation) must be accepted when their type is right.
	Configure(body hcl.Body, val cty.Value) (SourceConfig, hcl.Diagnostics)
}

// SourceConfig is a validated source configuration.
type SourceConfig interface {
	// Tenant is the tenant (company) the source reads, used as the
	// _tenant value of its rows.
	Tenant() string
	// Open connects to the source.
	Open(ctx context.Context, log *slog.Logger) (Source, error)
}

// DestinationDriver turns a `destination "TYPE" "NAME"` block into a
// destination.
type DestinationDriver interface {
	Spec() hcldec.Spec
	Docs() []Attribute
	Configure(body hcl.Body, val cty.Value) (DestinationConfig, hcl.Diagnostics)
}

// DestinationConfig is a validated destination configuration.
type DestinationConfig interface {
	// Describe names the destination for plans, without secrets.
	Describe() string
	// Open connects for loading, taking the destination's write lock.
	Open(ctx context.Context, log *slog.Logger) (Destination, error)
	// Inspect connects read-only, for plans. It returns (nil, nil) when
	// the destination does not exist yet.
	Inspect(ctx context.Context, log *slog.Logger) (Destination, error)
}

var (
	registryMu   sync.RWMutex
	sources      = map[string]SourceDriver{}
	destinations = map[string]DestinationDriver{}
)

// RegisterSource makes a source type available to configurations. It is
// called from the init function of the connector's package.
func RegisterSource(name string, d SourceDriver) {
	registryMu.Lock()
	defer registryMu.Unlock()
	sources[name] = d
}

// RegisterDestination makes a destination type available.
func RegisterDestination(name string, d DestinationDriver) {
	registryMu.Lock()
	defer registryMu.Unlock()
	destinations[name] = d
}

// LookupSource returns the driver of a source type.
func LookupSource(name string) (SourceDriver, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := sources[name]
	return d, ok
}

// LookupDestination returns the driver of a destination type.
func LookupDestination(name string) (DestinationDriver, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := destinations[name]
	return d, ok
}

// SourceTypes lists the registered source types, sorted.
func SourceTypes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return sortedKeys(sources)
}

// DestinationTypes lists the registered destination types, sorted.
func DestinationTypes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return sortedKeys(destinations)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
