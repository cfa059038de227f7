package acumatica

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
)

// configure decodes src as a source block body with variables var.*
// and runs Configure on it.
func configure(t *testing.T, src string, vars map[string]cty.Value) (*Config, hcl.Diagnostics) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "source.hcl",
		hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %s", diags)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(vars)}}
	if vars == nil {
		ctx.Variables["var"] = cty.EmptyObjectVal
	}
	d := Driver{}
	val, diags := hcldec.Decode(f.Body, d.Spec(), ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	sc, diags := d.Configure(f.Body, val)
	cfg, _ := sc.(*Config)
	return cfg, diags
}

const validBlock = `
url    = "https://erp.example.com/Acumatica%20ERP/"
tenant = "Sub Co"
auth "basic" {
  username = "admin"
  password = "s3cret"
}
`

func TestConfigureDefaults(t *testing.T) {
	cfg, diags := configure(t, validBlock, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.URL != "https://erp.example.com/Acumatica%20ERP" ||
		cfg.Tenant() != "Sub Co" || cfg.Endpoint != EndpointGI ||
		cfg.PageSize != 1000 || cfg.Timeout != 60*time.Second ||
		cfg.Location != time.UTC || cfg.Auth.Username != "admin" ||
		cfg.Auth.Password != "s3cret" {
		t.Errorf("config = %+v", cfg)
	}
	if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, "s3cret") {
		t.Errorf("formatted config shows the password: %s", s)
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		endpoint Endpoint
		want     string
	}{
		{EndpointGI, "https://erp.example.com/Acumatica%20ERP/t/Sub%20Co/api/odata/gi/"},
		{EndpointDAC, "https://erp.example.com/Acumatica%20ERP/t/Sub%20Co/api/odata/dac/"},
		{EndpointODataV3, "https://erp.example.com/Acumatica%20ERP/odata/Sub%20Co/"},
		{EndpointODataV4Legacy, "https://erp.example.com/Acumatica%20ERP/odatav4/Sub%20Co/"},
	}
	for _, tt := range tests {
		cfg, diags := configure(t, validBlock+fmt.Sprintf("endpoint = %q\n",
			tt.endpoint), nil)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if got := cfg.BaseURL(); got != tt.want {
			t.Errorf("BaseURL(%s) = %s; want %s", tt.endpoint, got, tt.want)
		}
	}
}

func TestConfigureAll(t *testing.T) {
	cfg, diags := configure(t, validBlock+`
endpoint  = "odata-v3"
page_size = 250
timeout   = "2m"
time_zone = "America/Toronto"
`, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.Endpoint != EndpointODataV3 || cfg.PageSize != 250 ||
		cfg.Timeout != 2*time.Minute || cfg.Location.String() != "America/Toronto" {
		t.Errorf("config = %+v", cfg)
	}
}

func TestConfigureInvalid(t *testing.T) {
	auth := "auth \"basic\" {\n  username = \"admin\"\n  password = \"x\"\n}\n"
	tests := []struct {
		name, src, summary string
		line               int // line of the diagnostic's subject
	}{
		{"scheme", "url = \"ftp://h\"\ntenant = \"C\"\n" + auth, "Invalid instance URL", 1},
		{"no host", "url = \"https://\"\ntenant = \"C\"\n" + auth, "Invalid instance URL", 1},
		{"credentials", "url = \"https://u:p@h\"\ntenant = \"C\"\n" + auth, "Credentials in the instance URL", 1},
		{"query", "url = \"https://h/?x=1\"\ntenant = \"C\"\n" + auth, "Invalid instance URL", 1},
		{"empty tenant", "url = \"https://h\"\ntenant = \" \"\n" + auth, "Empty tenant", 2},
		{"endpoint", "url = \"https://h\"\ntenant = \"C\"\nendpoint = \"rest\"\n" + auth, "Invalid endpoint", 3},
		{"page size 0", "url = \"https://h\"\ntenant = \"C\"\npage_size = 0\n" + auth, "Invalid page size", 3},
		{"page size big", "url = \"https://h\"\ntenant = \"C\"\npage_size = 10001\n" + auth, "Invalid page size", 3},
		{"page size fraction", "url = \"https://h\"\ntenant = \"C\"\npage_size = 1.5\n" + auth, "Invalid page size", 3},
		{"timeout", "url = \"https://h\"\ntenant = \"C\"\ntimeout = \"60\"\n" + auth, "Invalid duration", 3},
		{"time zone", "url = \"https://h\"\ntenant = \"C\"\ntime_zone = \"Mars/Base\"\n" + auth, "Unknown time zone", 3},
		{"no auth", "url = \"https://h\"\ntenant = \"C\"\n", "Missing auth block", 0},
		{"oauth", "url = \"https://h\"\ntenant = \"C\"\nauth \"oauth3\" {\n}\n", "Unsupported authentication type", 3},
		{"no password", "url = \"https://h\"\ntenant = \"C\"\nauth \"basic\" {\n  username = \"a\"\n}\n", "Missing password", 3},
		{"empty user", "url = \"https://h\"\ntenant = \"C\"\nauth \"basic\" {\n  username = \"\"\n  password = \"p\"\n}\n", "Empty username", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := configure(t, tt.src, nil)
			if len(diags) != 1 {
				t.Fatalf("diagnostics = %v; want one %q", diags, tt.summary)
			}
			d := diags[0]
			if d.Summary != tt.summary || d.Severity != hcl.DiagError {
				t.Errorf("summary = %q; want %q", d.Summary, tt.summary)
			}
			if strings.HasSuffix(d.Summary, ".") || d.Detail == "" {
				t.Errorf("diagnostic %q/%q: want a summary without period and a detail",
					d.Summary, d.Detail)
			}
			if d.Subject == nil {
				t.Fatal("no subject range")
			}
			if tt.line > 0 && d.Subject.Start.Line != tt.line {
				t.Errorf("subject on line %d; want %d", d.Subject.Start.Line, tt.line)
			}
			if strings.Contains(d.Detail, "u:p") {
				t.Errorf("detail repeats the credentials: %s", d.Detail)
			}
		})
	}
}

func TestConfigureRequiredBySpec(t *testing.T) {
	_, diags := configure(t, "tenant = \"C\"\n", nil)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "url") {
		t.Errorf("diagnostics = %v; want the missing url", diags)
	}
}

func TestConfigureUnknownAndSensitive(t *testing.T) {
	vars := map[string]cty.Value{
		"url":  cty.UnknownVal(cty.String),
		"user": cty.StringVal("admin").Mark("sensitive"),
		"pass": cty.StringVal("hunter2").Mark("sensitive"),
		"size": cty.UnknownVal(cty.Number),
	}
	cfg, diags := configure(t, `
url       = var.url
tenant    = "Company"
page_size = var.size
auth "basic" {
  username = var.user
  password = var.pass
}
`, vars)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !cfg.sensitive["auth.basic.password"] || !cfg.sensitive["auth.basic.username"] ||
		cfg.sensitive["tenant"] {
		t.Errorf("sensitive = %v", cfg.sensitive)
	}
	if cfg.username() != "(sensitive)" {
		t.Errorf("username() = %q", cfg.username())
	}
	if cfg.Auth.Password != "hunter2" {
		t.Error("password not unmarked")
	}
	_, err := cfg.Open(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "url, page_size") {
		t.Errorf("Open() = %v; want unknown url, page_size", err)
	}
}

func TestDocsAndSpecAgree(t *testing.T) {
	d := Driver{}
	spec := d.Spec().(hcldec.ObjectSpec)
	nested := map[string]hcldec.ObjectSpec{
		"auth": spec["auth"].(*hcldec.BlockMapSpec).Nested.(hcldec.ObjectSpec),
		"pool": spec["pool"].(*hcldec.BlockSpec).Nested.(hcldec.ObjectSpec),
	}
	sensitive := map[string]bool{}
	for _, a := range d.Docs() {
		if a.Description == "" {
			t.Errorf("%s has no description", a.Name)
		}
		if a.Sensitive {
			sensitive[a.Name] = true
		}
		parts := strings.Split(a.Name, ".")
		target, name := spec, parts[len(parts)-1]
		if len(parts) > 1 {
			target = nested[parts[0]]
		}
		if _, ok := target[name]; !ok {
			t.Errorf("documented %s is not in the spec", a.Name)
		}
	}
	for _, name := range []string{"auth.basic.password",
		"auth.oauth2.password", "auth.oauth2.client_secret"} {
		if !sensitive[name] {
			t.Errorf("%s is not documented as sensitive", name)
		}
	}
	if got, ok := connectors.LookupSource("acumatica"); !ok || got == nil {
		t.Error("acumatica is not registered")
	}
}
