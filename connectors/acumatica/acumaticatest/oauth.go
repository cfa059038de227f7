package acumaticatest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// OAuthOptions configure the fake's OAuth 2.0 token endpoint.
type OAuthOptions struct {
	// ClientID and ClientSecret are the connected application's
	// credentials (GUID@Tenant and its shared secret).
	ClientID     string
	ClientSecret string
	// Lifetime is how long an access token lasts (default 3600 s, as on
	// Acumatica).
	Lifetime time.Duration
	// EchoForm makes error responses repeat the submitted form, secrets
	// included, as some IdentityServer versions do: clients must not
	// show response bodies.
	EchoForm bool
	// RedirectURIs are the redirect URIs registered for the connected
	// application; the authorization endpoint accepts no other.
	RedirectURIs []string
	// AutoSignIn makes the authorization endpoint sign the user in and
	// consent at once, as a browser with a signed-in session would: it
	// redirects straight back with a code. Without it, the endpoint
	// serves a sign-in form. The query parameter fake_sign_in
	// ("approve" or "deny") decides before either.
	AutoSignIn bool
}

// OAuth serves Acumatica's IdentityServer endpoints in front of a
// Service: the authorization endpoint, GET /identity/connect/authorize
// (authorization codes with PKCE, see authorize.go), and the token
// endpoint, POST /identity/connect/token, with the authorization_code,
// password and refresh_token grants. Requests with a valid bearer token
// reach the Service as the configured user; other requests reach it
// unchanged (Basic authentication still works).
//
// Refresh tokens rotate as on Acumatica: each refresh returns a new
// refresh token and the old one is refused with invalid_grant. A
// refresh token is issued only when the scope includes offline_access.
type OAuth struct {
	svc  *Service
	opts OAuthOptions

	mu      sync.Mutex
	n       int
	access  map[string]time.Time // access token -> expiry
	refresh map[string]bool      // refresh token -> still usable
	codes   map[string]*authCode // authorization code -> its request
	grants  map[string]int
	// issued lists every code and token handed out, for leak checks.
	issued []string
}

// NewOAuth returns the token endpoint in front of svc.
func NewOAuth(svc *Service, opts OAuthOptions) *OAuth {
	if opts.Lifetime <= 0 {
		opts.Lifetime = time.Hour
	}
	return &OAuth{svc: svc, opts: opts, access: map[string]time.Time{},
		refresh: map[string]bool{}, codes: map[string]*authCode{},
		grants: map[string]int{}}
}

// NewOAuthServer starts a Service behind an OAuth endpoint on 127.0.0.1
// and returns both with the instance URL.
func NewOAuthServer(tb testing.TB, opts Options, oauth OAuthOptions) (*Service, *OAuth, string) {
	tb.Helper()
	svc := New(opts)
	o := NewOAuth(svc, oauth)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("acumaticatest: listen: %v", err)
	}
	srv := httptest.NewUnstartedServer(o)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	tb.Cleanup(srv.Close)
	return svc, o, srv.URL
}

// Grants counts the tokens issued, by grant type.
func (o *OAuth) Grants() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := make(map[string]int, len(o.grants))
	for k, v := range o.grants {
		m[k] = v
	}
	return m
}

// Issued lists every authorization code, access token and refresh
// token handed out so far, so that tests can check none is shown.
func (o *OAuth) Issued() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.issued...)
}

// RevokeRefreshTokens makes every refresh token issued so far
// invalid, as the end of the refresh token's lifetime (30 days by
// default) or a revocation would.
func (o *OAuth) RevokeRefreshTokens() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.refresh)
}

// ExpireAccessTokens makes every access token issued so far invalid, as
// a revocation or a restart of the instance would.
func (o *OAuth) ExpireAccessTokens() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.access)
}

// ServeHTTP serves the token endpoint and forwards everything else.
func (o *OAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.EqualFold(r.URL.Path, "/identity/connect/token"):
		o.token(w, r)
		return
	case strings.EqualFold(r.URL.Path, "/identity/connect/authorize"):
		o.authorize(w, r)
		return
	}
	auth := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
		o.mu.Lock()
		exp, found := o.access[tok]
		o.mu.Unlock()
		if !found || time.Now().After(exp) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized,
				"Authorization has been denied for this request.", false)
			return
		}
		r = r.Clone(r.Context())
		r.SetBasicAuth(o.svc.opts.User, o.svc.opts.Password)
	}
	o.svc.ServeHTTP(w, r)
}

func (o *OAuth) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "")
		return
	}
	f := r.PostForm
	echo := ""
	if o.opts.EchoForm {
		echo = "request: " + f.Encode()
	}
	if f.Get("client_id") != o.opts.ClientID ||
		f.Get("client_secret") != o.opts.ClientSecret {
		oauthError(w, http.StatusBadRequest, "invalid_client", echo)
		return
	}
	offline := hasScope(f.Get("scope"), "offline_access")
	o.mu.Lock()
	defer o.mu.Unlock()
	switch g := f.Get("grant_type"); g {
	case "authorization_code":
		c, ok := o.redeem(f)
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", echo)
			return
		}
		offline = hasScope(c.scope, "offline_access")
	case "password":
		if f.Get("username") != o.svc.opts.User ||
			f.Get("password") != o.svc.opts.Password {
			oauthError(w, http.StatusBadRequest, "invalid_grant", echo)
			return
		}
	case "refresh_token":
		rt := f.Get("refresh_token")
		if !o.refresh[rt] {
			oauthError(w, http.StatusBadRequest, "invalid_grant", echo)
			return
		}
		o.refresh[rt] = false
		offline = true
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", echo)
		return
	}
	o.grants[f.Get("grant_type")]++
	o.n++
	resp := map[string]any{
		"access_token": fmt.Sprintf("at-%d-%d", o.n, time.Now().UnixNano()),
		"expires_in":   int(o.opts.Lifetime / time.Second),
		"token_type":   "Bearer",
		"scope":        "api offline_access",
	}
	at := resp["access_token"].(string)
	o.access[at] = time.Now().Add(o.opts.Lifetime)
	o.issued = append(o.issued, at)
	if offline {
		rt := fmt.Sprintf("rt-%d-%d", o.n, time.Now().UnixNano())
		o.refresh[rt] = true
		o.issued = append(o.issued, rt)
		resp["refresh_token"] = rt
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(resp)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	json.NewEncoder(w).Encode(body)
}
