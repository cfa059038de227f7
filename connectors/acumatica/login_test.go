package acumatica

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
	"github.com/syncctl/syncctl/schema/secret"
)

// loginSetup starts the fake with its authorization endpoint, which
// signs the user in at once, and returns an authorization-code
// configuration whose callback is a free loopback port.
func loginSetup(t *testing.T) (*acumaticatest.OAuth, *Config) {
	t.Helper()
	t.Setenv(secret.KeyEnv, mustKey(t).Encode())
	t.Setenv(secret.KeyFileEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	callback := "http://" + freeAddr(t) + "/callback"
	_, o, u := acumaticatest.NewOAuthServer(t, acumaticatest.Options{
		Rows: 30, User: "admin", Password: testPassword},
		acumaticatest.OAuthOptions{ClientID: testClientID,
			ClientSecret: testClientSecret, RedirectURIs: []string{callback},
			AutoSignIn: true})
	cfg := oauthConfig(u, filepath.Join(t.TempDir(), "erp.token"))
	cfg.Auth.Grant = GrantAuthorizationCode
	cfg.Auth.Username, cfg.Auth.Password = "", ""
	cfg.Auth.CallbackURL = callback
	cfg.Auth.AuthorizationURL = u + "/identity/connect/authorize"
	return o, cfg
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// redirectOf plays a browser that signs in but does not follow the
// final redirect, and returns the address it was sent to.
func redirectOf(t *testing.T, authURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET authorization URL: %s; want a redirect", resp.Status)
	}
	return resp.Header.Get("Location")
}

func TestLoginThroughCallback(t *testing.T) {
	o, cfg := loginSetup(t)
	_, err := cfg.Open(t.Context(), nil)
	if !errors.Is(err, ErrNoToken) {
		t.Fatalf("Open before login = %v; want ErrNoToken", err)
	}

	l, err := NewLogin(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := l.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	u, _ := url.Parse(l.AuthCodeURL())
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("state") == "" ||
		q.Get("redirect_uri") != cfg.Auth.CallbackURL {
		t.Errorf("authorization URL %s lacks PKCE, state or redirect_uri", u)
	}

	// The browser follows the redirect to the callback.
	resp, err := http.Get(l.AuthCodeURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Signed in") {
		t.Fatalf("callback answered %s: %s", resp.Status, body)
	}
	var got string
	select {
	case got = <-cb.Redirect():
	case <-time.After(5 * time.Second):
		t.Fatal("no redirect received")
	}
	if err := l.Finish(t.Context(), got); err != nil {
		t.Fatal(err)
	}

	if n, err, log := readKeys(t, cfg); err != nil || n != 30 {
		t.Fatalf("Read after login = %d, %v\n%s", n, err, log)
	}
	if g := o.Grants(); g["authorization_code"] != 1 || g["refresh_token"] != 0 {
		t.Errorf("grants = %v; want one authorization code, reused", g)
	}

	// The stored refresh token rotates as with the password grant.
	o.ExpireAccessTokens()
	if n, err, _ := readKeys(t, cfg); err != nil || n != 30 {
		t.Fatalf("Read after expiry = %d, %v", n, err)
	}
	// Once the refresh token is gone, only a new sign-in helps.
	o.ExpireAccessTokens()
	o.RevokeRefreshTokens()
	_, err, _ = readKeys(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "sign in again with syncctl login") {
		t.Errorf("Read with a revoked refresh token = %v; want sign in again", err)
	}
}

func TestLoginRedirects(t *testing.T) {
	o, cfg := loginSetup(t)
	tests := []struct {
		name   string
		edit   func(redirect, authURL string) string
		want   string
		stored bool
	}{
		{"pasted whole", func(r, _ string) string { return " " + r + "\n" }, "", true},
		{"pasted query", func(r, _ string) string { return r[strings.Index(r, "?")+1:] }, "", true},
		{"other state", func(r, _ string) string {
			return strings.Replace(r, "&state=", "&state=x", 1)
		}, "state does not match", false},
		{"no state", func(r, _ string) string {
			return strings.Replace(r, "&state=", "&s=", 1)
		}, "state does not match", false},
		{"authorization URL", func(_, a string) string { return a },
			"holds no authorization code", false},
		{"garbage", func(string, string) string { return "hello" },
			"holds no authorization code", false},
		{"denied", func(_, a string) string {
			return redirectOf(t, a+"&fake_sign_in=deny")
		}, "refused the sign-in: access_denied", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *cfg
			cfg.Auth.TokenFile = filepath.Join(t.TempDir(), "erp.token")
			l, err := NewLogin(&cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := redirectOf(t, l.AuthCodeURL())
			code := r[strings.Index(r, "code=")+5:]
			code = code[:strings.IndexByte(code, '&')]
			err = l.Finish(t.Context(), tt.edit(r, l.AuthCodeURL()))
			if tt.want == "" && err != nil || tt.want != "" &&
				(err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Finish = %v; want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), code) {
				t.Errorf("error shows the code: %v", err)
			}
			_, err = cfg.Open(t.Context(), nil)
			if stored := err == nil; stored != tt.stored {
				t.Errorf("Open after Finish = %v; want a stored token: %v", err, tt.stored)
			}
		})
	}
	if g := o.Grants(); g["authorization_code"] != 2 {
		t.Errorf("grants = %v; want two codes redeemed", g)
	}
}

// TestLoginCodeOnce: a code is redeemed once, and only with the
// verifier of its challenge; the refusal shows neither.
func TestLoginCodeOnce(t *testing.T) {
	_, cfg := loginSetup(t)
	l, err := NewLogin(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := redirectOf(t, l.AuthCodeURL())
	if err := l.Finish(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	err = l.Finish(t.Context(), r)
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("second Finish = %v; want invalid_grant", err)
	}
	l2, _ := NewLogin(cfg, nil)
	l2.state = l.state
	err = l2.Finish(t.Context(), redirectOf(t, l.AuthCodeURL()))
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("Finish with another verifier = %v; want invalid_grant", err)
	}
	for _, s := range []string{l.verifier, l2.verifier, testClientSecret} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}

func TestLoginListen(t *testing.T) {
	_, cfg := loginSetup(t)
	tests := []struct {
		callback string
		want     string
	}{
		{"https://erp.example.com/callback", "not plain http"},
		{"http://erp.example.com/callback", "not a loopback address"},
		{"http://10.0.0.1:8765/callback", "not a loopback address"},
	}
	for _, tt := range tests {
		c := *cfg
		c.Auth.CallbackURL = tt.callback
		l, err := NewLogin(&c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Listen(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Listen(%s) = %v; want %q", tt.callback, err, tt.want)
		}
	}

	// A busy port cannot be listened on.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	c := *cfg
	c.Auth.CallbackURL = "http://" + busy.Addr().String() + "/callback"
	l, _ := NewLogin(&c, nil)
	if _, err := l.Listen(); err == nil {
		t.Error("Listen on a busy port succeeded")
	}

	// Without a key the token could not be kept.
	t.Setenv(secret.KeyEnv, "")
	if _, err := NewLogin(cfg, nil); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("NewLogin without a key = %v; want no key", err)
	}
}
