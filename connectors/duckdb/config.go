package duckdb

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
)

func init() {
	connectors.RegisterDestination("duckdb", driver{})
}

// Config is a validated `destination "duckdb"` block.
type Config struct {
	// Path is the database file, relative to the configuration directory
	// unless absolute.
	Path string
	// MemoryLimit is DuckDB's memory_limit setting, e.g. "512MB".
	MemoryLimit string
	// Threads is DuckDB's threads setting; 0 keeps DuckDB's default.
	Threads int
}

type driver struct{}

var attrs = []connectors.Attribute{
	{Name: "path", Type: "string", Required: true,
		Description: "Database file, relative to the configuration directory."},
	{Name: "memory_limit", Type: "string", Default: `"1GB"`,
		Description: "DuckDB memory_limit: how much memory DuckDB may use."},
	{Name: "threads", Type: "number", Default: "DuckDB's default",
		Description: "DuckDB worker threads."},
}

func (driver) Docs() []connectors.Attribute { return attrs }

func (driver) Spec() hcldec.Spec {
	return &hcldec.ObjectSpec{
		"path": &hcldec.AttrSpec{Name: "path", Type: cty.String,
			Required: true},
		"memory_limit": &hcldec.AttrSpec{Name: "memory_limit",
			Type: cty.String},
		"threads": &hcldec.AttrSpec{Name: "threads", Type: cty.Number},
	}
}

var memoryLimitRe = regexp.MustCompile(`^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

func (driver) Configure(body hcl.Body, val cty.Value) (connectors.DestinationConfig, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	val, _ = val.UnmarkDeep()
	cfg := &Config{MemoryLimit: "1GB"}
	if p := val.GetAttr("path"); p.IsKnown() && !p.IsNull() {
		cfg.Path = p.AsString()
		if cfg.Path == "" {
			diags = append(diags, attrDiag(body, "path",
				"Empty DuckDB path",
				"Set path to the database file to write, for example \"warehouse.duckdb\"."))
		}
	}
	if m := val.GetAttr("memory_limit"); m.IsKnown() && !m.IsNull() {
		cfg.MemoryLimit = m.AsString()
		if !memoryLimitRe.MatchString(cfg.MemoryLimit) {
			diags = append(diags, attrDiag(body, "memory_limit",
				"Invalid memory limit",
				fmt.Sprintf("%q is not a size; write a number and a unit, for example \"512MB\" or \"2GB\".", cfg.MemoryLimit)))
		}
	}
	if t := val.GetAttr("threads"); t.IsKnown() && !t.IsNull() {
		n, acc := t.AsBigFloat().Int64()
		if acc != 0 || n < 1 || n > 1024 {
			diags = append(diags, attrDiag(body, "threads",
				"Invalid thread count",
				"threads must be a whole number from 1 to 1024."))
		}
		cfg.Threads = int(n)
	}
	return cfg, diags
}

// attrDiag is an error diagnostic pointing at the named attribute of body.
func attrDiag(body hcl.Body, name, summary, detail string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary,
		Detail: detail}
	if attrs, _ := body.JustAttributes(); attrs != nil {
		if a, ok := attrs[name]; ok {
			d.Subject = a.Expr.Range().Ptr()
		}
	}
	if d.Subject == nil {
		r := hcldec.SourceRange(body, &hcldec.AttrSpec{Name: name,
			Type: cty.DynamicPseudoType})
		d.Subject = &r
	}
	return d
}

// Describe names the database file.
func (c *Config) Describe() string { return "duckdb " + c.Path }

// Open opens the database file for loading, creating it if needed.
func (c *Config) Open(ctx context.Context, log *slog.Logger) (connectors.Destination, error) {
	if dir := filepath.Dir(c.Path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create directory of %s: %w", c.Path, err)
		}
	}
	return asDestination(open(ctx, c, false, log))
}

// asDestination keeps a failed open from returning a typed nil.
func asDestination(d *Destination, err error) (connectors.Destination, error) {
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Inspect opens the database read-only; it returns (nil, nil) when the
// file does not exist yet.
func (c *Config) Inspect(ctx context.Context, log *slog.Logger) (connectors.Destination, error) {
	if _, err := os.Stat(c.Path); os.IsNotExist(err) {
		return nil, nil
	}
	return asDestination(open(ctx, c, true, log))
}
