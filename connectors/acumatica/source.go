package acumatica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/odata"
)

// source reads one tenant. Its $metadata is fetched once, on first use.
type source struct {
	cfg    *Config
	log    *slog.Logger
	client *client
	base   string // service root, ending in "/"

	mu       sync.Mutex
	metadata *odata.Metadata
}

func newSource(cfg *Config, log *slog.Logger) (*source, error) {
	c, err := newClient(cfg, log)
	if err != nil {
		return nil, err
	}
	return &source{cfg: cfg, log: log, client: c, base: cfg.BaseURL()}, nil
}

// Entity describes an entity set from the service's $metadata.
func (s *source) Entity(ctx context.Context, name string) (*connectors.Entity, error) {
	md, err := s.loadMetadata(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := md.EntityType(name); !ok {
		msg := fmt.Sprintf("entity set %q not found in $metadata of %s",
			name, s.cfg.show(s.base))
		if similar := md.SimilarSet(name); similar != "" {
			msg += fmt.Sprintf("; did you mean %q?", similar)
		}
		return nil, errors.New(msg)
	}
	return md.Entity(name)
}

// loadMetadata fetches $metadata once; a failed fetch is tried again by
// the next call.
func (s *source) loadMetadata(ctx context.Context) (*odata.Metadata, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.metadata != nil {
		return s.metadata, nil
	}
	u := s.base + "$metadata"
	err := s.client.do(ctx, call{
		url:      func() (string, error) { return u, nil },
		accept:   "application/xml",
		notFound: s.tenantNotFound,
		handle: func(resp *http.Response) error {
			md, err := odata.ParseMetadata(resp.Body)
			if err != nil {
				if transient(err) {
					return &retryError{final: fmt.Errorf("GET %s: %w",
						s.cfg.show(u), err)}
				}
				return fmt.Errorf("GET %s: %w", s.cfg.show(u), err)
			}
			s.metadata = md
			return nil
		},
	})
	return s.metadata, err
}

// tenantNotFound explains a 404 on the service root.
func (s *source) tenantNotFound(msg string) string {
	return fmt.Sprintf("tenant %q not found at %s (%s): check the tenant "+
		"(its login name, case-sensitive) and the endpoint %q",
		s.cfg.TenantName, s.cfg.URL, msg, s.cfg.Endpoint)
}

// readPlan is a ReadRequest resolved against the entity: the columns to
// select and decode, the ordering columns and the filter pieces.
type readPlan struct {
	req      *connectors.ReadRequest
	set      string // URL of the entity set
	cols     []connectors.Column
	nOut     int   // the first nOut columns are the requested ones
	order    []int // indexes in cols of the ordering columns
	since    string
	dialect  odata.Dialect
	pageSize int
	// clientPaging asks for pageSize rows per request; without it the
	// service's next links page the one request.
	clientPaging bool
	// format is $format: "json" for OData v3 JSON, else empty.
	format string
	// wall is the zone of the tracking column when it holds wall times
	// that repeat in a fall-back (see fold), nil otherwise.
	wall *time.Location
	// relabel lists the date-time columns whose +00:00 values are wall
	// times in the dialect's zone (local_time_as_utc).
	relabel []int
}

// plan resolves req for a service of the given OData version. ent may
// be nil (Request before any Entity call): then column types are guessed
// from the values at hand.
func (s *source) plan(req *connectors.ReadRequest, ent *connectors.Entity,
	version odata.Version) (*readPlan, error) {
	p := &readPlan{req: req, set: s.base + odata.EscapePath(req.Entity),
		dialect: odata.Dialect{Version: version,
			Location: s.cfg.wallLocation(), LocalAsUTC: s.cfg.LocalTimeAsUTC},
		pageSize: req.PageSize, clientPaging: s.cfg.ClientPaging}
	if version == odata.V3 && !s.cfg.atom() {
		p.format = "json"
	}
	if p.pageSize <= 0 {
		p.pageSize = s.cfg.PageSize
	}
	index := map[string]int{}
	add := func(name string) (int, error) {
		if i, ok := index[name]; ok {
			return i, nil
		}
		c, err := column(ent, name)
		if err != nil {
			return 0, err
		}
		index[name] = len(p.cols)
		p.cols = append(p.cols, c)
		return len(p.cols) - 1, nil
	}
	for _, name := range req.Columns {
		if _, err := add(name); err != nil {
			return nil, err
		}
	}
	p.nOut = len(p.cols)
	if p.nOut != len(req.Columns) {
		return nil, fmt.Errorf("read %s: a column is requested twice",
			req.Entity)
	}

	keys := req.Key
	if len(keys) == 0 && ent != nil {
		keys = ent.Key
	}
	var orderNames []string
	if req.Tracking != "" {
		orderNames = append(orderNames, req.Tracking)
	}
	orderNames = append(orderNames, keys...)
	for _, name := range orderNames {
		i, err := add(name)
		if err != nil {
			return nil, err
		}
		p.order = append(p.order, i)
	}
	if len(p.order) == 0 {
		return nil, fmt.Errorf("read %s: no key to order and page by: set "+
			"primary_key", req.Entity)
	}
	if len(req.After) > len(p.order) {
		return nil, fmt.Errorf("read %s: resume position has %d values "+
			"for %d ordering columns", req.Entity, len(req.After),
			len(p.order))
	}
	if s.cfg.LocalTimeAsUTC {
		p.relabel = timestampColumns(p.cols)
	}
	if req.Tracking != "" && p.wallTimes(p.cols[p.order[0]]) &&
		p.clientPaging && len(p.order) > 1 {
		p.wall = p.dialect.Location
	}
	if req.Tracking != "" && !req.Since.IsZero() {
		tc := p.cols[p.order[0]]
		since := req.Since
		if p.wallTimes(tc) {
			since = widenFallBack(since, s.cfg.wallLocation())
		}
		lit, err := p.dialect.Literal(tc, since)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", req.Entity, err)
		}
		p.since = tc.Name + " ge " + lit
	}
	return p, nil
}

// column returns the named column of ent, or a guess when ent is nil.
func column(ent *connectors.Entity, name string) (connectors.Column, error) {
	if ent == nil {
		return connectors.Column{Name: name, Type: connectors.TypeString}, nil
	}
	c, ok := ent.Column(name)
	if !ok {
		msg := fmt.Sprintf("entity set %q has no column %q", ent.Name, name)
		if similar := ent.Similar(name); similar != "" {
			msg += fmt.Sprintf("; did you mean %q?", similar)
		}
		return c, errors.New(msg)
	}
	return c, nil
}

// url returns the request URL of the page after the position after.
func (p *readPlan) url(after []any) (string, error) {
	return p.build(p.since, p.order, after)
}

// build returns the URL of the page of rows passing since, ordered by
// the columns at order, after the position after in that order.
func (p *readPlan) build(since string, orderBy []int, after []any) (string, error) {
	q := odata.Query{Top: p.pageSize, Format: p.format}
	if !p.clientPaging {
		q.Top = 0
	}
	for _, c := range p.cols {
		q.Select = append(q.Select, c.Name)
	}
	order := make([]connectors.Column, len(orderBy))
	for i, idx := range orderBy {
		order[i] = p.cols[idx]
		q.OrderBy = append(q.OrderBy, order[i].Name)
	}
	keyset := ""
	if len(after) > 0 {
		var err error
		keyset, err = p.dialect.Keyset(order[:len(after)], after)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", p.req.Entity, err)
		}
	}
	q.Filter = odata.And(since, keyset)
	return p.set + "?" + q.Encode(), nil
}

// Request returns the first request Read would send for req.
func (s *source) Request(req *connectors.ReadRequest) string {
	s.mu.Lock()
	var ent *connectors.Entity
	version := s.cfg.Endpoint.Version()
	if s.metadata != nil {
		ent, _ = s.metadata.Entity(req.Entity)
		version = s.metadata.Version
	}
	s.mu.Unlock()
	p, err := s.plan(req, ent, version)
	if err != nil {
		return "GET " + s.cfg.show(s.base+odata.EscapePath(req.Entity)) +
			" (" + err.Error() + ")"
	}
	u, err := p.pageURL(&fold{}, req.After)
	if err != nil {
		return "GET " + s.cfg.show(p.set) + " (" + err.Error() + ")"
	}
	return "GET " + s.cfg.show(u)
}

// Read streams the rows of req, page by page, each page starting after
// the last row of the one before (keyset paging).
func (s *source) Read(ctx context.Context, req *connectors.ReadRequest, fn func(row []any) error) error {
	ent, err := s.Entity(ctx, req.Entity)
	if err != nil {
		return err
	}
	s.mu.Lock()
	version := s.metadata.Version
	s.mu.Unlock()
	p, err := s.plan(req, ent, version)
	if err != nil {
		return err
	}
	r := &reader{s: s, p: p, fn: fn, after: req.After,
		buf: make([]any, len(p.order)), accept: "application/json"}
	opts := odata.DecodeOptions{Location: s.cfg.wallLocation(),
		SlabRows: p.pageSize}
	if s.cfg.atom() {
		r.dec = odata.NewATOMDecoder(p.cols, opts)
		r.accept = "application/atom+xml"
	} else {
		r.dec = odata.NewDecoder(p.cols, opts)
	}
	return r.run(ctx)
}

// reader is the state of one Read.
type reader struct {
	s     *source
	p     *readPlan
	fn    func([]any) error
	dec   decoder
	after []any // ordering values of the last row delivered
	buf   []any // reused for after: values are copied before fn sees the row
	// accept is the media type asked for.
	accept string
	// fold follows the read through a repeated hour; inFold says the
	// current page reads one.
	fold   fold
	inFold bool

	next    string // next link of the last response, if any
	rows    int    // rows since the last keyset request
	pages   int
	total   int
	fnErr   error
	lastURL string
}

// decoder reads one response body as rows: odata.Decoder (JSON) or
// odata.ATOMDecoder.
type decoder interface {
	Decode(r io.Reader, fn func(row []any) error) (odata.Page, error)
}

func (r *reader) run(ctx context.Context) error {
	start := time.Now()
	for {
		prev := append([]any(nil), r.after...)
		prevKeys := append([]any(nil), r.fold.keys...)
		// One page: a keyset request, then the next links it leads to.
		for first := true; first || r.next != ""; first = false {
			err := r.s.client.do(ctx, call{table: r.p.req.Entity,
				url: r.url, accept: r.accept, handle: r.handle,
				notFound: r.entityNotFound})
			if r.fnErr != nil {
				return r.fnErr
			}
			if err != nil {
				return err
			}
		}
		if r.inFold {
			if err := r.foldPage(prevKeys); err != nil {
				return err
			}
			continue
		}
		if r.rows < r.p.pageSize || !r.p.clientPaging {
			break
		}
		if sameValues(prev, r.after) {
			return fmt.Errorf("GET %s: a full page ended at the same row "+
				"as the page before (%v): the service does not apply the "+
				"keyset filter", r.s.cfg.show(r.lastURL), prev)
		}
	}
	r.s.log.Debug("entity read", "table", r.p.req.Entity,
		"tenant", r.s.cfg.TenantName, "rows", r.total, "pages", r.pages,
		"duration", time.Since(start))
	return nil
}

// url is the URL of the next attempt: the next link while one is
// pending, else a keyset request after the last row delivered.
func (r *reader) url() (string, error) {
	if r.next != "" {
		r.lastURL = r.next
		return r.next, nil
	}
	u, err := r.p.pageURL(&r.fold, r.after)
	if err != nil {
		return "", err
	}
	r.inFold = r.fold.active()
	r.rows = 0
	r.lastURL = u
	return u, nil
}

// handle decodes one response, delivering its rows.
func (r *reader) handle(resp *http.Response) error {
	u := r.lastURL
	r.next = ""
	delivered := 0
	page, err := r.dec.Decode(resp.Body, func(row []any) error {
		relabelUTC(row, r.p.relabel, r.p.dialect.Location)
		for i, idx := range r.p.order {
			r.buf[i] = row[idx]
		}
		if err := r.fn(row[:r.p.nOut:r.p.nOut]); err != nil {
			r.fnErr = err
			return err
		}
		r.after = r.buf
		r.fold.delivered(r.inFold, r.buf)
		r.rows++
		r.total++
		delivered++
		return nil
	})
	r.pages++
	if r.fnErr != nil {
		return r.fnErr
	}
	if err != nil {
		wrapped := fmt.Errorf("GET %s: page %d: %w", r.s.cfg.show(u), r.pages, err)
		var ne net.Error
		if transient(err) || errors.As(err, &ne) && ne.Timeout() && delivered > 0 {
			return &retryError{final: wrapped}
		}
		return wrapped
	}
	if page.NextLink != "" {
		next, err := resolve(u, page.NextLink)
		if err != nil {
			return fmt.Errorf("GET %s: invalid next link %q: %w",
				r.s.cfg.show(u), page.NextLink, err)
		}
		r.next = next
	}
	return nil
}

func (r *reader) entityNotFound(msg string) string {
	return fmt.Sprintf("entity set %q not found (%s)", r.p.req.Entity, msg)
}

// resolve makes a next link absolute, refusing one to another host.
func resolve(base, link string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	l, err := b.Parse(link)
	if err != nil {
		return "", err
	}
	if l.Host != b.Host || l.Scheme != b.Scheme {
		return "", errors.New("it points to another host")
	}
	return l.String(), nil
}

// sameValues compares two keyset positions.
func sameValues(a, b []any) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
			return false
		}
	}
	return true
}

// Close ends the session and releases connections.
func (s *source) Close() error {
	s.client.close()
	return nil
}

// close signs out when a session is open, then closes idle connections.
func (c *client) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session || c.tokens != nil && c.tokens.current() != "" {
		c.logout()
		c.session = false
	}
	c.http.CloseIdleConnections()
}

// logout ends the Acumatica session (POST /entity/auth/logout with an
// empty body, which Acumatica needs to free the seat). Failures are
// ignored: the session expires on its own.
func (c *client) logout() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := strings.TrimRight(c.cfg.URL, "/") + "/entity/auth/logout"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u,
		http.NoBody)
	if err != nil {
		return
	}
	req.ContentLength = 0
	req.Header.Set("Content-Length", "0")
	if c.tokens != nil {
		tok := c.tokens.current()
		if tok == "" {
			return
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.Debug("logout failed", "tenant", c.cfg.TenantName,
			"error", cause(err).Error())
		return
	}
	drain(resp.Body)
	resp.Body.Close()
}
