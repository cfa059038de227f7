package acumaticatest

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The legacy generic inquiry endpoint, /odata/{tenant}/, speaks OData
// v3 (WCF Data Services): EDMX 1.0 metadata, Edm.DateTime values without
// an offset (wall times in Options.Location), v3 filter literals, JSON
// light when JSON is asked for and ATOM otherwise.

// v3Base is the v3 OData root of a tenant as the client reached it.
func v3Base(r *http.Request, tenantName string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/odata/" + escapeTenant(tenantName) + "/"
}

// setV3Headers sets the version headers WCF Data Services sends.
func setV3Headers(h http.Header, contentType string) {
	h.Set("Content-Type", contentType)
	h["DataServiceVersion"] = []string{"3.0;"}
}

const (
	v3JSONType = "application/json;odata=minimalmetadata;streaming=true;" +
		"charset=utf-8"
	atomFeedType = "application/atom+xml;type=feed;charset=utf-8"
)

// wantsJSON reports whether a v3 request asks for JSON ($format=json or
// an Accept header naming application/json); ATOM is the default.
func wantsJSON(r *http.Request) bool {
	if f := strings.ToLower(r.URL.Query().Get("$format")); f != "" {
		return f == "json" || strings.HasPrefix(f, "application/json")
	}
	accept := strings.ToLower(r.Header.Get("Accept"))
	return strings.Contains(accept, "application/json") &&
		!strings.Contains(accept, "application/atom+xml")
}

func (s *Service) serveV3ServiceDocument(w http.ResponseWriter, r *http.Request, tn *tenant) {
	base := v3Base(r, tn.name)
	var b []byte
	if wantsJSON(r) {
		b = append(b, `{"odata.metadata":`...)
		b = appendJSONString(b, []byte(base+"$metadata"))
		b = append(b, `,"value":[`...)
		for i, e := range entities {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":"`+e.name+`","url":"`+e.name+`"}`...)
		}
		setV3Headers(w.Header(), v3JSONType)
		w.Write(append(b, "]}"...))
		return
	}
	b = append(b, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+
		`<service xml:base="`...)
	b = appendXMLText(b, base, true)
	b = append(b, `" xmlns="http://www.w3.org/2007/app" `+
		`xmlns:atom="http://www.w3.org/2005/Atom"><workspace>`+
		`<atom:title>Default</atom:title>`...)
	for _, e := range entities {
		b = append(b, `<collection href="`+e.name+`"><atom:title>`+
			e.name+`</atom:title></collection>`...)
	}
	b = append(b, "</workspace></service>"...)
	setV3Headers(w.Header(), "application/atomsvc+xml;charset=utf-8")
	w.Write(b)
}

// metadataV3 renders the EDMX 1.0 document of the v3 endpoint: the same
// entity types as v4, with Edm.DateTime for every date and time.
func metadataV3() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">` + "\n" +
		`  <edmx:DataServices m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0" ` +
		`xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">` + "\n" +
		`    <Schema Namespace="GenericInquiry" xmlns="http://schemas.microsoft.com/ado/2009/11/edm">` + "\n")
	v3 := dialect{v3: true}
	for _, e := range entities {
		fmt.Fprintf(&b, "      <EntityType Name=\"%s\">\n        <Key>\n", attr(e.name))
		for _, k := range e.keys {
			fmt.Fprintf(&b, "          <PropertyRef Name=\"%s\" />\n",
				attr(e.cols[k].Name))
		}
		b.WriteString("        </Key>\n")
		for _, c := range e.cols {
			col := c.Column
			col.Type = v3.edmType(col.Type)
			writeProperty(&b, col)
		}
		b.WriteString("      </EntityType>\n")
	}
	b.WriteString("      <EntityContainer Name=\"Default\" m:IsDefaultEntityContainer=\"true\">\n")
	for _, e := range entities {
		fmt.Fprintf(&b, "        <EntitySet Name=\"%s\" "+
			"EntityType=\"GenericInquiry.%s\" />\n", attr(e.name), attr(e.name))
	}
	b.WriteString("      </EntityContainer>\n    </Schema>\n" +
		"  </edmx:DataServices>\n</edmx:Edmx>\n")
	return b.Bytes()
}

// writeRowsV3 streams a v3 response body, JSON light or ATOM.
func (s *Service) writeRowsV3(w http.ResponseWriter, r *http.Request,
	st *tableState, q *query, base string) {
	out := &stream{w: w, gzipOK: s.opts.Gzip && acceptsGzip(r)}
	asJSON := wantsJSON(r)
	if asJSON {
		setV3Headers(w.Header(), v3JSONType)
		ctx := base + "$metadata#" + st.ent.name
		if q.selTxt != "" {
			ctx += "&$select=" + q.selTxt
		}
		out.buf = append(out.buf, `{"odata.metadata":`...)
		out.buf = appendJSONString(out.buf, []byte(ctx))
		out.buf = append(out.buf, `,"value":[`...)
	} else {
		setV3Headers(w.Header(), atomFeedType)
		out.buf = s.appendFeedStart(out.buf, st.ent, base)
	}
	cols := q.columns()
	names := propertyPrefixes(st.ent)
	first := true
	st.run(q, func(row *row) bool {
		if asJSON {
			out.buf = appendJSONRowV3(out.buf, row, cols, names, !first, s.loc)
		} else {
			out.buf = s.appendEntry(out.buf, row, cols, base)
		}
		first = false
		if len(out.buf) >= 32<<10 {
			return out.flush() == nil
		}
		return true
	})
	if asJSON {
		out.buf = append(out.buf, "]}"...)
	} else {
		out.buf = append(out.buf, "</feed>"...)
	}
	out.close()
}

// appendJSONRowV3 renders a row as JSON light: decimals as strings,
// date-times as wall times without offset.
func appendJSONRowV3(b []byte, r *row, cols []int, names [][]byte,
	comma bool, loc *time.Location) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, '{')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, names[c]...)
		v := r.get(c)
		switch {
		case v.null:
			b = append(b, "null"...)
		case v.kind == kDecimal:
			b = append(b, '"')
			b = append(appendDecimal(b, v.i, int(v.scale)), '"')
		case v.kind == kTime:
			b = append(b, '"')
			b = append(appendWallTime(b, v.i, loc), '"')
		default:
			b = appendValue(b, v, loc)
		}
	}
	return append(b, '}')
}

const (
	nsAtom     = "http://www.w3.org/2005/Atom"
	nsData     = "http://schemas.microsoft.com/ado/2007/08/dataservices"
	nsMetadata = nsData + "/metadata"
)

func (s *Service) appendFeedStart(b []byte, e *entity, base string) []byte {
	b = append(b, `<?xml version="1.0" encoding="utf-8"?>`+
		`<feed xml:base="`...)
	b = appendXMLText(b, base, true)
	b = append(b, `" xmlns="`+nsAtom+`" xmlns:d="`+nsData+`" xmlns:m="`+
		nsMetadata+`"><id>`...)
	b = appendXMLText(b, base+e.name, false)
	b = append(b, `</id><title type="text">`+e.name+`</title><updated>`...)
	b = append(b, s.Now().UTC().Format(time.RFC3339)...)
	return append(b, `</updated><link rel="self" title="`+e.name+
		`" href="`+e.name+`" />`...)
}

// appendEntry renders a row as an ATOM entry, the way WCF Data Services
// writes one: id, category, edit link, empty title and author, then the
// properties, typed with m:type, nulls as m:null="true".
func (s *Service) appendEntry(b []byte, r *row, cols []int, base string) []byte {
	e := r.st.ent
	key := entryKey(r)
	b = append(b, "<entry><id>"...)
	b = appendXMLText(b, base+key, false)
	b = append(b, `</id><category term="GenericInquiry.`+e.name+
		`" scheme="`+nsData+`/scheme" /><link rel="edit" title="`+e.name+
		`" href="`...)
	b = appendXMLText(b, key, true)
	b = append(b, `" /><title /><updated>`...)
	b = append(b, s.Now().UTC().Format(time.RFC3339)...)
	b = append(b, `</updated><author><name /></author>`+
		`<content type="application/xml"><m:properties>`...)
	v3 := dialect{v3: true}
	for _, c := range cols {
		col := &e.cols[c]
		b = append(b, "<d:"+col.Name...)
		if col.Type != "Edm.String" {
			b = append(b, ` m:type="`+v3.edmType(col.Type)+`"`...)
		}
		v := r.get(c)
		if v.null {
			b = append(b, ` m:null="true" />`...)
			continue
		}
		b = append(b, '>')
		switch v.kind {
		case kString, kGuid:
			b = appendXMLText(b, string(v.s), false)
		case kBool:
			b = strconv.AppendBool(b, v.i != 0)
		case kInt:
			b = strconv.AppendInt(b, v.i, 10)
		case kDecimal:
			b = appendDecimal(b, v.i, int(v.scale))
		case kTime:
			b = appendWallTime(b, v.i, s.loc)
		}
		b = append(b, "</d:"+col.Name+">"...)
	}
	return append(b, "</m:properties></content></entry>"...)
}

// entryKey is the entity's address: Set(Key='value',...).
func entryKey(r *row) string {
	e := r.st.ent
	var b strings.Builder
	b.WriteString(e.name + "(")
	for i, k := range e.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		v := r.get(k)
		b.WriteString(e.cols[k].Name + "='" +
			strings.ReplaceAll(string(v.s), "'", "''") + "'")
	}
	b.WriteByte(')')
	return b.String()
}

// appendXMLText escapes s as .NET's XmlWriter does with character
// checking off: markup characters as entities, a carriage return as
// &#xD;, and characters XML 1.0 forbids as character references
// (&#x1F;), which strict XML parsers refuse and clients must cope with.
func appendXMLText(b []byte, s string, inAttr bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(s[i:])
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		switch {
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '"' && inAttr:
			b = append(b, "&quot;"...)
		case c == '\r', c < 0x20 && c != '\t' && c != '\n',
			inAttr && (c == '\t' || c == '\n'):
			b = append(b, "&#x"...)
			b = strconv.AppendUint(b, uint64(c), 16)
			b = append(b, ';')
		default:
			b = append(b, c)
		}
		i++
	}
	return b
}

// appendWallTime renders ticks as the wall time in loc without an
// offset, as .NET writes a DateTime of unspecified kind:
// 2026-11-01T01:30:00.123 (trailing fraction zeros dropped).
func appendWallTime(b []byte, ticks int64, loc *time.Location) []byte {
	with := appendTime(nil, ticks, loc)
	return append(b, with[:len(with)-len("+00:00")]...)
}

// writeErrorV3 sends a v3 error: JSON ({"odata.error":...}) when JSON
// was asked for, else XML (<m:error>).
func writeErrorV3(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if wantsJSON(r) {
		setV3Headers(w.Header(), "application/json;odata=minimalmetadata;charset=utf-8")
		w.WriteHeader(status)
		b := append([]byte(nil), `{"odata.error":{"code":"","message":`+
			`{"lang":"en-US","value":`...)
		b = appendJSONString(b, []byte(msg))
		w.Write(append(b, "}}}"...))
		return
	}
	setV3Headers(w.Header(), "application/xml;charset=utf-8")
	w.WriteHeader(status)
	b := append([]byte(nil), `<?xml version="1.0" encoding="utf-8"?>`+
		`<m:error xmlns:m="`+nsMetadata+`"><m:code />`+
		`<m:message xml:lang="en-US">`...)
	b = appendXMLText(b, msg, false)
	w.Write(append(b, "</m:message></m:error>"...))
}
