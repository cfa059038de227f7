package acumaticatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// client is a minimal OData client for tests: Basic credentials on
// every request and a cookie jar, like a well-behaved real client.
type client struct {
	t      testing.TB
	base   string
	tenant string
	hc     *http.Client
	user   string
	pass   string
}

func newClient(t testing.TB, base string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, tenant: "Company",
		hc: &http.Client{Jar: jar}, user: "admin", pass: "123"}
}

// do requests path (relative to the instance) and returns the response
// with its body read.
func (c *client) do(method, path string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, body
}

func (c *client) root() string {
	return "/t/" + url.PathEscape(c.tenant) + "/api/odata/gi/"
}

// entityPath builds an entity set URL with query options.
func (c *client) entityPath(entity string, opts ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(opts); i += 2 {
		v.Set(opts[i], opts[i+1])
	}
	p := c.root() + entity
	if len(v) > 0 {
		p += "?" + v.Encode()
	}
	return p
}

// query fetches an entity set, expects 200 and returns the rows.
func (c *client) query(entity string, opts ...string) []map[string]any {
	c.t.Helper()
	p := c.entityPath(entity, opts...)
	resp, body := c.do("GET", p)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", p, resp.StatusCode, body)
	}
	return decodeRows(c.t, body)
}

// queryError fetches an entity set expecting an error; it returns the
// status and the OData error message.
func (c *client) queryError(entity string, opts ...string) (int, string) {
	c.t.Helper()
	resp, body := c.do("GET", c.entityPath(entity, opts...))
	var env struct {
		Error struct {
			Code    *string `json:"code"`
			Message string  `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error.Code == nil {
		c.t.Fatalf("not an OData error envelope: %d %s", resp.StatusCode, body)
	}
	return resp.StatusCode, env.Error.Message
}

func decodeRows(t testing.TB, body []byte) []map[string]any {
	t.Helper()
	var doc struct {
		Context string           `json:"@odata.context"`
		Value   []map[string]any `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode %.200s: %v", body, err)
	}
	if doc.Value == nil {
		t.Fatalf("no value array in %.200s", body)
	}
	return doc.Value
}

// normalize converts a served row to Rows' representation.
func normalize(t testing.TB, cols []Column, m map[string]any) []any {
	t.Helper()
	out := make([]any, len(cols))
	for i, c := range cols {
		v, ok := m[c.Name]
		if !ok || v == nil {
			continue
		}
		switch c.Type {
		case "Edm.Int16", "Edm.Int32", "Edm.Int64":
			n, err := strconv.ParseInt(string(v.(json.Number)), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			out[i] = n
		case "Edm.Decimal":
			out[i] = string(v.(json.Number))
		case "Edm.DateTimeOffset":
			ts, err := time.Parse(time.RFC3339Nano, v.(string))
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			out[i] = ts
		default:
			out[i] = v
		}
	}
	return out
}

// sameRow compares rows, times by instant.
func sameRow(a, b []any) bool {
	return slices.EqualFunc(a, b, sameValue)
}

func sameValue(x, y any) bool {
	if tx, ok := x.(time.Time); ok {
		ty, ok := y.(time.Time)
		return ok && tx.Equal(ty)
	}
	return x == y
}

// keyOf renders a row's key columns for messages and comparisons.
func keyOf(cols []Column, row []any) string {
	var b bytes.Buffer
	for i, c := range cols {
		if c.Key {
			fmt.Fprintf(&b, "%v|", row[i])
		}
	}
	return b.String()
}

func keysOf(cols []Column, rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = keyOf(cols, r)
	}
	return out
}

func servedKeys(t testing.TB, cols []Column, rows []map[string]any) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, m := range rows {
		out[i] = keyOf(cols, normalize(t, cols, m))
	}
	return out
}

func colIndex(cols []Column, name string) int {
	return slices.IndexFunc(cols, func(c Column) bool { return c.Name == name })
}
