package acumaticatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The control surface lets scripts and the demo change a running fake.
// It lives under /_fake/, a prefix Acumatica never serves, needs no
// credentials and always answers JSON:
//
//	POST /_fake/touch?tenant=T&entity=E&n=100   {"changed":100}
//	POST /_fake/insert?tenant=T&entity=E&n=10   {"changed":10}
//	POST /_fake/tie?tenant=T&entity=E&n=3       {"changed":3}
//	POST /_fake/advance?d=1h                    {"now":"..."}
//	POST /_fake/expire                          {"expired":true}
//	GET  /_fake/faults, POST /_fake/faults      the Faults as JSON
//	GET  /_fake/rows?tenant=T&entity=E&limit=N  {"columns":[...],"rows":[...]}
//	GET  /_fake/stats                           {"logins":1,"requests":4,...}
//
// tenant defaults to the first tenant and n to 1.

const controlPrefix = "/_fake/"

func isControl(path string) bool { return strings.HasPrefix(path, controlPrefix) }

// faultsWire is Faults on the wire; durations are strings ("250ms").
// Field names match case-insensitively.
type faultsWire struct {
	FailStatus   int    `json:"failStatus"`
	FailCount    int    `json:"failCount"`
	RetryAfter   string `json:"retryAfter"`
	EmptyBody200 bool   `json:"emptyBody200"`
	HTMLError    bool   `json:"htmlError"`
	Delay        string `json:"delay"`
}

func (s *Service) control(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op := strings.TrimPrefix(r.URL.Path, controlPrefix)
	post := r.Method == http.MethodPost
	tenantName := q.Get("tenant")
	if tenantName == "" {
		tenantName = s.names[0]
	}
	switch {
	case post && (op == "touch" || op == "insert" || op == "tie"):
		s.controlMutate(w, op, tenantName, q.Get("entity"), q.Get("n"))
	case post && op == "advance":
		d, err := time.ParseDuration(q.Get("d"))
		if err != nil {
			controlError(w, http.StatusBadRequest, "d: %v", err)
			return
		}
		s.Advance(d)
		writeJSON(w, map[string]any{"now": s.Now().Format(time.RFC3339Nano)})
	case post && op == "expire":
		s.ExpireSessions()
		writeJSON(w, map[string]any{"expired": true})
	case op == "faults":
		s.controlFaults(w, r, post)
	case !post && op == "rows":
		s.controlRows(w, tenantName, q.Get("entity"), q.Get("limit"))
	case !post && op == "stats":
		writeJSON(w, map[string]any{"logins": s.Logins(),
			"requests": len(s.Requests()), "tenants": s.Tenants(),
			"now": s.Now().Format(time.RFC3339Nano)})
	default:
		controlError(w, http.StatusNotFound, "no control operation %s %s",
			r.Method, r.URL.Path)
	}
}

func (s *Service) controlMutate(w http.ResponseWriter, op, tenantName, entityName, count string) {
	n := 1
	if count != "" {
		var err error
		if n, err = strconv.Atoi(count); err != nil || n < 0 {
			controlError(w, http.StatusBadRequest, "n: want a count, got %q", count)
			return
		}
	}
	if s.table(tenantName, entityName) == nil {
		controlError(w, http.StatusNotFound, "no entity %q in tenant %q",
			entityName, tenantName)
		return
	}
	var changed int
	switch op {
	case "touch":
		changed = s.Touch(tenantName, entityName, n)
	case "insert":
		changed = s.Insert(tenantName, entityName, n)
	default:
		changed = s.InsertTied(tenantName, entityName, n)
	}
	writeJSON(w, map[string]any{"changed": changed})
}

func (s *Service) controlFaults(w http.ResponseWriter, r *http.Request, post bool) {
	if post {
		var fw faultsWire
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fw); err != nil {
			controlError(w, http.StatusBadRequest, "faults: %v", err)
			return
		}
		f := Faults{FailStatus: fw.FailStatus, FailCount: fw.FailCount,
			RetryAfter: fw.RetryAfter, EmptyBody200: fw.EmptyBody200,
			HTMLError: fw.HTMLError}
		if fw.Delay != "" {
			d, err := time.ParseDuration(fw.Delay)
			if err != nil {
				controlError(w, http.StatusBadRequest, "faults: delay: %v", err)
				return
			}
			f.Delay = d
		}
		s.SetFaults(f)
	}
	f := s.Faults()
	writeJSON(w, faultsWire{FailStatus: f.FailStatus, FailCount: f.FailCount,
		RetryAfter: f.RetryAfter, EmptyBody200: f.EmptyBody200,
		HTMLError: f.HTMLError, Delay: f.Delay.String()})
}

func (s *Service) controlRows(w http.ResponseWriter, tenantName, entityName, limit string) {
	rows := s.Rows(tenantName, entityName)
	if rows == nil {
		controlError(w, http.StatusNotFound, "no entity %q in tenant %q",
			entityName, tenantName)
		return
	}
	if n, err := strconv.Atoi(limit); err == nil && n >= 0 && n < len(rows) {
		rows = rows[:n]
	}
	var names []string
	for _, c := range s.Columns(entityName) {
		names = append(names, c.Name)
	}
	writeJSON(w, map[string]any{"columns": names, "rows": rows})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func controlError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{
		"error": fmt.Sprintf(format, args...)})
}
