package acumaticatest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// codeLifetime is how long an authorization code can be redeemed.
const codeLifetime = 5 * time.Minute

// knownScopes are the scopes Acumatica's IdentityServer grants.
var knownScopes = []string{"openid", "profile", "email", "api",
	"offline_access", "api:concurrent_access"}

// authCode is an authorization code and the request it answers.
type authCode struct {
	redirectURI string
	challenge   string
	scope       string
	expires     time.Time
}

// authorize serves the authorization endpoint. Problems with the client
// or the redirect URI are shown on an error page, as IdentityServer
// does, since redirecting to an unchecked URI would be unsafe; other
// problems are redirected back with error and state.
//
// The user signs in when the query says fake_sign_in=approve, when
// AutoSignIn is set, or when the sign-in form is posted back with the
// user's name and password; fake_sign_in=deny refuses consent.
func (o *OAuth) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		authPage(w, http.StatusBadRequest, "Bad request", "")
		return
	}
	q := r.Form
	if q.Get("client_id") != o.opts.ClientID || o.opts.ClientID == "" {
		authPage(w, http.StatusBadRequest, "Error: unauthorized_client",
			"Unknown client or client not enabled.")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(o.opts.RedirectURIs, redirect) {
		authPage(w, http.StatusBadRequest, "Error: invalid_request",
			"Invalid redirect_uri.")
		return
	}
	back := func(params url.Values) {
		u, _ := url.Parse(redirect)
		v := u.Query()
		for k, vs := range params {
			v[k] = vs
		}
		if s := q.Get("state"); s != "" {
			v.Set("state", s)
		}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) {
		back(url.Values{"error": {code}, "error_description": {desc}})
	}

	// The request itself.
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "Response type not supported")
		return
	case !validScope(q.Get("scope")):
		fail("invalid_scope", "Invalid scope")
		return
	case q.Get("state") == "":
		fail("invalid_request", "state is required")
		return
	case q.Get("code_challenge_method") != "S256" ||
		len(q.Get("code_challenge")) != 43:
		fail("invalid_request", "code_challenge with method S256 is required")
		return
	}

	// The user.
	action := q.Get("fake_sign_in")
	if action == "" && o.opts.AutoSignIn {
		action = "approve"
	}
	if r.Method == http.MethodPost && action == "" {
		if q.Get("username") == o.svc.opts.User &&
			q.Get("password") == o.svc.opts.Password {
			action = "approve"
		} else {
			signInForm(w, q, "Invalid credentials. Please try again.")
			return
		}
	}
	switch action {
	case "approve":
	case "deny":
		fail("access_denied", "The user denied access")
		return
	default:
		signInForm(w, q, "")
		return
	}

	o.mu.Lock()
	o.n++
	code := fmt.Sprintf("code-%d-%d", o.n, time.Now().UnixNano())
	o.codes[code] = &authCode{redirectURI: redirect,
		challenge: q.Get("code_challenge"), scope: q.Get("scope"),
		expires: time.Now().Add(codeLifetime)}
	o.issued = append(o.issued, code)
	o.mu.Unlock()
	back(url.Values{"code": {code}, "scope": {q.Get("scope")},
		"session_state": {fmt.Sprintf("ss-%d", o.n)}})
}

// redeem takes the authorization code of a token request, once: it
// must have been issued for the same redirect URI, be redeemed in time
// and come with the PKCE verifier of its challenge. The caller holds
// o.mu; client credentials are checked already.
func (o *OAuth) redeem(f url.Values) (*authCode, bool) {
	c, ok := o.codes[f.Get("code")]
	if !ok {
		return nil, false
	}
	delete(o.codes, f.Get("code"))
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	if time.Now().After(c.expires) || f.Get("redirect_uri") != c.redirectURI ||
		challenge != c.challenge {
		return nil, false
	}
	return c, true
}

func validScope(scope string) bool {
	fields := strings.Fields(scope)
	for _, s := range fields {
		if !slices.Contains(knownScopes, s) {
			return false
		}
	}
	return len(fields) > 0
}

func hasScope(scope, want string) bool {
	return slices.Contains(strings.Fields(scope), want)
}

// signInForm serves the sign-in page: a form that posts the user's
// name and password back with the authorization request.
func signInForm(w http.ResponseWriter, q url.Values, msg string) {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>Sign in</title></head>" +
		"<body>\n<form method=\"post\" action=\"/identity/connect/authorize\">\n")
	if msg != "" {
		fmt.Fprintf(&b, "<p class=\"error\">%s</p>\n", html.EscapeString(msg))
	}
	for _, k := range []string{"client_id", "redirect_uri", "response_type",
		"scope", "state", "code_challenge", "code_challenge_method"} {
		fmt.Fprintf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">\n",
			k, html.EscapeString(q.Get(k)))
	}
	b.WriteString("<input name=\"username\"> <input name=\"password\" " +
		"type=\"password\"> <button>Sign In</button>\n</form></body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, b.String())
}

func authPage(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s</title></head>"+
		"<body><h1>%s</h1><p>%s</p></body></html>\n", html.EscapeString(title),
		html.EscapeString(title), html.EscapeString(msg))
}
