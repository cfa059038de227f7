package acumaticatest

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// ServeHTTP serves the OData endpoints and the /_fake/ control surface.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isControl(r.URL.Path) {
		s.control(w, r)
		return
	}
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	s.mu.Lock()
	s.requests = append(s.requests, uri)
	asHTML := s.faults.HTMLError
	s.mu.Unlock()

	rt := parseRoute(r.URL.Path)
	if !s.authenticate(w, r, rt.tenant) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Acumatica"`)
		writeError(w, http.StatusUnauthorized,
			"Authorization has been denied for this request.", asHTML)
		return
	}
	tn := s.tenants[rt.tenant]
	if !rt.ok || tn == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("No HTTP resource "+
			"was found that matches the request URI '%s'.", uri), asHTML)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("The "+
			"requested resource does not support http method '%s'.",
			r.Method), asHTML)
		return
	}
	switch {
	case rt.rest == "" && rt.v3:
		s.serveV3ServiceDocument(w, r, tn)
	case rt.rest == "":
		s.serveServiceDocument(w, r, tn)
	case strings.EqualFold(rt.rest, "$metadata") && rt.v3:
		setV3Headers(w.Header(), "application/xml;charset=utf-8")
		w.Write(s.metaV3)
	case strings.EqualFold(rt.rest, "$metadata"):
		h := w.Header()
		h.Set("Content-Type", "application/xml; charset=utf-8")
		h["OData-Version"] = []string{"4.0"}
		w.Write(s.meta)
	default:
		e := entityNamed(rt.rest)
		if e == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Resource not "+
				"found for the segment '%s'.", rt.rest), asHTML)
			return
		}
		s.serveEntitySet(w, r, tn, e, rt.v3)
	}
}

// route is a parsed request path: /t/{tenant}/api/odata/gi/{rest}, or
// /odata/{tenant}/{rest} for the v3 endpoint.
type route struct {
	ok     bool
	tenant string
	rest   string
	v3     bool
}

// parseRoute matches the fixed segments case-insensitively and keeps
// the tenant as sent (%20 decoded to a space; + stays a plus).
func parseRoute(path string) route {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "odata") {
		return restRoute(route{tenant: segs[1], v3: true}, segs[2:])
	}
	if len(segs) < 2 || !strings.EqualFold(segs[0], "t") {
		return route{}
	}
	rt := route{tenant: segs[1]}
	fixed := []string{"api", "odata", "gi"}
	if len(segs) < 2+len(fixed) {
		return rt
	}
	for i, f := range fixed {
		if !strings.EqualFold(segs[2+i], f) {
			return rt
		}
	}
	return restRoute(rt, segs[2+len(fixed):])
}

// restRoute completes a route with the segments after the OData root:
// none (the service document) or one.
func restRoute(rt route, rest []string) route {
	switch {
	case len(rest) == 0, len(rest) == 1 && rest[0] == "":
		rt.ok = true
	case len(rest) == 1, len(rest) == 2 && rest[1] == "":
		rt.ok, rt.rest = true, rest[0]
	}
	return rt
}

// authenticate accepts a live session cookie for the tenant, or Basic
// credentials, which sign in and set the session cookies.
func (s *Service) authenticate(w http.ResponseWriter, r *http.Request,
	tenantName string) bool {
	if c, err := r.Cookie(".ASPXAUTH"); err == nil {
		s.mu.Lock()
		t, ok := s.sessions[c.Value]
		s.mu.Unlock()
		if ok && t == tenantName {
			return true
		}
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.opts.User || pass != s.opts.Password {
		return false
	}
	if s.tenants[tenantName] == nil {
		return true // signed in, but the tenant will not be found
	}
	s.mu.Lock()
	s.logins++
	n := s.logins
	s.mu.Unlock()
	sid, auth := sessionTokens(uint64(s.opts.Seed), n)
	s.mu.Lock()
	s.sessions[auth] = tenantName
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "ASP.NET_SessionId", Value: sid,
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: ".ASPXAUTH", Value: auth,
		Path: "/", HttpOnly: true})
	http.SetCookie(w, &http.Cookie{Name: "CompanyID",
		Value: escapeTenant(tenantName), Path: "/"})
	return true
}

// sessionTokens derives the nth session's cookie values, shaped like
// ASP.NET's: a 24-character session id and a long hex ticket.
func sessionTokens(seed uint64, n int) (sid, auth string) {
	var b [40]byte
	for i := range 5 {
		binary.BigEndian.PutUint64(b[8*i:], mix(seed^uint64(n)<<8^uint64(i)))
	}
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	sid = strings.ToLower(enc.EncodeToString(b[:15]))
	return sid, strings.ToUpper(fmt.Sprintf("%x", b[:]))
}

func (s *Service) serveServiceDocument(w http.ResponseWriter,
	r *http.Request, tn *tenant) {
	base := baseURL(r, tn.name)
	b := append([]byte(`{"@odata.context":`), nil...)
	b = appendJSONString(b, []byte(base+"$metadata"))
	b = append(b, `,"value":[`...)
	for i, e := range entities {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"`+e.name+`","kind":"EntitySet","url":"`+
			e.name+`"}`...)
	}
	b = append(b, "]}"...)
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	h["OData-Version"] = []string{"4.0"}
	w.Write(b)
}

const jsonContentType = "application/json; odata.metadata=minimal; " +
	"odata.streaming=true; IEEE754Compatible=false; charset=utf-8"

// serveEntitySet answers a data request: the page hook, faults, query
// parsing, then the rows, streamed.
func (s *Service) serveEntitySet(w http.ResponseWriter, r *http.Request,
	tn *tenant, e *entity, v3 bool) {
	s.mu.Lock()
	key := tn.name + "\x00" + e.name
	s.pages[key]++
	page, hook := s.pages[key], s.onPage
	s.mu.Unlock()
	if hook != nil {
		hook(tn.name, e.name, page)
	}

	f, fail := s.takeFault()
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case fail:
		if f.RetryAfter != "" && (f.FailStatus == 429 || f.FailStatus == 503) {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeError(w, f.FailStatus, faultMessage(f.FailStatus), f.HTMLError)
		return
	case f.EmptyBody200:
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}

	d := dialect{v3: v3, earlier: s.opts.FallBackEarlier}
	q, err := parseQueryIn(e, r.URL.RawQuery, s.loc, d)
	if err != nil {
		qe := err.(*queryError)
		if v3 && !f.HTMLError {
			writeErrorV3(w, r, qe.status, qe.msg)
			return
		}
		writeError(w, qe.status, qe.msg, f.HTMLError)
		return
	}
	st := s.ref(tn.name, e).Load()
	if v3 {
		s.writeRowsV3(w, r, st, q, v3Base(r, tn.name))
		return
	}
	s.writeRows(w, r, st, q, baseURL(r, tn.name))
}

func faultMessage(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "API Login Limit: the number of concurrent API requests " +
			"has been exceeded."
	case http.StatusInternalServerError:
		return "An error has occurred."
	}
	return http.StatusText(status)
}

// writeRows streams the response body, flushing every 32 KiB.
func (s *Service) writeRows(w http.ResponseWriter, r *http.Request,
	st *tableState, q *query, base string) {
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	h["OData-Version"] = []string{"4.0"}
	out := &stream{w: w, gzipOK: s.opts.Gzip && acceptsGzip(r)}
	ctx := base + "$metadata#" + st.ent.name
	if q.selTxt != "" {
		ctx += "(" + q.selTxt + ")"
	}
	out.buf = append(out.buf, `{"@odata.context":`...)
	out.buf = appendJSONString(out.buf, []byte(ctx))
	out.buf = append(out.buf, `,"value":[`...)
	cols := q.columns()
	names := propertyPrefixes(st.ent)
	first := true
	st.run(q, func(row *row) bool {
		b := out.buf
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '{')
		for i, c := range cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, names[c]...)
			b = appendValue(b, row.get(c), s.loc)
		}
		out.buf = append(b, '}')
		if len(out.buf) >= 32<<10 {
			return out.flush() == nil
		}
		return true
	})
	out.buf = append(out.buf, "]}"...)
	out.close()
}

// propertyPrefixes are the `"Name":` prefixes of an entity's columns.
func propertyPrefixes(e *entity) [][]byte {
	p := make([][]byte, len(e.cols))
	for i, c := range e.cols {
		p[i] = append(appendJSONString(nil, []byte(c.Name)), ':')
	}
	return p
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(name, "gzip") {
			return true
		}
	}
	return false
}

// gzipThreshold is Acumatica's default compressionThreshold.
const gzipThreshold = 860

// stream writes a response body in chunks, deciding on compression
// when the first chunk is known.
type stream struct {
	w       http.ResponseWriter
	gzipOK  bool
	gz      *gzip.Writer
	started bool
	buf     []byte
	err     error
}

func (o *stream) start(final bool) {
	o.started = true
	if o.gzipOK && len(o.buf) > gzipThreshold {
		o.w.Header().Set("Content-Encoding", "gzip")
		o.w.Header().Add("Vary", "Accept-Encoding")
		o.gz, _ = gzip.NewWriterLevel(o.w, gzip.BestSpeed)
	} else if final {
		o.w.Header().Set("Content-Length", fmt.Sprint(len(o.buf)))
	}
	o.w.WriteHeader(http.StatusOK)
}

func (o *stream) flush() error {
	if o.err != nil {
		return o.err
	}
	if !o.started {
		o.start(false)
	}
	if o.gz != nil {
		if _, o.err = o.gz.Write(o.buf); o.err == nil {
			o.err = o.gz.Flush()
		}
	} else {
		_, o.err = o.w.Write(o.buf)
	}
	o.buf = o.buf[:0]
	if o.err == nil {
		http.NewResponseController(o.w).Flush()
	}
	return o.err
}

func (o *stream) close() {
	if o.err != nil {
		return
	}
	if !o.started {
		o.start(true)
	}
	if o.gz != nil {
		if _, o.err = o.gz.Write(o.buf); o.err == nil {
			o.err = o.gz.Close()
		}
		return
	}
	o.w.Write(o.buf)
}

// writeError sends an OData error envelope, or an HTML error page when
// the HTMLError fault is on.
func writeError(w http.ResponseWriter, status int, msg string, asHTML bool) {
	h := w.Header()
	if asHTML {
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%d %s</title>"+
			"</head>\n<body><h1>Server Error in '/' Application.</h1>\n"+
			"<h2><i>%s</i></h2></body></html>\n", status,
			html.EscapeString(http.StatusText(status)), html.EscapeString(msg))
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h["OData-Version"] = []string{"4.0"}
	w.WriteHeader(status)
	b := append([]byte(`{"error":{"code":"","message":`), nil...)
	b = appendJSONString(b, []byte(msg))
	w.Write(append(b, "}}"...))
}
