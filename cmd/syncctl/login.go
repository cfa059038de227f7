package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors/acumatica"
	"github.com/syncctl/syncctl/engine"
)

// defaultLoginTimeout is how long login waits for each sign-in.
const defaultLoginTimeout = 5 * time.Minute

// loginFlags are the flags of syncctl login.
type loginFlags struct {
	varFlags
	targets   []string
	noBrowser bool
	open      bool
	timeout   time.Duration
}

// loginSource is a source instance that signs in through a browser.
type loginSource struct {
	addr string
	cfg  *acumatica.Config
}

const loginUsage = "syncctl login [--target source.acumatica.NAME] [flags]\n\n" +
	"Signs in to Acumatica through a browser for every source with\n" +
	"auth \"oauth2\" and grant = \"authorization_code\" (or the targeted\n" +
	"ones), and stores the tokens encrypted in each source's token_file,\n" +
	"for plan and apply. It prints a URL to open; the browser then comes\n" +
	"back to callback_url, a loopback address login listens on. Where the\n" +
	"browser cannot reach this machine, paste the address it was sent to\n" +
	"on standard input."

func runLogin(ctx context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "login")
	var f loginFlags
	f.varFlags.register(fs)
	fs.StringArrayVar(&f.targets, "target", nil, "sign in for this source `ADDR`ess only, e.g. source.acumatica.erp or source.acumatica.erp[\"Company\"] (repeatable)")
	fs.BoolVar(&f.noBrowser, "no-browser", false, "do not listen for the browser's redirect: paste the address it was sent to")
	fs.BoolVar(&f.open, "open", false, "open the URL in the default browser (only on a terminal)")
	fs.DurationVar(&f.timeout, "timeout", defaultLoginTimeout, "how long to wait for each sign-in")
	if done, code := parseFlags(e, fs, help, args, loginUsage); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "Error: login takes no arguments; name sources with --target")
		return exitError
	}
	ws, _, ok := load(e, f.options(false), false)
	if !ok {
		return exitError
	}
	sources, err := loginSources(ws, f.targets)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %s\n", err)
		return exitError
	}
	if len(sources) == 0 {
		fmt.Fprintln(e.stdout, "No source signs in with grant = \"authorization_code\": nothing to do.")
		return exitOK
	}

	in := &pasted{r: e.stdin}
	failed := 0
	done := map[string]string{} // token file -> source stored in it
	for _, s := range sources {
		if path, err := s.cfg.TokenFile(); err == nil && done[path] != "" {
			fmt.Fprintf(e.stdout, "%s keeps its tokens with %s: signed in already.\n", s.addr, done[path])
			continue
		}
		path, err := login(ctx, e, &f, s, in)
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "Error: login interrupted")
			return exitInterrupted
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %s: %s\n", s.addr, err)
			failed++
			continue
		}
		done[path] = s.addr
	}
	if failed > 0 {
		return exitError
	}
	return exitOK
}

// loginSources lists the source instances to sign in for: those that
// use the authorization-code grant, or the targeted ones, which must.
func loginSources(ws *engine.Workspace, targets []string) ([]loginSource, error) {
	var out []loginSource
	matched := map[string]bool{}
	for _, n := range ws.Sources {
		if len(targets) > 0 {
			hit := ""
			for _, t := range targets {
				if t == n.Inst.Addr || t == n.Inst.Block.Addr() {
					hit = t
				}
			}
			if hit == "" {
				continue
			}
			matched[hit] = true
			cfg, ok := n.Config.(*acumatica.Config)
			if !ok || !cfg.NeedsLogin() {
				return nil, fmt.Errorf("%s does not sign in through a "+
					"browser: only acumatica sources with auth \"oauth2\" "+
					"and grant = \"authorization_code\" need syncctl login",
					n.Inst.Addr)
			}
		}
		if cfg, ok := n.Config.(*acumatica.Config); ok && cfg.NeedsLogin() {
			out = append(out, loginSource{addr: n.Inst.Addr, cfg: cfg})
		}
	}
	for _, t := range targets {
		if !matched[t] {
			var names []string
			for _, n := range ws.Sources {
				names = append(names, n.Inst.Addr)
			}
			return nil, fmt.Errorf("no source is called %s; the sources "+
				"are %s", t, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// login signs in for one source and returns the token file written.
func login(ctx context.Context, e *env, f *loginFlags, s loginSource, in *pasted) (string, error) {
	l, err := acumatica.NewLogin(s.cfg, e.log)
	if err != nil {
		return "", err
	}
	var cb *acumatica.Callback
	if !f.noBrowser {
		if cb, err = l.Listen(); err != nil {
			fmt.Fprintf(e.stderr, "Warning: %s: cannot receive the browser's redirect (%s); paste its address instead.\n", s.addr, err)
		} else {
			defer cb.Close()
		}
	}
	authURL := l.AuthCodeURL()
	fmt.Fprintf(e.stdout, "Signing in %s (tenant %q).\n", s.addr, s.cfg.TenantName)
	fmt.Fprintf(e.stdout, "Open this URL in a browser and sign in to Acumatica:\n\n  %s\n\n", authURL)
	var redirect <-chan string
	if cb != nil {
		redirect = cb.Redirect()
		fmt.Fprintf(e.stdout, "Waiting up to %s for the browser to come back to %s.\n"+
			"If the browser runs on another machine, paste the address it shows after\n"+
			"signing in here and press Enter.\n", f.timeout, l.CallbackURL())
	} else {
		fmt.Fprintf(e.stdout, "After signing in, the browser is sent to %s?code=...\n"+
			"(the page may fail to load). Paste that whole address here and press Enter:\n",
			l.CallbackURL())
	}

	if f.open && !f.noBrowser {
		openBrowser(e, authURL)
	}
	got, err := waitRedirect(ctx, f.timeout, redirect, in, cb == nil)
	if err != nil {
		return "", err
	}
	if err := l.Finish(ctx, got); err != nil {
		return "", err
	}
	fmt.Fprintf(e.stdout, "Signed in. The tokens are stored encrypted in %s.\n\n", l.TokenFile())
	return l.TokenFile(), nil
}

// waitRedirect waits for the redirect's address: from the callback, or
// pasted on standard input. When the callback listens, standard input
// running dry is no failure (login may run without a terminal).
func waitRedirect(ctx context.Context, timeout time.Duration, redirect <-chan string, in *pasted, pasteOnly bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lines := in.lines()
	for {
		select {
		case got := <-redirect:
			return got, nil
		case line, ok := <-lines:
			if ok {
				return line, nil
			}
			if pasteOnly {
				return "", errors.New("standard input ended before the address was pasted")
			}
			lines = nil
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", fmt.Errorf("no sign-in within %s; run syncctl login again (--timeout waits longer)", timeout)
			}
			return "", ctx.Err()
		}
	}
}

// pasted reads non-empty lines of standard input in the background, as
// they come, for every sign-in of the run. A read blocked on a terminal
// is left behind when the command ends.
type pasted struct {
	r  io.Reader
	ch chan string
}

func (p *pasted) lines() <-chan string {
	if p.ch == nil {
		p.ch = make(chan string)
		go func() {
			defer close(p.ch)
			sc := bufio.NewScanner(p.r)
			sc.Buffer(make([]byte, 0, 4096), 64<<10)
			for sc.Scan() {
				if line := strings.TrimSpace(sc.Text()); line != "" {
					p.ch <- line
				}
			}
		}()
	}
	return p.ch
}

// openBrowser asks the desktop to open u, when a person is at a
// terminal; failing to is not an error, as the URL is printed.
func openBrowser(e *env, u string) {
	if !isTerminal(e.stdout) {
		return
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(e.stderr, "Warning: cannot open a browser (%s); open the URL yourself.\n", err)
		return
	}
	go cmd.Wait()
}

// sourceWithoutToken returns the address of the source of a table that
// failed for want of an OAuth token, or "".
func sourceWithoutToken(ws *engine.Workspace, err *engine.TableError) string {
	if ws == nil || !errors.Is(err, acumatica.ErrNoToken) {
		return ""
	}
	for _, t := range ws.Tables {
		if t.Addr() == err.Addr && t.Source != nil {
			return t.Source.Inst.Addr
		}
	}
	return ""
}
