// Command fakeacumatica serves the fake Acumatica instance of package
// acumaticatest on a loopback address, for the demo, CLI scripts and
// benchmarks.
//
//	fakeacumatica [--listen 127.0.0.1:0] [--url-file F] [--tenant NAME]...
//	    [--rows N] [--seed N] [--user U] [--password P]
//	    [--fraction-digits N] [--time-zone IANA] [--clock RFC3339] [--gzip]
//
// The first line on stdout is the instance URL (http://127.0.0.1:PORT);
// --url-file also writes it to a file, atomically, once the server
// accepts connections. Tenant OData roots are URL/t/TENANT/api/odata/gi/
// (OData v4) and URL/odata/TENANT/ (legacy OData v3, wall times in
// --time-zone), and the control surface is under URL/_fake/ (see the
// package documentation). It serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	_ "time/tzdata" // --time-zone works without system zone files

	"github.com/spf13/pflag"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config holds the parsed flags.
type config struct {
	listen         string
	urlFile        string
	tenants        []string
	rows           int
	seed           int64
	user           string
	password       string
	fractionDigits int
	timeZone       string
	clock          string
	gzip           bool
	verbose        bool
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	var c config
	fs := pflag.NewFlagSet("fakeacumatica", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "loopback `address` to listen on")
	fs.StringVar(&c.urlFile, "url-file", "", "also write the instance URL to `file`")
	fs.StringArrayVar(&c.tenants, "tenant", nil, "tenant login `name` (repeatable; default Company)")
	fs.IntVar(&c.rows, "rows", 1000, "SalesOrders rows per tenant")
	fs.Int64Var(&c.seed, "seed", 1, "data generator seed")
	fs.StringVar(&c.user, "user", "admin", "Basic auth user")
	fs.StringVar(&c.password, "password", "123", "Basic auth password")
	fs.IntVar(&c.fractionDigits, "fraction-digits", 3, "fractional second digits of timestamps, 0 to 7")
	fs.StringVar(&c.timeZone, "time-zone", "UTC", "IANA `zone` timestamps are rendered in")
	fs.StringVar(&c.clock, "clock", acumaticatest.DefaultClock.Format(time.RFC3339),
		"fixed base `time` of the data (RFC 3339)")
	fs.BoolVar(&c.gzip, "gzip", false, "gzip responses above 860 bytes when the client accepts it")
	fs.BoolVarP(&c.verbose, "verbose", "v", false, "log each request to stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.fractionDigits < 0 || c.fractionDigits > 7 {
		return nil, fmt.Errorf("--fraction-digits must be 0 to 7, got %d", c.fractionDigits)
	}
	return &c, nil
}

func (c *config) options() (acumaticatest.Options, error) {
	loc, err := time.LoadLocation(c.timeZone)
	if err != nil {
		return acumaticatest.Options{}, fmt.Errorf("--time-zone: %w", err)
	}
	base, err := time.Parse(time.RFC3339Nano, c.clock)
	if err != nil {
		return acumaticatest.Options{}, fmt.Errorf("--clock: %w", err)
	}
	digits := c.fractionDigits
	if digits == 0 {
		digits = -1 // whole seconds; 0 means the default in Options
	}
	return acumaticatest.Options{
		Tenants: c.tenants, Rows: c.rows, Seed: c.seed,
		User: c.user, Password: c.password,
		Clock:    func() time.Time { return base },
		Location: loc, FractionDigits: digits, Gzip: c.gzip,
	}, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "fakeacumatica: %v\n", err)
		return 2
	}
	opts, err := c.options()
	if err != nil {
		fmt.Fprintf(stderr, "fakeacumatica: %v\n", err)
		return 2
	}
	addr, err := loopback(c.listen)
	if err != nil {
		fmt.Fprintf(stderr, "fakeacumatica: %v\n", err)
		return 2
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "fakeacumatica: %v\n", err)
		return 1
	}
	var handler http.Handler = acumaticatest.New(opts)
	if c.verbose {
		handler = logRequests(handler, slog.New(slog.NewTextHandler(stderr, nil)))
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + l.Addr().String()
	fmt.Fprintln(stdout, url)
	if c.urlFile != "" {
		if err := writeFileAtomic(c.urlFile, url+"\n"); err != nil {
			l.Close()
			fmt.Fprintf(stderr, "fakeacumatica: %v\n", err)
			return 1
		}
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		fmt.Fprintf(stderr, "fakeacumatica: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
	return 0
}

// loopback refuses any address that is not on a loopback interface:
// the fake has fixed credentials and is never meant to be reachable
// from elsewhere. localhost is pinned to 127.0.0.1.
func loopback(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--listen: %w", err)
	}
	if host == "localhost" {
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return addr, nil
	}
	return "", fmt.Errorf("--listen %s: refusing a non-loopback address; "+
		"use 127.0.0.1:PORT", addr)
}

// writeFileAtomic writes data to a temporary file beside name and
// renames it, so a script polling for name never reads half a line.
func writeFileAtomic(name, data string) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".url-*")
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), name)
}

// logRequests logs one line per request at Info level.
func logRequests(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "uri", r.RequestURI,
			"status", rec.status, "duration", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the flusher.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
