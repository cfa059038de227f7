package acumatica

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/syncctl/syncctl/connectors/odata"
)

// retryPolicy says how often and how long to retry transient failures.
type retryPolicy struct {
	attempts int           // at most this many attempts per request
	base     time.Duration // first backoff; doubles per attempt
	max      time.Duration // longest backoff and longest Retry-After honoured
}

var defaultRetry = retryPolicy{attempts: 5, base: time.Second,
	max: 2 * time.Minute}

// client talks to one tenant of one instance, through one Acumatica
// session. With Basic authentication it signs in on the first request,
// then sends only the session cookies, signing in again once if the
// session ends; with OAuth 2.0 every request carries a bearer token.
// Requests are serialised, as one Acumatica session serialises them
// anyway.
type client struct {
	cfg   *Config
	log   *slog.Logger
	http  *http.Client
	retry retryPolicy

	mu sync.Mutex
	// session is true while the cookie jar holds a working session, so
	// credentials are not sent.
	session bool
	// tokens gets OAuth 2.0 access tokens; nil with Basic auth.
	tokens *tokens
}

func newClient(cfg *Config, log *slog.Logger) (*client, error) {
	jar, _ := cookiejar.New(nil)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if p := cfg.Pool; p.Enabled {
		tr.MaxConnsPerHost = p.MaxSize
		tr.MaxIdleConnsPerHost = p.MaxSize
		tr.IdleConnTimeout = p.IdleTimeout
	} else {
		tr.DisableKeepAlives = true
	}
	c := &client{cfg: cfg, log: log, retry: defaultRetry,
		http: &http.Client{Timeout: cfg.Timeout, Jar: jar, Transport: tr,
			CheckRedirect: sameHostRedirects}}
	if cfg.retry != nil {
		c.retry = *cfg.retry
	}
	if cfg.Auth.Type == AuthOAuth2 {
		var err error
		if c.tokens, err = newTokens(cfg, log, tr); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// sameHostRedirects refuses redirects to another host, which would
// otherwise receive the credentials.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("redirect to another host (%s) refused",
			req.URL.Host)
	}
	return nil
}

// call describes one logical request for do.
type call struct {
	// table names the table the request reads for, in logs ("" for
	// $metadata).
	table string
	// url builds the URL of each attempt: a retried read resumes after
	// the last row it delivered.
	url    func() (string, error)
	accept string
	// notFound explains a 404.
	notFound func(msg string) string
	// handle reads a successful response. Errors it returns are final
	// unless they are transient read errors (see retryable).
	handle func(resp *http.Response) error
}

// do performs a request with retries: on 429, 502, 503 and 504, on 500
// responses that say to try again, and on dropped connections, up to the
// policy's attempts, honouring Retry-After. A 401 on a session ends the
// session and signs in again once. Context cancellation is never
// retried.
func (c *client) do(ctx context.Context, cl call) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	reauthed := false
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		u, err := cl.url()
		if err != nil {
			return err
		}
		status, wait, err := c.attempt(ctx, u, cl)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var re *retryError
		if !errors.As(err, &re) {
			return err
		}
		if re.reauth && !reauthed {
			reauthed = true
			attempt--
			continue
		}
		if re.reauth || attempt >= c.retry.attempts {
			return re.final
		}
		if wait <= 0 {
			wait = c.backoff(attempt)
		}
		c.log.Warn("request failed, retrying", "table", cl.table,
			"tenant", c.cfg.TenantName, "attempt", attempt, "status", status,
			"duration", wait, "error", re.final.Error())
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// retryError marks a failure worth another attempt; final is the error
// to return when no attempt is left.
type retryError struct {
	final  error
	reauth bool // the session ended: sign in again
}

// Error returns the final error's text.
func (e *retryError) Error() string { return e.final.Error() }

// attempt sends one request. It returns the status (0 without a
// response), how long the server asked to wait, and the error.
func (c *client) attempt(ctx context.Context, u string, cl call) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("GET %s: %w", c.cfg.show(u), err)
	}
	req.Header.Set("Accept", cl.accept)
	req.Header.Set("User-Agent", "syncctl")
	if c.cfg.Region != "" {
		req.Header.Set("Accept-Language", c.cfg.Region)
	}
	withCredentials := !c.session || c.tokens != nil
	if c.tokens != nil {
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	} else if withCredentials {
		req.SetBasicAuth(c.cfg.Auth.Username, string(c.cfg.Auth.Password))
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, c.transportError(u, err)
	}
	defer resp.Body.Close()
	c.logResponse(cl, u, req, resp, time.Since(start))

	if resp.StatusCode == http.StatusUnauthorized {
		drain(resp.Body)
		if c.tokens != nil {
			// The token may have been revoked: get another once.
			c.tokens.invalidate()
			return resp.StatusCode, 0, &retryError{reauth: true,
				final: c.authError(u, resp.StatusCode)}
		}
		if !withCredentials {
			// The session expired: sign in again with credentials.
			c.endSession()
			return resp.StatusCode, 0, &retryError{reauth: true,
				final: c.authError(u, resp.StatusCode)}
		}
		return resp.StatusCode, 0, c.authError(u, resp.StatusCode)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After")),
			c.statusError(u, resp, cl)
	}
	if withCredentials && len(c.http.Jar.Cookies(req.URL)) > 0 {
		c.session = true
	}
	if err := cl.handle(resp); err != nil {
		if ctx.Err() != nil {
			return resp.StatusCode, 0, ctx.Err()
		}
		return resp.StatusCode, 0, err
	}
	return resp.StatusCode, 0, nil
}

// endSession forgets the session cookies.
func (c *client) endSession() {
	c.session = false
	c.http.Jar, _ = cookiejar.New(nil)
}

// statusError turns a non-2xx response into an error, retryable when
// the status or the message says the service is only busy.
func (c *client) statusError(u string, resp *http.Response, cl call) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if c.cfg.Verbosity >= 3 {
		c.log.Debug("http error body", "table", cl.table,
			"tenant", c.cfg.TenantName,
			"body", c.redact(string(body[:min(len(body), 1024)])))
	}
	msg := ""
	if e := odata.ParseErrorBody(body); e != nil &&
		!errors.Is(e, odata.ErrEmptyBody) {
		msg = c.redact(e.Error())
	}
	code := resp.StatusCode
	text := fmt.Sprintf("HTTP %d %s", code, http.StatusText(code))
	if msg != "" {
		text += ": " + msg
	}
	if code == http.StatusNotFound && cl.notFound != nil {
		text = cl.notFound(text)
	}
	err := &StatusError{Method: "GET", URL: c.cfg.show(u), Status: code,
		Message: text}
	if retryableStatus(code, msg) {
		return &retryError{final: err}
	}
	return err
}

// retryableStatus reports whether a status (and message) is transient.
func retryableStatus(code int, msg string) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case http.StatusInternalServerError:
		m := strings.ToLower(msg)
		if strings.Contains(m, "credential") || strings.Contains(m, "password") {
			return false
		}
		for _, s := range []string{"try again", "temporarily", "timeout expired",
			"deadlock", "server is busy"} {
			if strings.Contains(m, s) {
				return true
			}
		}
	}
	return false
}

// StatusError is a final HTTP error response.
type StatusError struct {
	Method string
	// URL is the request URL, decoded for reading, without credentials.
	URL     string
	Status  int
	Message string
}

// Error names the request and says what went wrong.
func (e *StatusError) Error() string {
	return e.Method + " " + e.URL + ": " + e.Message
}

func (c *client) authError(u string, status int) error {
	what := fmt.Sprintf("authentication failed for user %q (HTTP %d): "+
		"check the username and password", c.cfg.username(), status)
	if c.tokens != nil {
		what = fmt.Sprintf("the service refused the OAuth 2.0 access "+
			"token (HTTP %d): check that the connected application may "+
			"use the api scope in tenant %q", status, c.cfg.TenantName)
	}
	return &StatusError{Method: "GET", URL: c.cfg.show(u), Status: status,
		Message: what}
}

// transportError explains a request that got no response.
func (c *client) transportError(u string, err error) error {
	host := c.cfg.show(hostURL(u))
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) &&
		!(errors.As(err, &ne) && ne.Timeout()):
		return err
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot connect to %s: connection refused", host)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("GET %s: no response within %v: raise timeout or "+
			"lower page_size", c.cfg.show(u), c.cfg.Timeout)
	case transient(err):
		return &retryError{final: fmt.Errorf("GET %s: %w", c.cfg.show(u),
			cause(err))}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot connect to %s: host %s not found", host,
			dnsErr.Name)
	}
	return fmt.Errorf("GET %s: %w", c.cfg.show(u), cause(err))
}

// cause strips the *url.Error wrapper, whose text repeats the raw URL.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// transient reports whether an error is a dropped connection.
func transient(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// backoff is the wait before attempt+1: exponential with jitter (half
// fixed, half random), capped by the policy.
func (c *client) backoff(attempt int) time.Duration {
	d := c.retry.base << (attempt - 1)
	if d > c.retry.max || d <= 0 {
		d = c.retry.max
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// drain reads a little of a body so the connection can be reused.
func drain(r io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
}

// redact removes every secret of the configuration, in every spelling
// a server might echo it, from text a server sent.
func (c *client) redact(s string) string {
	secrets := c.cfg.secrets()
	if p := string(c.cfg.Auth.Password); p != "" {
		secrets = append(secrets, base64.StdEncoding.EncodeToString(
			[]byte(c.cfg.Auth.Username+":"+p)))
	}
	return redactAll(s, secrets)
}

// redactAll replaces each secret, as written, query-escaped and
// path-escaped, with "(sensitive)".
func redactAll(s string, secrets []string) string {
	for _, p := range secrets {
		if p == "" {
			continue
		}
		for _, v := range []string{p, url.QueryEscape(p), url.PathEscape(p)} {
			s = strings.ReplaceAll(s, v, "(sensitive)")
		}
	}
	return s
}

// logResponse logs one exchange at debug level, with the detail the
// source's verbosity asks for. Credentials and cookies are never
// logged.
func (c *client) logResponse(cl call, u string, req *http.Request, resp *http.Response, d time.Duration) {
	if !c.log.Enabled(req.Context(), slog.LevelDebug) {
		return
	}
	attrs := []any{"table", cl.table, "tenant", c.cfg.TenantName,
		"url", c.cfg.show(u), "status", resp.StatusCode, "duration", d}
	if c.cfg.Verbosity >= 2 {
		attrs = append(attrs, "request_headers", headerText(req.Header),
			"response_headers", headerText(resp.Header))
	}
	c.log.Debug("http response", attrs...)
}

// headerText formats headers on one line, sorted, hiding credentials
// and cookies.
func headerText(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization":
			v = "(sensitive)"
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k + ": " + v)
	}
	return b.String()
}

// readable decodes a URL's percent-escapes for messages and plans. It
// keeps "+" (which the query never uses for spaces) and drops any user
// information.
func readable(u string) string {
	if p, err := url.Parse(u); err == nil && p.User != nil {
		p.User = nil
		u = p.String()
	}
	if s, err := url.PathUnescape(u); err == nil {
		return s
	}
	return u
}

// hostURL is the scheme and host of u, for connection errors.
func hostURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host
}
