package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
	"github.com/syncctl/syncctl/schema/secret"
)

const loginClientSecret = "l0gin S3cret+/="

// loginConfig reads one tenant through an authorization-code source.
const loginConfig = `
variable "url" {
  type = string
}

variable "callback" {
  type = string
}

variable "tenants" {
  type    = set(string)
  default = ["Company"]
}

source "acumatica" "erp" {
  for_each = var.tenants
  url      = var.url
  tenant   = each.value
  auth "oauth2" {
    client_id     = "88358B02-A48D-A50E-F710-39C1636C30F6@Company"
    client_secret = env("LOGIN_TEST_SECRET")
    callback_url  = var.callback
    token_file    = "erp.token"
  }
}

destination "duckdb" "d" {
  path = "d.duckdb"
}

table "orders" {
  for_each    = source.acumatica.erp
  source      = each.value
  destination = destination.duckdb.d
  entity      = "SalesOrders"
  primary_key = ["OrderType", "OrderNbr"]
}
`

// loginEnv is a workspace for login tests, with the fake Acumatica
// behind its OAuth endpoints, which sign the user in at once.
type loginEnv struct {
	oauth    *acumaticatest.OAuth
	dir      string
	callback string
	vars     []string
}

func newLoginEnv(t *testing.T) *loginEnv {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	key, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(secret.KeyEnv, key.Encode())
	t.Setenv(secret.KeyFileEnv, "")
	t.Setenv("LOGIN_TEST_SECRET", loginClientSecret)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	callback := "http://" + l.Addr().String() + "/callback"
	l.Close()
	_, o, u := acumaticatest.NewOAuthServer(t, acumaticatest.Options{
		Tenants: []string{"Company"}, Rows: 25, User: fakeUser,
		Password: fakePassword},
		acumaticatest.OAuthOptions{ClientID: leakClientID,
			ClientSecret: loginClientSecret, RedirectURIs: []string{callback},
			AutoSignIn: true})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(loginConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return &loginEnv{oauth: o, dir: dir, callback: callback,
		vars: []string{"--var", "url=" + u, "--var", "callback=" + callback}}
}

func (le *loginEnv) args(cmd ...string) []string {
	return append(append([]string{"--chdir", le.dir}, cmd...), le.vars...)
}

// callbackAddr is the host and port of the callback URL.
func (le *loginEnv) callbackAddr() string {
	return strings.TrimSuffix(strings.TrimPrefix(le.callback, "http://"), "/callback")
}

// checkHidden fails when text shows the client secret or any code or
// token the fake handed out.
func (le *loginEnv) checkHidden(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range append(le.oauth.Issued(), loginClientSecret) {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q:\n%s", what, s, text)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a command writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// background is syncctl running in-process while the test plays the
// user: it reads the output and writes to standard input.
type background struct {
	stdout, stderr lockedBuffer
	stdin          *io.PipeWriter
	code           chan int
}

func startCLI(t *testing.T, ctx context.Context, args ...string) *background {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	in, w := io.Pipe()
	b := &background{stdin: w, code: make(chan int, 1)}
	go func() {
		code := run(ctx, args, in, &b.stdout, &b.stderr)
		os.Chdir(wd)
		b.code <- code
	}()
	t.Cleanup(func() { w.Close() })
	return b
}

// authURL waits for the authorization URL the command prints.
func (b *background) authURL(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(b.stdout.String()))
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "  http"); ok {
				return "http" + u
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no authorization URL printed\nstdout:\n%s\nstderr:\n%s", b.stdout.String(), b.stderr.String())
	return ""
}

// wait returns the exit code and the output.
func (b *background) wait(t *testing.T) (int, string, string) {
	t.Helper()
	select {
	case code := <-b.code:
		return code, b.stdout.String(), b.stderr.String()
	case <-time.After(30 * time.Second):
		t.Fatalf("syncctl did not finish\nstdout:\n%s\nstderr:\n%s", b.stdout.String(), b.stderr.String())
	}
	return 0, "", ""
}

// noFollow is a browser that stops at the redirect to the callback.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// TestLoginThenApply: plan needs a token first; login gets one through
// the loopback callback; apply then reads with it, without signing in.
func TestLoginThenApply(t *testing.T) {
	le := newLoginEnv(t)
	want := `source.acumatica.erp["Company"] has no OAuth token yet: run syncctl login`
	for _, cmd := range [][]string{{"plan"}, {"apply", "--auto-approve"}} {
		code, out, errOut := runCLI(t, le.args(cmd...)...)
		if code != exitError || !strings.Contains(errOut, want) {
			t.Errorf("%s before login: exit %d; want %q\n%s%s", cmd[0], code, want, out, errOut)
		}
	}

	b := startCLI(t, context.Background(), le.args("login")...)
	resp, err := http.Get(b.authURL(t)) // the browser follows the redirect
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Signed in") {
		t.Errorf("callback page: %s\n%s", resp.Status, page)
	}
	code, out, errOut := b.wait(t)
	if code != exitOK || !strings.Contains(out, "Signed in. The tokens are stored encrypted") {
		t.Fatalf("login: exit %d\n%s%s", code, out, errOut)
	}
	le.checkHidden(t, "login", out+errOut+string(page))
	if c, err := net.Dial("tcp", le.callbackAddr()); err == nil {
		c.Close()
		t.Error("the callback still listens after login")
	}

	file := filepath.Join(le.dir, "erp.token")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	le.checkHidden(t, "token file", string(data))
	if !strings.HasPrefix(string(data), secret.Prefix) {
		t.Errorf("token file is not encrypted: %s", data)
	}
	if fi, _ := os.Stat(file); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode = %v; want 0600", fi.Mode().Perm())
	}

	code, out, errOut = runCLI(t, le.args("apply", "--auto-approve", "--verbosity", "2")...)
	if code != exitOK || !strings.Contains(out, "25 rows") {
		t.Fatalf("apply after login: exit %d\n%s%s", code, out, errOut)
	}
	le.checkHidden(t, "apply", out+errOut)
	if g := le.oauth.Grants(); g["authorization_code"] != 1 || g["refresh_token"] != 0 || g["password"] != 0 {
		t.Errorf("grants = %v; want the code of login only", g)
	}
}

// TestLoginPaste: without the listener (--no-browser, or a busy
// callback port) the user pastes the address the browser was sent to.
func TestLoginPaste(t *testing.T) {
	for _, mode := range []string{"no-browser", "busy port"} {
		t.Run(mode, func(t *testing.T) {
			le := newLoginEnv(t)
			args := le.args("login", "--target", "source.acumatica.erp")
			if mode == "busy port" {
				l, err := net.Listen("tcp", le.callbackAddr())
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
			} else {
				args = append(args, "--no-browser")
			}
			b := startCLI(t, context.Background(), args...)
			resp, err := noFollow.Get(b.authURL(t))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			redirect := resp.Header.Get("Location")
			if !strings.HasPrefix(redirect, le.callback+"?") {
				t.Fatalf("redirected to %q", redirect)
			}
			io.WriteString(b.stdin, "\n"+redirect+"\n")
			code, out, errOut := b.wait(t)
			if code != exitOK || !strings.Contains(out, "Paste that whole address") &&
				!strings.Contains(errOut, "paste its address instead") {
				t.Fatalf("login: exit %d\n%s%s", code, out, errOut)
			}
			le.checkHidden(t, "login", out+errOut)
			code, out, errOut = runCLI(t, le.args("apply", "--auto-approve")...)
			if code != exitOK {
				t.Fatalf("apply after login: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}

// TestLoginRefused: a redirect of another sign-in (wrong state), at the
// callback or pasted, is refused and stores nothing; so is silence.
func TestLoginRefused(t *testing.T) {
	le := newLoginEnv(t)
	forged := le.callback + "?code=forged-code&state=forged-state"
	tests := []struct {
		name  string
		flags []string
		act   func(t *testing.T, b *background)
		want  string
	}{
		{"wrong state at the callback", nil, func(t *testing.T, b *background) {
			b.authURL(t)
			resp, err := http.Get(forged)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("callback with a forged state: %s; want 400", resp.Status)
			}
		}, "state does not match"},
		{"wrong state pasted", []string{"--no-browser"}, func(t *testing.T, b *background) {
			b.authURL(t)
			io.WriteString(b.stdin, forged+"\n")
		}, "state does not match"},
		{"denied", nil, func(t *testing.T, b *background) {
			resp, err := http.Get(b.authURL(t) + "&fake_sign_in=deny")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}, "refused the sign-in: access_denied"},
		{"nothing pasted", []string{"--no-browser"}, func(t *testing.T, b *background) {
			b.authURL(t)
			b.stdin.Close()
		}, "standard input ended"},
		{"timeout", []string{"--timeout", "200ms"}, func(*testing.T, *background) {},
			"no sign-in within 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startCLI(t, context.Background(), le.args(append([]string{"login"}, tt.flags...)...)...)
			tt.act(t, b)
			code, out, errOut := b.wait(t)
			if code != exitError || !strings.Contains(errOut, tt.want) {
				t.Errorf("login: exit %d; want %q\n%s%s", code, tt.want, out, errOut)
			}
			le.checkHidden(t, "login", out+errOut)
			if _, err := os.Stat(filepath.Join(le.dir, "erp.token")); err == nil {
				t.Error("a token file was written")
			}
		})
	}
	if g := le.oauth.Grants(); g["authorization_code"] != 0 {
		t.Errorf("grants = %v; want none", g)
	}
}

func TestLoginInterrupted(t *testing.T) {
	le := newLoginEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	b := startCLI(t, ctx, le.args("login")...)
	b.authURL(t)
	cancel()
	if code, out, errOut := b.wait(t); code != exitInterrupted {
		t.Errorf("interrupted login: exit %d\n%s%s", code, out, errOut)
	}
}

func TestLoginTargets(t *testing.T) {
	le := newLoginEnv(t)
	code, _, errOut := runCLI(t, le.args("login", "--target", "source.acumatica.nope")...)
	if code != exitError || !strings.Contains(errOut, `no source is called source.acumatica.nope; the sources are source.acumatica.erp["Company"]`) {
		t.Errorf("login of an unknown source: exit %d\n%s", code, errOut)
	}
	code, _, errOut = runCLI(t, le.args("login", "extra")...)
	if code != exitError || !strings.Contains(errOut, "takes no arguments") {
		t.Errorf("login with an argument: exit %d\n%s", code, errOut)
	}
}
