package postgres

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
)

const secret = "s3cr3t-Pa55"

// evalContext offers a sensitive password and an unknown value, as the
// schema package hands them to connectors.
var evalContext = &hcl.EvalContext{
	Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{
			"password": cty.StringVal(secret).Mark("sensitive"),
			"unknown":  cty.UnknownVal(cty.String),
			"port":     cty.UnknownVal(cty.Number),
		}),
	},
}

// configure decodes a block body the way the schema package does and
// hands it to the driver.
func configure(t *testing.T, src string) (connectors.DestinationConfig, hcl.Diagnostics) {
	t.Helper()
	src = "destination \"postgres\" \"warehouse\" {\n" + src + "\n}\n"
	f, diags := hclsyntax.ParseConfig([]byte(src), "main.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	body := f.Body.(*hclsyntax.Body).Blocks[0].Body
	val, diags := hcldec.Decode(body, driver{}.Spec(), evalContext)
	if diags.HasErrors() {
		return nil, diags
	}
	c, more := driver{}.Configure(body, val)
	return c, append(diags, more...)
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // Describe
	}{
		{
			"host",
			`host = "db.example.com"
			 database = "analytics"
			 user = "syncctl"
			 password = var.password`,
			"postgres://syncctl@db.example.com:5432/analytics (schema public)",
		},
		{
			"all attributes",
			`host = "10.0.0.5"
			 port = 6432
			 database = "dw"
			 user = "loader"
			 sslmode = "require"
			 schema = "Acumatica ERP"
			 application_name = "syncctl-nightly"`,
			"postgres://loader@10.0.0.5:6432/dw (schema Acumatica ERP)",
		},
		{
			"url",
			`url = "postgres://loader:` + secret + `@db.example.com:5433/dw?sslmode=disable"`,
			"postgres://loader@db.example.com:5433/dw (schema public)",
		},
		{
			"key value url",
			`url = "host=db.example.com dbname=dw user=loader password=` +
				secret + `"`,
			"postgres://loader@db.example.com:5432/dw (schema public)",
		},
		{
			"IPv6 host",
			`host = "::1"
			 database = "dw"
			 user = "loader"`,
			"postgres://loader@[::1]:5432/dw (schema public)",
		},
		{
			"unknown url",
			`url = var.unknown`,
			"postgres (known at apply) (schema public)",
		},
		{
			"unknown parts",
			`host = "db.example.com"
			 port = var.port
			 database = var.unknown
			 user = "loader"
			 password = var.unknown`,
			"postgres://loader@db.example.com:5432/ (schema public)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, diags := configure(t, tt.src)
			if diags.HasErrors() {
				t.Fatalf("Configure(%s): %v", tt.name, diags)
			}
			if got := c.Describe(); got != tt.want {
				t.Errorf("Describe() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestConfigureErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		summary string
		line    int // of the diagnostic's subject; the block opens on 1
	}{
		{
			"missing database",
			"host = \"db\"\nuser = \"u\"\n",
			"Missing required argument", 1,
		},
		{
			"missing everything", "", "Missing required argument", 1,
		},
		{
			"port too large",
			"host = \"db\"\ndatabase = \"d\"\nuser = \"u\"\nport = 70000\n",
			"Invalid port", 5,
		},
		{
			"fractional port",
			"host = \"db\"\ndatabase = \"d\"\nuser = \"u\"\nport = 54.32\n",
			"Invalid port", 5,
		},
		{
			"port as text",
			"host = \"db\"\ndatabase = \"d\"\nuser = \"u\"\nport = \"x\"\n",
			"Incorrect attribute value type", 5,
		},
		{
			"unknown attribute",
			"host = \"db\"\ndatabase = \"d\"\nuser = \"u\"\nhostname = \"x\"\n",
			"Unsupported argument", 5,
		},
		{
			"url and host",
			"url = \"postgres://db/d\"\nhost = \"db\"\n",
			"Conflicting connection settings", 3,
		},
		{
			"bad sslmode",
			"host = \"db\"\ndatabase = \"d\"\nuser = \"u\"\nsslmode = \"on\"\n",
			"Invalid sslmode", 5,
		},
		{
			"empty schema",
			"host = \"db\"\ndatabase = \"d\"\nuser = \"u\"\nschema = \"\"\n",
			"Invalid schema", 5,
		},
		{
			"long schema",
			"host = \"db\"\ndatabase = \"d\"\nuser = \"u\"\nschema = \"" +
				strings.Repeat("s", 64) + "\"\n",
			"Invalid schema", 5,
		},
		{
			"bad url",
			"url = \"postgres://u:" + secret + "@db:port/d\"\n",
			"Invalid connection settings", 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := configure(t, tt.src)
			if !diags.HasErrors() {
				t.Fatalf("Configure(%q) = no errors; want %q", tt.src,
					tt.summary)
			}
			d := diags[0]
			if d.Summary != tt.summary {
				t.Errorf("Configure(%q) = %q: %s; want %q", tt.src,
					d.Summary, d.Detail, tt.summary)
			}
			if d.Subject == nil || d.Subject.Start.Line != tt.line {
				t.Errorf("diagnostic %q points at %v; want line %d",
					d.Summary, d.Subject, tt.line)
			}
			if strings.Contains(d.Detail, secret) {
				t.Errorf("diagnostic detail %q shows the password", d.Detail)
			}
		})
	}
}

func TestDocsMatchSpec(t *testing.T) {
	docs := driver{}.Docs()
	if len(docs) != len(spec) {
		t.Errorf("Docs() has %d attributes, the spec %d", len(docs),
			len(spec))
	}
	for _, a := range docs {
		if _, ok := spec[a.Name]; !ok {
			t.Errorf("Docs() documents %q, which the spec lacks", a.Name)
		}
	}
	if d, ok := connectors.LookupDestination("postgres"); !ok || d == nil {
		t.Error(`LookupDestination("postgres") found nothing`)
	}
}

// TestRedaction checks that the password shows in no description, no
// formatted value and no error.
func TestRedaction(t *testing.T) {
	configs := []*Config{
		{Host: "127.0.0.1", Port: 1, Database: "d", User: "u",
			Password: secret, SSLMode: "disable"},
		{URL: "postgres://u:" + secret + "@127.0.0.1:1/d?sslmode=disable"},
		{URL: "host=127.0.0.1 port=1 user=u password=" + secret},
		{URL: "postgres://u:" + secret + "@127.0.0.1:port/d"},
	}
	for i, c := range configs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, nil))
			log.Info("destination", "config", c)
			shown := []string{
				c.Describe(), c.String(), fmt.Sprintf("%v %+v %#v %s", c,
					c, c, c), logged.String(),
			}
			ctx, cancel := context.WithTimeout(context.Background(),
				5*time.Second)
			defer cancel()
			if _, err := c.Open(ctx, nil); err != nil {
				shown = append(shown, err.Error())
			} else {
				t.Errorf("Open(%s) succeeded; want an error", c)
			}
			if _, err := c.Inspect(ctx, nil); err != nil {
				shown = append(shown, err.Error())
			}
			t.Logf("shown: %q", shown)
			for _, s := range shown {
				if strings.Contains(s, secret) {
					t.Errorf("password shown in %q", s)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	c := &Config{URL: "postgres://u:" + secret + "@h/d"}
	err := c.redact(fmt.Errorf("dial postgres://u:%s@h/d: refused", secret))
	if got := err.Error(); strings.Contains(got, secret) ||
		!strings.Contains(got, "refused") {
		t.Errorf("redact() = %q; want the message without the password", got)
	}
}
