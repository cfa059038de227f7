package acumatica

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

func TestConfigureNewDefaults(t *testing.T) {
	cfg, diags := configure(t, validBlock, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := Pool{Enabled: true, MaxSize: 4, IdleTimeout: 90 * time.Second,
		Wait: 30 * time.Second}
	if cfg.Format != FormatJSON || !cfg.ConvertToGMT || cfg.LocalTimeAsUTC ||
		!cfg.ClientPaging || cfg.Verbosity != 1 || cfg.Pool != want ||
		cfg.Region != "" || len(cfg.Properties) != 0 ||
		cfg.Auth.Type != AuthBasic {
		t.Errorf("config = %+v", cfg)
	}
}

func TestConfigureEveryProperty(t *testing.T) {
	cfg, diags := configure(t, `
description       = "Main ERP"
url               = "https://erp.example.com/Acumatica%20ERP"
tenant            = "Sub Co"
endpoint          = "odata-v3"
format            = "json"
convert_to_gmt    = false
local_time_as_utc = false
client_paging     = false
page_size         = 500
timeout           = "90s"
verbosity         = 3
region            = "fr-ca"
time_zone         = "America/Toronto"
pool {
  enabled      = false
  max_size     = 8
  idle_timeout = "2m"
  wait         = "5s"
}
properties = {
  ReadOnly = "True"
  ApiToken = var.token
}
auth "oauth2" {
  client_id     = "88358B02-A48D-A50E-F710-39C1636C30F6@Sub Co"
  client_secret = "shh"
  grant         = "password"
  username      = "admin"
  password      = "pw"
  scope         = "api offline_access"
  token_file    = "/tmp/x.token"
}
`, map[string]cty.Value{"token": cty.StringVal("t0k3n").Mark("sensitive")})
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatal(diags)
	}
	if cfg.Description != "Main ERP" || cfg.Endpoint != EndpointODataV3 ||
		cfg.ConvertToGMT || cfg.ClientPaging || cfg.PageSize != 500 ||
		cfg.Timeout != 90*time.Second || cfg.Verbosity != 3 ||
		cfg.Region != "fr-CA" || cfg.Location.String() != "America/Toronto" {
		t.Errorf("config = %+v", cfg)
	}
	if (cfg.Pool != Pool{MaxSize: 8, IdleTimeout: 2 * time.Minute,
		Wait: 5 * time.Second}) {
		t.Errorf("pool = %+v", cfg.Pool)
	}
	a := cfg.Auth
	if a.Type != AuthOAuth2 || a.Grant != GrantPassword ||
		a.ClientSecret != "shh" || a.Username != "admin" ||
		a.TokenURL != "https://erp.example.com/Acumatica%20ERP/identity/connect/token" ||
		a.AuthorizationURL != "https://erp.example.com/Acumatica%20ERP/identity/connect/authorize" ||
		a.CallbackURL != DefaultCallbackURL ||
		strings.Join(a.Scopes, " ") != "api offline_access" ||
		a.TokenFile != "/tmp/x.token" {
		t.Errorf("auth = %+v", a)
	}
	wantProps := []Property{{Name: "ApiToken", Value: "t0k3n", Sensitive: true},
		{Name: "ReadOnly", Value: "True"}}
	if !slices.Equal(cfg.Properties, wantProps) {
		t.Errorf("properties = %#v", cfg.Properties)
	}
	d := cfg.Describe()
	if !strings.Contains(d, "ReadOnly=True") ||
		!strings.Contains(d, "ApiToken=(sensitive)") ||
		strings.Contains(d, "t0k3n") || strings.Contains(d, "shh") {
		t.Errorf("Describe() = %s", d)
	}
}

func TestConfigureOAuth2Defaults(t *testing.T) {
	cfg, diags := configure(t, `
url    = "https://erp.example.com"
tenant = "Company"
auth "oauth2" {
  client_id     = "88358B02-A48D-A50E-F710-39C1636C30F6@Company"
  client_secret = "shh"
}
`, nil)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	a := cfg.Auth
	if a.Grant != GrantAuthorizationCode ||
		strings.Join(a.Scopes, " ") != DefaultScope ||
		a.CallbackURL != "http://127.0.0.1:8765/callback" ||
		a.TokenURL != "https://erp.example.com/identity/connect/token" {
		t.Errorf("auth = %+v", a)
	}
}

func TestConfigureWarnings(t *testing.T) {
	oauth := func(id, scope string) string {
		return fmt.Sprintf(`
url    = "https://h"
tenant = "Company"
auth "oauth2" {
  client_id     = %q
  client_secret = "x"
  grant         = "password"
  username      = "u"
  password      = "p"
  scope         = %q
}
`, id, scope)
	}
	tests := []struct {
		name, src, summary string
	}{
		{"other tenant", oauth("88358B02-A48D-A50E-F710-39C1636C30F6@Other",
			"api"), "Client ID of another tenant"},
		{"no api scope", oauth("88358B02-A48D-A50E-F710-39C1636C30F6@company",
			"openid"), "Scope without api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := configure(t, tt.src, nil)
			if len(diags) != 1 || diags[0].Summary != tt.summary ||
				diags[0].Severity != hcl.DiagWarning || diags[0].Subject == nil {
				t.Errorf("diagnostics = %v; want one warning %q", diags, tt.summary)
			}
		})
	}
}

// TestConfigureUnknownProperties: offline, an encrypted property has no
// value yet; the configuration validates and cannot be opened.
func TestConfigureUnknownProperties(t *testing.T) {
	cfg, diags := configure(t, validBlock+`
properties = {
  ReadOnly = "True"
  ApiToken = var.token
}
pool {
  max_size = var.size
}
`, map[string]cty.Value{"token": cty.UnknownVal(cty.String).Mark("sensitive"),
		"size": cty.UnknownVal(cty.Number)})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	_, err := cfg.Open(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "pool.max_size, properties") {
		t.Errorf("Open() = %v; want pool.max_size and properties unknown", err)
	}
}

// TestOpenRefusesATOMOverV4: only the v3 endpoint serves ATOM.
func TestOpenRefusesATOMOverV4(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", "Company")
	cfg.Format = FormatATOM
	if _, err := cfg.Open(t.Context(), nil); err == nil ||
		!strings.Contains(err.Error(), `needs endpoint = "odata-v3"`) {
		t.Errorf("Open() = %v; want ATOM to need odata-v3", err)
	}
	cfg.Endpoint = EndpointODataV3
	src, err := cfg.Open(t.Context(), nil)
	if err != nil {
		t.Fatalf("Open(odata-v3, atom) = %v", err)
	}
	src.Close()
}

// recorder is a handler in front of the fake that keeps the request
// headers it saw.
type recorder struct {
	next    http.Handler
	mu      sync.Mutex
	headers []http.Header
	queries []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.headers = append(r.headers, req.Header.Clone())
	r.queries = append(r.queries, req.URL.RawQuery)
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

// TestRuntimeSettings checks the settings that take effect now: region
// as Accept-Language, client paging off, pool limits, verbosity.
func TestRuntimeSettings(t *testing.T) {
	svc := acumaticatest.New(acumaticatest.Options{Rows: 30, User: "admin",
		Password: "123"})
	rec := &recorder{next: svc}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)

	cfg := testConfig(srv.URL, "Company")
	cfg.Region = "fr-CA"
	cfg.ClientPaging = false
	cfg.Verbosity = 2
	cfg.PageSize = 10
	cfg.Pool = Pool{Enabled: true, MaxSize: 3, IdleTimeout: time.Minute,
		Wait: time.Second}
	src, buf := open(t, cfg)
	n := 0
	err := src.Read(t.Context(), &connectors.ReadRequest{Entity: "SalesOrders",
		Columns: []string{"OrderType", "OrderNbr"}}, func([]any) error {
		n++
		return nil
	})
	if err != nil || n != 30 {
		t.Fatalf("Read = %d rows, %v; want 30 rows", n, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, h := range rec.headers {
		if h.Get("Accept-Language") != "fr-CA" {
			t.Errorf("request %d: Accept-Language = %q", i, h.Get("Accept-Language"))
		}
	}
	for _, q := range rec.queries {
		if strings.Contains(q, "top") {
			t.Errorf("client_paging = false, yet the query pages: %s", q)
		}
	}
	if len(rec.queries) != 2 { // $metadata, then one data request
		t.Errorf("%d requests; want 2: %v", len(rec.queries), rec.queries)
	}
	tr := src.(*source).client.http.Transport.(*http.Transport)
	if tr.MaxConnsPerHost != 3 || tr.IdleConnTimeout != time.Minute ||
		tr.DisableKeepAlives {
		t.Errorf("transport: max %d, idle %v, keep-alives off %v",
			tr.MaxConnsPerHost, tr.IdleConnTimeout, tr.DisableKeepAlives)
	}
	log := buf.String()
	if !strings.Contains(log, "request_headers") ||
		!strings.Contains(log, "Authorization: (sensitive)") ||
		strings.Contains(log, "YWRtaW46MTIz") || // admin:123
		strings.Contains(log, ".ASPXAUTH=") {
		t.Errorf("log at verbosity 2:\n%s", log)
	}
}

func TestPoolDisabled(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", "Company")
	cfg.Pool.Enabled = false
	c, err := newClient(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !c.http.Transport.(*http.Transport).DisableKeepAlives {
		t.Error("pool disabled, yet connections are kept")
	}
}
