package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
)

func init() {
	connectors.RegisterDestination("postgres", driver{})
}

// Defaults of the block's optional attributes.
const (
	DefaultPort            = 5432
	DefaultSSLMode         = "prefer"
	DefaultSchema          = "public"
	DefaultApplicationName = "syncctl"
)

// maxIdentifier is the longest identifier PostgreSQL keeps, in bytes;
// longer ones are silently truncated by the server.
const maxIdentifier = 63

var sslModes = []string{
	"disable", "allow", "prefer", "require", "verify-ca", "verify-full",
}

// connAttrs are the attributes that url replaces.
var connAttrs = []string{"host", "port", "database", "user", "password",
	"sslmode"}

// driver decodes `destination "postgres"` blocks.
type driver struct{}

var spec = hcldec.ObjectSpec{
	"url":      &hcldec.AttrSpec{Name: "url", Type: cty.String},
	"host":     &hcldec.AttrSpec{Name: "host", Type: cty.String},
	"port":     &hcldec.AttrSpec{Name: "port", Type: cty.Number},
	"database": &hcldec.AttrSpec{Name: "database", Type: cty.String},
	"user":     &hcldec.AttrSpec{Name: "user", Type: cty.String},
	"password": &hcldec.AttrSpec{Name: "password", Type: cty.String},
	"sslmode":  &hcldec.AttrSpec{Name: "sslmode", Type: cty.String},
	"schema":   &hcldec.AttrSpec{Name: "schema", Type: cty.String},
	"application_name": &hcldec.AttrSpec{
		Name: "application_name", Type: cty.String,
	},
}

// Spec returns the block's decoding specification.
func (driver) Spec() hcldec.Spec { return spec }

// Docs documents the block's attributes.
func (driver) Docs() []connectors.Attribute {
	return []connectors.Attribute{
		{Name: "url", Type: "string", Sensitive: true,
			Description: "Connection string, as a postgres:// URL or " +
				"key=value pairs; replaces host, port, database, user, " +
				"password and sslmode."},
		{Name: "host", Type: "string",
			Description: "Server host name or address; required without url."},
		{Name: "port", Type: "number", Default: strconv.Itoa(DefaultPort),
			Description: "Server port."},
		{Name: "database", Type: "string",
			Description: "Database name; required without url."},
		{Name: "user", Type: "string",
			Description: "User name; required without url."},
		{Name: "password", Type: "string", Sensitive: true,
			Description: "Password; without it, PGPASSWORD or the " +
				"password file is used."},
		{Name: "sslmode", Type: "string", Default: DefaultSSLMode,
			Description: "TLS mode: " + strings.Join(sslModes, ", ") + "."},
		{Name: "schema", Type: "string", Default: DefaultSchema,
			Description: "Schema of the loaded tables and of " +
				"_syncctl_state; created when missing."},
		{Name: "application_name", Type: "string",
			Default: DefaultApplicationName,
			Description: "Name the connections show in pg_stat_activity, " +
				"which identifies the holder of a table lock."},
	}
}

// Configure validates a decoded block.
func (driver) Configure(body hcl.Body, val cty.Value) (connectors.DestinationConfig, hcl.Diagnostics) {
	val, _ = val.UnmarkDeep()
	d := &decoder{body: body, val: val}
	d.attrs = attributes(body)
	c := d.config()
	if d.diags.HasErrors() {
		return nil, d.diags
	}
	return c, d.diags
}

// attributes returns the attributes present in body, for diagnostics.
func attributes(body hcl.Body) hcl.Attributes {
	if body == nil {
		return nil
	}
	content, _, _ := body.PartialContent(hcldec.ImpliedSchema(spec))
	if content == nil {
		return nil
	}
	return content.Attributes
}

// decoder turns the decoded block value into a Config, collecting
// diagnostics that point at the offending attribute.
type decoder struct {
	body  hcl.Body
	val   cty.Value
	attrs hcl.Attributes
	diags hcl.Diagnostics
}

// get returns the attribute name of the decoded value: whether it is set
// (not null) and whether its value is known.
func (d *decoder) get(name string) (v cty.Value, set, known bool) {
	if d.val.IsNull() || !d.val.IsKnown() {
		return cty.NilVal, !d.val.IsKnown(), false
	}
	v = d.val.GetAttr(name)
	return v, !v.IsNull(), v.IsKnown()
}

// str returns a string attribute, "" when null, and whether it is known.
func (d *decoder) str(name string) (string, bool) {
	v, set, known := d.get(name)
	if !set || !known {
		return "", !set
	}
	return v.AsString(), true
}

// subject is the range a diagnostic about name points at: the
// attribute's value, or the block when the attribute is missing.
func (d *decoder) subject(name string) *hcl.Range {
	if a, ok := d.attrs[name]; ok {
		r := a.Expr.Range()
		return &r
	}
	if d.body != nil {
		r := d.body.MissingItemRange()
		return &r
	}
	return nil
}

func (d *decoder) errorf(name, summary, detail string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  d.subject(name),
	})
}

func (d *decoder) config() *Config {
	c := &Config{}
	var known bool
	ok := true
	c.URL, known = d.str("url")
	ok = ok && known
	_, urlSet, _ := d.get("url")
	for _, n := range []string{"host", "database", "user", "password",
		"sslmode", "application_name"} {
		s, known := d.str(n)
		ok = ok && known
		c.set(n, s)
	}
	c.Port, known = d.port()
	ok = ok && known
	c.Schema, known = d.str("schema")
	ok = ok && known

	// Either a connection string, or its parts.
	if urlSet {
		for _, n := range connAttrs {
			if _, set, _ := d.get(n); set {
				d.errorf(n, "Conflicting connection settings",
					"The argument %q cannot be used together with url: "+
						"give either url or host, port, database, user, "+
						"password and sslmode.", n)
			}
		}
	} else {
		for _, n := range []string{"host", "database", "user"} {
			if _, set, _ := d.get(n); !set {
				d.errorf(n, "Missing required argument",
					"The argument %q is required unless url is set.", n)
			}
		}
	}

	d.checkSSLMode(c.SSLMode)
	d.checkName("schema", c.Schema, true)
	d.checkName("application_name", c.ApplicationName, false)
	if c.Schema == "" {
		c.Schema = DefaultSchema
	}

	// A fully known configuration must parse as a connection string.
	c.unknown = !ok
	if ok && !d.diags.HasErrors() {
		if _, err := pgx.ParseConfig(c.connString()); err != nil {
			d.errorf("url", "Invalid connection settings",
				"%s.", c.redact(err).Error())
		}
	}
	return c
}

// port returns the port, DefaultPort when unset, and whether it is known.
func (d *decoder) port() (int, bool) {
	v, set, known := d.get("port")
	if !set {
		return 0, true
	}
	if !known {
		return 0, false
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if acc != big.Exact || n < 1 || n > 65535 {
		d.errorf("port", "Invalid port",
			"The port must be a whole number from 1 to 65535, not %s.",
			bf.Text('g', 10))
		return 0, true
	}
	return int(n), true
}

func (d *decoder) checkSSLMode(mode string) {
	if mode == "" || slices.Contains(sslModes, mode) {
		return
	}
	d.errorf("sslmode", "Invalid sslmode",
		"The sslmode must be one of %s, not %q.",
		strings.Join(sslModes, ", "), mode)
}

// checkName rejects names PostgreSQL would truncate or cannot hold.
func (d *decoder) checkName(attr, s string, ident bool) {
	if _, set, known := d.get(attr); !set || !known {
		return
	}
	switch {
	case ident && s == "":
		d.errorf(attr, "Invalid "+attr, "The %s must not be empty.", attr)
	case strings.IndexByte(s, 0) >= 0:
		d.errorf(attr, "Invalid "+attr,
			"The %s must not contain a NUL character.", attr)
	case len(s) > maxIdentifier:
		d.errorf(attr, "Invalid "+attr,
			"The %s is %d bytes long; PostgreSQL keeps at most %d.",
			attr, len(s), maxIdentifier)
	}
}

// Config is a validated PostgreSQL destination configuration. It
// implements connectors.DestinationConfig. Formatting a Config with fmt
// or slog shows Describe, never the password.
type Config struct {
	// URL is a connection string (URL or key=value pairs). When set, the
	// connection fields below are unused.
	URL string

	Host     string
	Port     int // DefaultPort when 0
	Database string
	User     string
	Password string
	SSLMode  string // DefaultSSLMode when empty

	// Schema holds the loaded tables and the state table.
	Schema string // DefaultSchema when empty
	// ApplicationName names the connections in pg_stat_activity; when
	// empty, the connection string's or DefaultApplicationName.
	ApplicationName string

	// unknown is set when part of the configuration was an unknown value
	// (offline validation); such a Config cannot connect.
	unknown bool
}

func (c *Config) set(name, s string) {
	switch name {
	case "host":
		c.Host = s
	case "database":
		c.Database = s
	case "user":
		c.User = s
	case "password":
		c.Password = s
	case "sslmode":
		c.SSLMode = s
	case "application_name":
		c.ApplicationName = s
	}
}

func (c *Config) schema() string {
	if c.Schema == "" {
		return DefaultSchema
	}
	return c.Schema
}

// connString returns the connection string the Config stands for.
func (c *Config) connString() string {
	if c.URL != "" {
		return c.URL
	}
	port, mode := c.Port, c.SSLMode
	if port == 0 {
		port = DefaultPort
	}
	if mode == "" {
		mode = DefaultSSLMode
	}
	kv := []string{
		"host=" + quoteValue(c.Host),
		"port=" + strconv.Itoa(port),
		"dbname=" + quoteValue(c.Database),
		"user=" + quoteValue(c.User),
		"sslmode=" + quoteValue(mode),
	}
	if c.Password != "" {
		kv = append(kv, "password="+quoteValue(c.Password))
	}
	return strings.Join(kv, " ")
}

// quoteValue quotes a value of a key=value connection string.
func quoteValue(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, `'`, `\'`) + "'"
}

// connConfig returns the connection settings, with the application name
// set.
func (c *Config) connConfig() (*pgx.ConnConfig, error) {
	if c.unknown {
		return nil, fmt.Errorf("postgres destination: the configuration " +
			"holds values that are not known yet")
	}
	pc, err := pgx.ParseConfig(c.connString())
	if err != nil {
		return nil, c.redact(fmt.Errorf("postgres destination: %w", err))
	}
	// Statements differ per table and batch; caching them would also
	// cache the column types of the staging tables COPY describes.
	pc.DefaultQueryExecMode = pgx.QueryExecModeExec
	params := pc.RuntimeParams
	switch {
	case c.ApplicationName != "":
		params["application_name"] = c.ApplicationName
	case params["application_name"] == "":
		params["application_name"] = DefaultApplicationName
	}
	return pc, nil
}

// Describe names the destination without secrets, like
// "postgres://user@host:5432/db (schema public)".
func (c *Config) Describe() string {
	user, host, db := c.User, c.Host, c.Database
	port := c.Port
	if port == 0 {
		port = DefaultPort
	}
	switch {
	case c.unknown:
		if c.URL == "" && host == "" {
			return fmt.Sprintf("postgres (known at apply) (schema %s)",
				c.schema())
		}
	case c.URL != "":
		pc, err := pgconn.ParseConfig(c.URL)
		if err != nil {
			return fmt.Sprintf("postgres (invalid url) (schema %s)",
				c.schema())
		}
		user, host, db, port = pc.User, pc.Host, pc.Database, int(pc.Port)
	}
	hostPort := net.JoinHostPort(host, strconv.Itoa(port))
	if strings.HasPrefix(host, "/") {
		hostPort = host // a Unix socket directory
	}
	return fmt.Sprintf("postgres://%s@%s/%s (schema %s)",
		user, hostPort, db, c.schema())
}

// String returns Describe, so that printing a Config never shows the
// password.
func (c *Config) String() string { return c.Describe() }

// GoString returns Describe too, for %#v.
func (c *Config) GoString() string { return c.Describe() }

// LogValue returns Describe, for slog.
func (c *Config) LogValue() slog.Value { return slog.StringValue(c.Describe()) }

// Open connects for loading. It creates the schema and the state table
// when they are missing. Table locks are taken per table by Lock.
func (c *Config) Open(ctx context.Context, log *slog.Logger) (connectors.Destination, error) {
	d, err := open(ctx, c, log, false)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Inspect connects read-only, for plans. A database that does not exist
// is an error, as it is for apply: syncctl never creates databases.
func (c *Config) Inspect(ctx context.Context, log *slog.Logger) (connectors.Destination, error) {
	d, err := open(ctx, c, log, true)
	if err != nil || d == nil {
		return nil, err
	}
	return d, nil
}

// redact removes the password from err's message. Passwords shorter than
// four characters are left alone: replacing them would garble messages
// without protecting anything.
func (c *Config) redact(err error) error {
	// Parse errors quote the connection string, and pgx can only guess
	// where a malformed one keeps its password: never show it.
	var pce *pgconn.ParseConfigError
	if errors.As(err, &pce) {
		msg := err.Error()
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			msg = msg[i+3:]
		}
		// The wrapped cause may quote pieces of the string: keep pgx's
		// own summary only.
		msg, _, _ = strings.Cut(msg, " (")
		msg = "invalid connection string: " + msg + "; write a postgres:// URL, " +
			"or key=value settings with values holding spaces in single quotes"
		if pw := passwordInURL(pce.ConnString); len(pw) >= 4 {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		return &redactedError{msg: msg, err: err}
	}
	pw := c.Password
	if c.URL != "" {
		pw = passwordInURL(c.URL)
	}
	if err == nil || len(pw) < 4 || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &redactedError{
		msg: strings.ReplaceAll(err.Error(), pw, "xxxxx"),
		err: err,
	}
}

// passwordInURL returns the password of a connection string that may not
// parse (and whose parse error could quote it).
func passwordInURL(s string) string {
	if pc, err := pgconn.ParseConfig(s); err == nil {
		return pc.Password
	}
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return rest[colon+1 : at]
			}
		}
	}
	if i := strings.Index(s, "password="); i >= 0 {
		pw, _, _ := strings.Cut(s[i+len("password="):], " ")
		return strings.Trim(pw, "'")
	}
	return ""
}

// redactedError is an error whose message had a password removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
