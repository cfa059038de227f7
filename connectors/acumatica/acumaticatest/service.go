package acumaticatest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Options configure a Service. The zero value is a usable single-tenant
// instance with 1000 sales orders.
type Options struct {
	// Tenants are the tenant login names served, spaces allowed.
	// Default: ["Company"].
	Tenants []string
	// Rows is the number of SalesOrders rows per tenant (default 1000).
	// Customers has max(Rows/10, 10) rows; PaymentTerms has 8.
	Rows int
	// Seed selects the generated data (default 1).
	Seed int64
	// User and Password are the Basic credentials (default admin / 123).
	User     string
	Password string
	// Clock is the base "now" for generated timestamps and mutations.
	// Default: a fixed 2026-11-02T09:00:00Z, so data is reproducible.
	Clock func() time.Time
	// Location is the zone DateTimeOffset values are rendered in: local
	// wall time with that zone's offset (default UTC, as +00:00).
	Location *time.Location
	// FractionDigits is the precision of generated timestamps in
	// fractional second digits, 1 to 7 (default 3); -1 means whole
	// seconds. Rendering drops trailing zeros, as .NET does.
	FractionDigits int
	// Gzip compresses responses above 860 bytes for clients that send
	// Accept-Encoding: gzip, as Acumatica's default web.config does.
	Gzip bool
	// FallBackEarlier reads a v3 wall-time filter literal of the repeated
	// hour of a daylight-saving fall-back (datetime'...') as the earlier
	// of the two instants it names. By default it names the later one
	// (standard time), as .NET's TimeZoneInfo reads it.
	FallBackEarlier bool
}

// DefaultClock is the instant the default Clock returns.
var DefaultClock = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Service is a fake Acumatica instance: an http.Handler serving the
// generic inquiry OData v4 endpoint of each tenant, plus a control
// surface under /_fake/. It is safe for concurrent use.
type Service struct {
	opts    Options
	loc     *time.Location
	unit    int64 // tick granularity of timestamps
	tenants map[string]*tenant
	names   []string // tenant names in Options order
	meta    []byte   // $metadata document
	metaV3  []byte   // $metadata of the v3 endpoint

	mut       sync.Mutex // serialises mutations
	mutations uint64     // mutation counter, seeds Touch's row choice

	mu       sync.Mutex // guards the fields below
	advanced time.Duration
	faults   Faults
	failed   int
	onPage   func(tenant, entity string, page int)
	pages    map[string]int
	requests []string
	sessions map[string]string // .ASPXAUTH value to tenant
	logins   int
}

// tableRef holds the current snapshot of one table.
type tableRef struct {
	atomic.Pointer[tableState]
}

// New returns a Service with data generated from opts.
func New(opts Options) *Service {
	opts = withDefaults(opts)
	s := &Service{
		opts:     opts,
		loc:      opts.Location,
		unit:     1,
		tenants:  make(map[string]*tenant),
		pages:    make(map[string]int),
		sessions: make(map[string]string),
	}
	for range 7 - max(opts.FractionDigits, 0) {
		s.unit *= 10
	}
	s.meta = metadataDocument()
	s.metaV3 = metadataV3()
	now := ticksOf(opts.Clock())
	var wg sync.WaitGroup
	for _, name := range opts.Tenants {
		if _, dup := s.tenants[name]; dup {
			continue
		}
		tn := &tenant{
			name:      name,
			seed:      mix(uint64(opts.Seed)) ^ hashString(name),
			customers: customers.count(opts.Rows),
		}
		s.tenants[name] = tn
		s.names = append(s.names, name)
		for _, e := range entities {
			ref := new(tableRef)
			tn.tables = append(tn.tables, ref)
			wg.Go(func() { ref.Store(s.newTable(tn, e, now)) })
		}
	}
	wg.Wait()
	return s
}

func withDefaults(o Options) Options {
	if len(o.Tenants) == 0 {
		o.Tenants = []string{"Company"}
	}
	if o.Rows <= 0 {
		o.Rows = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.User == "" {
		o.User = "admin"
	}
	if o.Password == "" {
		o.Password = "123"
	}
	if o.Clock == nil {
		o.Clock = func() time.Time { return DefaultClock }
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	switch {
	case o.FractionDigits == 0:
		o.FractionDigits = 3
	case o.FractionDigits < 0:
		o.FractionDigits = 0
	case o.FractionDigits > 7:
		o.FractionDigits = 7
	}
	return o
}

func (s *Service) newTable(tn *tenant, e *entity, now int64) *tableState {
	n := e.count(s.opts.Rows)
	st := &tableState{ent: e, tn: tn, base: n, n: n,
		seed:  mix(tn.seed ^ hashString(e.name)),
		width: digitsFor(s.opts.Rows), unit: s.unit, loc: s.loc}
	if e.tracked >= 0 {
		st.generateTimes(st.trunc(now))
	}
	return st
}

// NewServer creates a Service from opts and serves it on 127.0.0.1 with
// a random port, like httptest, until the test ends. It returns the service and the
// instance URL, e.g. http://127.0.0.1:41234.
func NewServer(tb testing.TB, opts Options) (*Service, string) {
	tb.Helper()
	s := New(opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("acumaticatest: listen: %v", err)
	}
	srv := httptest.NewUnstartedServer(s)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	tb.Cleanup(srv.Close)
	return s, srv.URL
}

// now is the fake clock: Options.Clock plus every Advance.
func (s *Service) now() int64 {
	s.mu.Lock()
	d := s.advanced
	s.mu.Unlock()
	t := ticksOf(s.opts.Clock().Add(d))
	return t - t%s.unit
}

// Advance moves the fake clock forward by d.
func (s *Service) Advance(d time.Duration) {
	s.mu.Lock()
	s.advanced += d
	s.mu.Unlock()
}

// Now returns the fake clock's current time.
func (s *Service) Now() time.Time { return timeOf(s.now(), s.loc) }

// Tenants returns the tenant names served, in Options order.
func (s *Service) Tenants() []string { return append([]string(nil), s.names...) }

// OnPage installs fn to be called before each data request of an
// entity set is served (after authentication, before faults and query
// parsing). page counts the requests per tenant and entity from 1. fn
// may block, which holds that request; nil removes the hook.
func (s *Service) OnPage(fn func(tenant, entity string, page int)) {
	s.mu.Lock()
	s.onPage = fn
	s.mu.Unlock()
}

// Requests returns the request URIs (path and query, as sent) of every
// OData request so far, control requests excluded.
func (s *Service) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Logins returns how many times a client signed in with Basic
// credentials instead of presenting a session cookie.
func (s *Service) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// ExpireSessions ends every session, as Acumatica does after its idle
// timeout: the next request must sign in again.
func (s *Service) ExpireSessions() {
	s.mu.Lock()
	clear(s.sessions)
	s.mu.Unlock()
}

// table returns the current snapshot of an entity in a tenant, or nil.
func (s *Service) table(tenantName, entityName string) *tableState {
	_, st := s.lookup(tenantName, entityName)
	return st
}

func (s *Service) ref(tenantName string, e *entity) *tableRef {
	tn := s.tenants[tenantName]
	if tn == nil {
		return nil
	}
	for i, x := range entities {
		if x == e {
			return tn.tables[i]
		}
	}
	return nil
}

// entityNamed finds an entity set; names match case-insensitively, as
// Acumatica's URLs do.
func entityNamed(name string) *entity {
	for _, e := range entities {
		if strings.EqualFold(e.name, name) {
			return e
		}
	}
	return nil
}

// baseURL is the OData root of a tenant as the client reached it.
func baseURL(r *http.Request, tenantName string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/t/" + escapeTenant(tenantName) +
		"/api/odata/gi/"
}

// escapeTenant escapes a tenant for a path: spaces become %20.
func escapeTenant(name string) string {
	return url.PathEscape(name)
}
