package acumaticatest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	testClient   = "88358B02-A48D-A50E-F710-39C1636C30F6@Company"
	testSecret   = "cl1ent-S3cret"
	testRedirect = "http://127.0.0.1:8765/callback"
	testVerifier = "verifier-verifier-verifier-verifier-verifier-0123"
)

func authServer(t *testing.T, auto bool) (*OAuth, string) {
	t.Helper()
	_, o, u := NewOAuthServer(t, Options{Rows: 5, User: "admin",
		Password: "pw"}, OAuthOptions{ClientID: testClient,
		ClientSecret: testSecret, RedirectURIs: []string{testRedirect},
		AutoSignIn: auto})
	return o, u
}

// authParams is a valid authorization request.
func authParams() url.Values {
	sum := sha256.Sum256([]byte(testVerifier))
	return url.Values{"client_id": {testClient}, "redirect_uri": {testRedirect},
		"response_type": {"code"}, "scope": {"api offline_access"},
		"state": {"st"}, "code_challenge_method": {"S256"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

func TestAuthorize(t *testing.T) {
	_, u := authServer(t, true)
	tests := []struct {
		name   string
		edit   func(url.Values)
		status int
		want   string // in the body, or in the redirect's query
	}{
		{"valid", func(url.Values) {}, http.StatusFound, "code=code-"},
		{"unknown client", func(q url.Values) { q.Set("client_id", "x@Company") },
			http.StatusBadRequest, "unauthorized_client"},
		{"unregistered redirect", func(q url.Values) {
			q.Set("redirect_uri", "http://127.0.0.1:9/cb")
		}, http.StatusBadRequest, "Invalid redirect_uri"},
		{"token response type", func(q url.Values) { q.Set("response_type", "token") },
			http.StatusFound, "error=unsupported_response_type"},
		{"unknown scope", func(q url.Values) { q.Set("scope", "api everything") },
			http.StatusFound, "error=invalid_scope"},
		{"no state", func(q url.Values) { q.Del("state") },
			http.StatusFound, "error=invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") },
			http.StatusFound, "error=invalid_request"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge") },
			http.StatusFound, "error=invalid_request"},
		{"denied", func(q url.Values) { q.Set("fake_sign_in", "deny") },
			http.StatusFound, "error=access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := authParams()
			tt.edit(q)
			resp, err := noFollow.Get(u + "/identity/connect/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := string(body) + resp.Header.Get("Location")
			if resp.StatusCode != tt.status || !strings.Contains(got, tt.want) {
				t.Fatalf("GET = %s %s; want %d with %q", resp.Status, got, tt.status, tt.want)
			}
			if loc := resp.Header.Get("Location"); loc != "" &&
				(!strings.HasPrefix(loc, testRedirect+"?") || q.Has("state") &&
					!strings.Contains(loc, "state=st")) {
				t.Errorf("redirect to %s; want %s with the state", loc, testRedirect)
			}
		})
	}
}

// TestAuthorizationCodeGrant signs in through the form, then redeems
// the code: once, with its verifier and redirect URI only.
func TestAuthorizationCodeGrant(t *testing.T) {
	o, u := authServer(t, false)
	q := authParams()
	resp, err := noFollow.Get(u + "/identity/connect/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<form") {
		t.Fatalf("GET without a session = %s; want the sign-in form", resp.Status)
	}
	q.Set("username", "admin")
	q.Set("password", "wrong")
	resp, _ = noFollow.PostForm(u+"/identity/connect/authorize", q)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Invalid credentials") {
		t.Fatalf("wrong password: %s %s", resp.Status, body)
	}
	q.Set("password", "pw")
	resp, _ = noFollow.PostForm(u+"/identity/connect/authorize", q)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if resp.StatusCode != http.StatusFound || code == "" {
		t.Fatalf("sign-in: %s, Location %s", resp.Status, loc)
	}

	redeem := func(edit func(url.Values)) (int, map[string]any) {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {testRedirect}, "code_verifier": {testVerifier},
			"client_id": {testClient}, "client_secret": {testSecret}}
		edit(f)
		resp, err := http.PostForm(u+"/identity/connect/token", f)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if st, m := redeem(func(f url.Values) { f.Set("client_secret", "x") }); st != 400 || m["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", st, m)
	}
	if st, m := redeem(func(url.Values) {}); st != 200 || m["refresh_token"] == nil {
		t.Fatalf("redeem: %d %v", st, m)
	}
	if st, m := redeem(func(url.Values) {}); st != 400 || m["error"] != "invalid_grant" {
		t.Errorf("second redeem: %d %v; want invalid_grant", st, m)
	}
	if g := o.Grants(); g["authorization_code"] != 1 {
		t.Errorf("grants = %v", g)
	}

	// Each mismatch spends a fresh code.
	for name, edit := range map[string]func(url.Values){
		"verifier":     func(f url.Values) { f.Set("code_verifier", testVerifier+"x") },
		"redirect_uri": func(f url.Values) { f.Set("redirect_uri", testRedirect+"/x") },
	} {
		q := authParams()
		q.Set("fake_sign_in", "approve")
		resp, _ := noFollow.Get(u + "/identity/connect/authorize?" + q.Encode())
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		code = loc.Query().Get("code")
		if st, m := redeem(edit); st != 400 || m["error"] != "invalid_grant" {
			t.Errorf("wrong %s: %d %v; want invalid_grant", name, st, m)
		}
	}
}
