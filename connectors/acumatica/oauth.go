package acumatica

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/syncctl/syncctl/schema/secret"
)

// tokens gets OAuth 2.0 access tokens for one source and renews them.
// Acumatica rotates refresh tokens: every refresh returns a new one and
// the old one stops working, so each new token is written to the token
// file at once (atomically, encrypted with the secrets key) before it is
// used. Without a key, tokens live in memory only.
//
// tokens is not safe for concurrent use; the client's mutex guards it.
type tokens struct {
	cfg  *Config
	log  *slog.Logger
	conf *oauth2.Config
	http *http.Client // for token requests: no cookies
	path string
	key  *secret.Key // nil: tokens are not persisted

	tok    *oauth2.Token
	loaded bool
}

func newTokens(cfg *Config, log *slog.Logger, tr http.RoundTripper) (*tokens, error) {
	t := &tokens{cfg: cfg, log: log,
		http: &http.Client{Timeout: cfg.Timeout, Transport: tr,
			CheckRedirect: sameHostRedirects},
		conf: appConfig(cfg)}
	path, err := tokenFile(cfg)
	if err != nil {
		return nil, err
	}
	t.path = path
	t.key, err = secret.LoadKey(nil)
	switch {
	case errors.Is(err, secret.ErrNoKey) && cfg.NeedsLogin():
		// Without a key syncctl login cannot have stored a token.
	case errors.Is(err, secret.ErrNoKey):
		log.Warn("tokens kept in memory only: no key to encrypt them",
			"tenant", cfg.TenantName, "error", err.Error())
	case err != nil:
		return nil, fmt.Errorf("acumatica source: token file: %w", err)
	}
	if cfg.NeedsLogin() {
		// Only syncctl login signs in with this grant: without a
		// usable token the source cannot read, so say so now.
		t.tok, t.loaded = t.load(), true
		if t.tok == nil || t.tok.RefreshToken == "" && !t.tok.Valid() {
			return nil, fmt.Errorf("acumatica source: %w", ErrNoToken)
		}
	}
	return t, nil
}

// ErrNoToken means that a source signing in with the authorization-code
// grant has no usable token in its token file: syncctl login gets one.
// Open returns it wrapped; plan and apply never sign in through a
// browser, since they run from schedulers.
var ErrNoToken = errors.New("no OAuth token yet: run syncctl login")

// signInAgain adds what to do to a refresh that the token endpoint
// refused: the refresh token expired or was revoked, and only a new
// sign-in gets another. Transient failures are left as they are.
func signInAgain(err error) error {
	var re *retryError
	if errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("%w; sign in again with syncctl login", err)
}

// appConfig is the client of the source's connected application.
// Acumatica takes client credentials as form fields.
func appConfig(cfg *Config) *oauth2.Config {
	a := cfg.Auth
	return &oauth2.Config{ClientID: a.ClientID,
		ClientSecret: string(a.ClientSecret), RedirectURL: a.CallbackURL,
		Scopes: a.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: a.AuthorizationURL,
			TokenURL: a.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
}

// tokenFile is the configured token file, or the default one: named
// after the token URL's host and a hash of the token URL, client and
// user, in the tokens directory of syncctl's configuration directory.
func tokenFile(cfg *Config) (string, error) {
	a := cfg.Auth
	if p := a.TokenFile; p != "" {
		if rest, ok := strings.CutPrefix(p, "~/"); ok {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("acumatica source: token_file: %w", err)
			}
			p = filepath.Join(home, rest)
		}
		return p, nil
	}
	dir, err := secret.ConfigDir(nil)
	if err != nil {
		return "", fmt.Errorf("acumatica source: token file: %w", err)
	}
	sum := sha256.Sum256([]byte(a.TokenURL + "\x00" + a.ClientID + "\x00" +
		a.Username))
	host := "instance"
	if u, err := url.Parse(a.TokenURL); err == nil && u.Hostname() != "" {
		host = unsafeName.ReplaceAllString(u.Hostname(), "_")
	}
	name := host + "-" + hex.EncodeToString(sum[:8]) + ".token"
	return filepath.Join(dir, "tokens", name), nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9.-]`)

// storedToken is the token file's content, before encryption. The
// token URL, client and user it was issued for are kept to ignore a
// file written for another configuration.
type storedToken struct {
	Version  int    `json:"version"`
	TokenURL string `json:"token_url"`
	ClientID string `json:"client_id"`
	Username string `json:"username,omitempty"`

	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// token returns a valid access token: the current one, a refreshed one,
// or a new one from the password grant.
func (t *tokens) token(ctx context.Context) (string, error) {
	if !t.loaded {
		t.tok = t.load()
		t.loaded = true
	}
	if t.tok.Valid() {
		return t.tok.AccessToken, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, t.http)
	if t.tok != nil && t.tok.RefreshToken != "" {
		old := &oauth2.Token{RefreshToken: t.tok.RefreshToken}
		nt, err := t.conf.TokenSource(ctx, old).Token()
		if err == nil {
			return t.set(nt), nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		t.tok = nil
		if t.cfg.Auth.Grant != GrantPassword {
			return "", signInAgain(t.explain("refresh the access token", err))
		}
		t.log.Warn("token refresh failed, signing in again",
			"tenant", t.cfg.TenantName,
			"error", t.explain("refresh", err).Error())
	}
	if t.cfg.Auth.Grant != GrantPassword {
		return "", fmt.Errorf("acumatica source: %w", ErrNoToken)
	}
	nt, err := t.conf.PasswordCredentialsToken(ctx, t.cfg.Auth.Username,
		string(t.cfg.Auth.Password))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", t.explain("sign in", err)
	}
	return t.set(nt), nil
}

// invalidate forgets the access token after the service refused it;
// the refresh token is kept.
func (t *tokens) invalidate() {
	if t.tok != nil {
		t.tok.AccessToken = ""
	}
}

// current returns the access token if one is valid, for signing out.
func (t *tokens) current() string {
	if t.tok.Valid() {
		return t.tok.AccessToken
	}
	return ""
}

// set makes nt current and persists it.
func (t *tokens) set(nt *oauth2.Token) string {
	t.tok = nt
	if err := t.save(); err != nil {
		t.log.Warn("token not saved", "tenant", t.cfg.TenantName,
			"error", err.Error())
	}
	return nt.AccessToken
}

// save writes the current token to the token file, encrypted, through
// a temporary file renamed over it. Without a key it does nothing.
func (t *tokens) save() error {
	if t.key == nil {
		return nil
	}
	a := t.cfg.Auth
	data, err := json.Marshal(storedToken{Version: 1, TokenURL: a.TokenURL,
		ClientID: a.ClientID, Username: a.Username,
		AccessToken: t.tok.AccessToken, TokenType: t.tok.TokenType,
		RefreshToken: t.tok.RefreshToken, Expiry: t.tok.Expiry})
	if err != nil {
		return err
	}
	sealed, err := t.key.Seal(data)
	if err != nil {
		return err
	}
	return secret.WriteFileAtomic(t.path, []byte(sealed+"\n"), 0o600)
}

// load reads the token file. A missing, unreadable or foreign file
// yields no token: the source signs in again.
func (t *tokens) load() *oauth2.Token {
	if t.key == nil {
		return nil
	}
	data, err := os.ReadFile(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var st storedToken
	if err == nil {
		var plain []byte
		if plain, err = t.key.Open(string(data)); err == nil {
			err = json.Unmarshal(plain, &st)
		}
	}
	if err != nil {
		t.log.Warn("token file ignored", "tenant", t.cfg.TenantName,
			"error", err.Error())
		return nil
	}
	a := t.cfg.Auth
	if st.Version != 1 || st.TokenURL != a.TokenURL ||
		st.ClientID != a.ClientID || st.Username != a.Username {
		return nil
	}
	return &oauth2.Token{AccessToken: st.AccessToken,
		TokenType: st.TokenType, RefreshToken: st.RefreshToken,
		Expiry: st.Expiry}
}

// explain turns a token endpoint failure into an error that shows
// neither the request (it holds the secrets) nor the raw response body
// (Acumatica may echo the request in it). more are further values to
// hide, such as an authorization code and its verifier.
func (t *tokens) explain(what string, err error, more ...string) error {
	u := t.cfg.show(t.cfg.Auth.TokenURL)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		err = fmt.Errorf("POST %s: %s: %w", u, what, cause(err))
		if transient(cause(err)) {
			return &retryError{final: err}
		}
		return err
	}
	code := 0
	if re.Response != nil {
		code = re.Response.StatusCode
	}
	msg := fmt.Sprintf("%s: HTTP %d %s", what, code, http.StatusText(code))
	if re.ErrorCode != "" {
		msg += ": " + re.ErrorCode
	}
	if d := re.ErrorDescription; d != "" {
		msg += " (" + redactAll(d, append(t.cfg.secrets(), more...)) + ")"
	}
	switch re.ErrorCode {
	case "invalid_client":
		msg += ": check client_id and client_secret"
	case "invalid_grant":
		if t.cfg.Auth.Grant == GrantPassword && what == "sign in" {
			msg += ": check the username and password"
		}
	}
	serr := &StatusError{Method: "POST", URL: u, Status: code, Message: msg}
	if retryableStatus(code, "") {
		return &retryError{final: serr}
	}
	return serr
}
