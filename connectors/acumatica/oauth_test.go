package acumatica

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
	"github.com/syncctl/syncctl/schema/secret"
)

const (
	testClientID     = "88358B02-A48D-A50E-F710-39C1636C30F6@Company"
	testClientSecret = "cl1ent-S3cret"
	testPassword     = "p@ss word+1"
)

// oauthServer starts the fake behind its token endpoint and sets a
// secrets key and a configuration directory for the test.
func oauthServer(t *testing.T, lifetime time.Duration, echo bool) (*acumaticatest.OAuth, string) {
	t.Helper()
	t.Setenv(secret.KeyEnv, mustKey(t).Encode())
	t.Setenv(secret.KeyFileEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	_, o, u := acumaticatest.NewOAuthServer(t, acumaticatest.Options{
		Rows: 30, User: "admin", Password: testPassword},
		acumaticatest.OAuthOptions{ClientID: testClientID,
			ClientSecret: testClientSecret, Lifetime: lifetime, EchoForm: echo})
	return o, u
}

func mustKey(t *testing.T) *secret.Key {
	t.Helper()
	k, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// oauthConfig is a password-grant configuration for the fake at u.
func oauthConfig(u, tokenFile string) *Config {
	cfg := testConfig(u, "Company")
	cfg.Auth = Auth{Type: AuthOAuth2, ClientID: testClientID,
		ClientSecret: testClientSecret, Grant: GrantPassword,
		Username: "admin", Password: testPassword,
		TokenURL: u + "/identity/connect/token",
		Scopes:   strings.Fields(DefaultScope), TokenFile: tokenFile}
	return cfg
}

// readKeys reads every SalesOrders key through a new source.
func readKeys(t *testing.T, cfg *Config) (int, error, string) {
	t.Helper()
	src, buf := open(t, cfg)
	n := 0
	err := src.Read(t.Context(), &connectors.ReadRequest{Entity: "SalesOrders",
		Columns: []string{"OrderType", "OrderNbr"}}, func([]any) error {
		n++
		return nil
	})
	src.Close()
	return n, err, buf.String()
}

func TestOAuthPasswordGrantAndRefresh(t *testing.T) {
	o, u := oauthServer(t, time.Hour, false)
	file := filepath.Join(t.TempDir(), "tokens", "erp.token")
	cfg := oauthConfig(u, file)

	if n, err, log := readKeys(t, cfg); err != nil || n != 30 {
		t.Fatalf("Read = %d, %v\n%s", n, err, log)
	}
	if g := o.Grants(); g["password"] != 1 || g["refresh_token"] != 0 {
		t.Errorf("grants = %v; want one password grant", g)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), secret.Prefix) ||
		strings.Contains(string(data), "rt-") || strings.Contains(string(data), "at-") {
		t.Errorf("token file is not encrypted: %s", data)
	}
	if fi, _ := os.Stat(file); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode = %v; want 0600", fi.Mode().Perm())
	}

	// A second run uses the stored access token: no new grant.
	if n, err, _ := readKeys(t, cfg); err != nil || n != 30 {
		t.Fatalf("second Read = %d, %v", n, err)
	}
	if g := o.Grants(); g["password"] != 1 || g["refresh_token"] != 0 {
		t.Errorf("grants after a second run = %v; want the stored token reused", g)
	}

	// Once the service forgets the access token, the stored refresh
	// token gets a new one.
	o.ExpireAccessTokens()
	if n, err, log := readKeys(t, cfg); err != nil || n != 30 {
		t.Fatalf("Read after expiry = %d, %v\n%s", n, err, log)
	}
	if g := o.Grants(); g["password"] != 1 || g["refresh_token"] != 1 {
		t.Errorf("grants after expiry = %v; want one refresh", g)
	}
}

// TestOAuthRotation: with short-lived access tokens every request
// refreshes; each refresh rotates the refresh token, and only the
// latest one, kept in the token file, works.
func TestOAuthRotation(t *testing.T) {
	o, u := oauthServer(t, time.Second, false)
	file := filepath.Join(t.TempDir(), "erp.token")
	cfg := oauthConfig(u, file)
	for run := range 3 {
		if n, err, log := readKeys(t, cfg); err != nil || n != 30 {
			t.Fatalf("run %d: Read = %d, %v\n%s", run, n, err, log)
		}
	}
	g := o.Grants()
	if g["password"] != 1 || g["refresh_token"] < 3 {
		t.Errorf("grants = %v; want one password grant, then refreshes", g)
	}
}

func TestOAuthErrorsHideSecrets(t *testing.T) {
	_, u := oauthServer(t, time.Hour, true)
	dir := t.TempDir()
	tests := []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"client secret", func(c *Config) { c.Auth.ClientSecret = "wr0ng-Secret" },
			"invalid_client"},
		{"password", func(c *Config) { c.Auth.Password = "wr0ng pass+word" },
			"check the username and password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := oauthConfig(u, filepath.Join(dir, tt.name))
			tt.set(cfg)
			_, err, log := readKeys(t, cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Read error = %v; want %q", err, tt.want)
			}
			text := err.Error() + log
			for _, s := range cfg.secrets() {
				for _, form := range []string{s, strings.ReplaceAll(s, " ", "+")} {
					if strings.Contains(text, form) {
						t.Errorf("secret %q shown:\n%s", form, text)
					}
				}
			}
		})
	}
}

func TestOAuthWithoutKey(t *testing.T) {
	_, u := oauthServer(t, time.Hour, false)
	t.Setenv(secret.KeyEnv, "")
	t.Setenv(secret.KeyFileEnv, "")
	file := filepath.Join(t.TempDir(), "erp.token")
	n, err, log := readKeys(t, oauthConfig(u, file))
	if err != nil || n != 30 {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if !strings.Contains(log, "tokens kept in memory only") {
		t.Errorf("no warning about unsaved tokens:\n%s", log)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("token file written without a key: %v", err)
	}
}

func TestOAuthTokenFileOfAnotherKey(t *testing.T) {
	o, u := oauthServer(t, time.Hour, false)
	file := filepath.Join(t.TempDir(), "erp.token")
	if _, err, _ := readKeys(t, oauthConfig(u, file)); err != nil {
		t.Fatal(err)
	}
	t.Setenv(secret.KeyEnv, mustKey(t).Encode())
	n, err, log := readKeys(t, oauthConfig(u, file))
	if err != nil || n != 30 {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if !strings.Contains(log, "token file ignored") {
		t.Errorf("no warning about the unreadable token file:\n%s", log)
	}
	if g := o.Grants(); g["password"] != 2 {
		t.Errorf("grants = %v; want a second password grant", g)
	}
}
