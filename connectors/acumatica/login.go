package acumatica

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/syncctl/syncctl/schema/secret"
)

// NeedsLogin reports whether the source signs in with the
// authorization-code grant: a person signs in through a browser once,
// with syncctl login, and the source then lives on the stored refresh
// token.
func (c *Config) NeedsLogin() bool {
	return c.Auth.Type == AuthOAuth2 && c.Auth.Grant == GrantAuthorizationCode
}

// TokenFile returns the file the source keeps its tokens in.
func (c *Config) TokenFile() (string, error) { return tokenFile(c) }

// Login is one sign-in with the authorization-code grant and PKCE
// (RFC 7636, S256): the URL the user opens, and the state and verifier
// that the redirect and the code exchange must match. Create it with
// NewLogin; a Login serves one sign-in.
type Login struct {
	cfg      *Config
	toks     *tokens
	state    string
	verifier string
}

// NewLogin prepares a sign-in for cfg, which must need one
// (NeedsLogin). It fails when the token could not be kept: without a
// secrets key the token file cannot be written.
func NewLogin(cfg *Config, log *slog.Logger) (*Login, error) {
	if !cfg.NeedsLogin() {
		return nil, errors.New("acumatica source: the source does not " +
			`sign in with grant = "authorization_code"`)
	}
	if len(cfg.unknown) > 0 {
		return nil, fmt.Errorf("acumatica source: %s not known",
			strings.Join(cfg.unknown, ", "))
	}
	key, err := secret.LoadKey(nil)
	if err != nil {
		return nil, fmt.Errorf("login stores the token encrypted: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t := &tokens{cfg: cfg, log: log,
		http: &http.Client{Timeout: cfg.Timeout, Transport: tr,
			CheckRedirect: sameHostRedirects},
		conf: appConfig(cfg), key: key}
	if t.path, err = tokenFile(cfg); err != nil {
		return nil, err
	}
	state, err := randomText(24)
	if err != nil {
		return nil, err
	}
	return &Login{cfg: cfg, toks: t, state: state,
		verifier: oauth2.GenerateVerifier()}, nil
}

func randomText(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// AuthCodeURL returns the URL the user opens in a browser to sign in.
// It holds no secret: the client ID, the scopes, the state and the PKCE
// challenge.
func (l *Login) AuthCodeURL() string {
	return l.toks.conf.AuthCodeURL(l.state,
		oauth2.S256ChallengeOption(l.verifier))
}

// CallbackURL returns the redirect URI the browser comes back to.
func (l *Login) CallbackURL() string { return l.cfg.Auth.CallbackURL }

// TokenFile returns where Finish stores the tokens.
func (l *Login) TokenFile() string { return l.toks.path }

// Finish checks the address the browser was redirected to (its state,
// or the error the service sent instead of a code), exchanges the code
// with the PKCE verifier, and stores the tokens. redirected is the whole
// address, or only its query. Errors never show the code.
func (l *Login) Finish(ctx context.Context, redirected string) error {
	code, err := l.code(redirected)
	if err != nil {
		return err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, l.toks.http)
	tok, err := l.toks.conf.Exchange(ctx, code,
		oauth2.VerifierOption(l.verifier))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return l.toks.explain("exchange the authorization code", err,
			code, l.verifier)
	}
	if tok.RefreshToken == "" {
		l.toks.log.Warn("no refresh token: the sign-in lasts until the "+
			"access token expires; add offline_access to scope",
			"tenant", l.cfg.TenantName)
	}
	l.toks.tok = tok
	if err := l.toks.save(); err != nil {
		return fmt.Errorf("store the token in %s: %w", l.toks.path, err)
	}
	return nil
}

// code takes the authorization code from the redirect, after checking
// that it answers this sign-in.
func (l *Login) code(redirected string) (string, error) {
	s := strings.TrimSpace(redirected)
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	q, err := url.ParseQuery(s)
	if err != nil || q.Get("state") == "" && q.Get("code") == "" &&
		q.Get("error") == "" {
		return "", fmt.Errorf("the address holds no authorization code: "+
			"paste the whole address the browser was sent to after "+
			"signing in; it starts with %s", l.cfg.Auth.CallbackURL)
	}
	// A refusal may come without the state; anything else must carry
	// this sign-in's.
	refused := q.Get("error") != "" && q.Get("state") == ""
	if !refused && subtle.ConstantTimeCompare([]byte(q.Get("state")),
		[]byte(l.state)) != 1 {
		return "", errors.New("the redirect's state does not match this " +
			"sign-in: it answers another (older) sign-in, or did not come " +
			"from the service; start again with syncctl login and use the " +
			"URL it prints")
	}
	if e := q.Get("error"); e != "" {
		msg := "the service refused the sign-in: " + e
		if d := q.Get("error_description"); d != "" {
			msg += " (" + redactAll(d, l.cfg.secrets()) + ")"
		}
		return "", errors.New(msg)
	}
	if q.Get("code") == "" {
		return "", errors.New("the redirect holds no authorization code")
	}
	return q.Get("code"), nil
}

// Callback receives the browser's redirect on the loopback address of
// callback_url.
type Callback struct {
	srv  *http.Server
	ch   chan string
	once sync.Once
}

// Listen starts listening on callback_url's address, which must be a
// loopback address (127.0.0.1, [::1] or localhost) and plain http, so
// that the code never leaves the machine. It fails when the address
// cannot be listened on: the user then pastes the address instead.
func (l *Login) Listen() (*Callback, error) {
	u, err := url.Parse(l.cfg.Auth.CallbackURL)
	if err != nil {
		return nil, err
	}
	hosts, err := loopbackHosts(u)
	if err != nil {
		return nil, err
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	var ls []net.Listener
	for i, h := range hosts {
		ln, err := net.Listen("tcp", net.JoinHostPort(h, port))
		if err != nil && i == 0 {
			return nil, fmt.Errorf("listen on %s: %w", u.Host, err)
		}
		if err == nil {
			ls = append(ls, ln)
		}
	}
	cb := &Callback{ch: make(chan string, 1)}
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		l.answer(cb, w, r)
	})
	cb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range ls {
		go cb.srv.Serve(ln)
	}
	return cb, nil
}

// loopbackHosts are the addresses to listen on for a callback URL; the
// first one must succeed.
func loopbackHosts(u *url.URL) ([]string, error) {
	if u.Scheme != "http" {
		return nil, fmt.Errorf("callback_url %s is not plain http, which "+
			"a loopback listener needs", u.Redacted())
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return []string{"127.0.0.1", "::1"}, nil
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return []string{h}, nil
	}
	return nil, fmt.Errorf("callback_url %s is not a loopback address",
		u.Redacted())
}

// answer hands a redirect to Wait and tells the browser what happens
// next. Requests without state, code or error (a browser's retries,
// probes) are told so and ignored.
func (l *Login) answer(cb *Callback, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if q.Get("state") == "" && q.Get("code") == "" && q.Get("error") == "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, page("Not a sign-in", "This address receives the "+
			"redirect of syncctl login."))
		return
	}
	_, err := l.code(r.URL.RawQuery)
	cb.once.Do(func() { cb.ch <- r.URL.RawQuery })
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, page("Sign-in failed", err.Error()))
		return
	}
	fmt.Fprint(w, page("Signed in", "syncctl received the sign-in. "+
		"You can close this tab and go back to the terminal."))
}

func page(title, msg string) string {
	return fmt.Sprintf("<!DOCTYPE html>\n<html><head><title>syncctl: %s"+
		"</title></head><body><h1>%s</h1><p>%s</p></body></html>\n",
		html.EscapeString(title), html.EscapeString(title),
		html.EscapeString(msg))
}

// Redirect returns a channel that receives the query of the first
// redirect that reached the callback, for Finish.
func (cb *Callback) Redirect() <-chan string { return cb.ch }

// Close stops listening, after giving the browser's page a moment to
// be sent.
func (cb *Callback) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return cb.srv.Shutdown(ctx)
}
