package odata

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// ATOMDecoder reads OData v1 to v3 ATOM feeds, the XML format a v3
// service answers with unless JSON is asked for:
//
//	<feed>
//	  <m:count>2</m:count>
//	  <entry>
//	    <content type="application/xml">
//	      <m:properties>
//	        <d:OrderTotal m:type="Edm.Decimal">12.50</d:OrderTotal>
//	        <d:Description m:null="true" />
//	  ...
//	  <link rel="next" href="..." />
//
// It reads the body as a stream of XML tokens and converts each wanted
// property straight into its column type, producing the same values as
// Decoder does for the same rows in JSON; it builds no document tree and
// no map per row. Properties of media entries (m:properties beside
// content) are read too. One ATOMDecoder serves any number of bodies,
// one at a time; it is not safe for concurrent use.
type ATOMDecoder struct {
	rowShape

	br      *bufio.Reader
	refs    refFilter
	dec     *xml.Decoder
	text    []byte // the current property's text
	scratch []byte
	row     int
	page    Page
}

// NewATOMDecoder returns a decoder of rows with the given columns, like
// NewDecoder.
func NewATOMDecoder(cols []connectors.Column, opts DecodeOptions) *ATOMDecoder {
	return &ATOMDecoder{rowShape: newRowShape(cols, opts)}
}

// The XML namespaces of OData's ATOM properties.
const (
	nsData     = "http://schemas.microsoft.com/ado/2007/08/dataservices"
	nsMetadata = nsData + "/metadata"
)

// Decode reads one feed from r, calling fn with each row as soon as its
// entry is read. fn may keep the row. Decode stops at the first error fn
// returns and returns it unchanged. A body that is not an ATOM feed (an
// OData error, an HTML page, JSON) is an error: ErrEmptyBody for an
// empty one.
func (d *ATOMDecoder) Decode(r io.Reader, fn func(row []any) error) (Page, error) {
	d.row = 0
	d.page = Page{Count: -1}
	if d.br == nil {
		d.br = bufio.NewReaderSize(r, 16<<10)
	} else {
		d.br.Reset(r)
	}
	if err := d.checkStart(); err != nil {
		return d.page, err
	}
	d.refs.reset(d.br)
	d.dec = xml.NewDecoder(&d.refs)
	root, err := d.root()
	if err != nil {
		return d.page, err
	}
	if err := d.feed(root, fn); err != nil {
		return d.page, err
	}
	return d.page, d.end()
}

// checkStart looks at the first bytes: nothing at all, or something
// other than markup, is explained without involving the XML parser.
func (d *ATOMDecoder) checkStart() error {
	if b, _ := d.br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		d.br.Discard(3)
	}
	for {
		c, err := d.br.ReadByte()
		if err == io.EOF {
			return ErrEmptyBody
		}
		if err != nil {
			return err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		d.br.UnreadByte()
		head, _ := d.br.Peek(4096)
		if c == '<' && !isHTML(head) {
			return nil
		}
		if msg := ParseErrorBody(head); msg != nil &&
			!errors.Is(msg, ErrEmptyBody) {
			return fmt.Errorf("response is not an ATOM feed: %w", msg)
		}
		return errors.New("response is not an ATOM feed")
	}
}

// isHTML reports whether a body starts like an HTML page.
func isHTML(head []byte) bool {
	head = bytes.ToLower(head[:min(len(head), 512)])
	return bytes.Contains(head, []byte("<html")) ||
		bytes.HasPrefix(head, []byte("<!doctype html"))
}

// root reads up to the root element, which must be an ATOM feed. Other
// roots are explained: an OData error, an HTML page.
func (d *ATOMDecoder) root() (xml.StartElement, error) {
	for {
		tok, err := d.token()
		if err != nil {
			return xml.StartElement{}, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local == "feed" {
			return se, nil
		}
		return se, d.notFeed(se)
	}
}

// notFeed describes a body whose root is not a feed.
func (d *ATOMDecoder) notFeed(se xml.StartElement) error {
	var what string
	switch se.Name.Local {
	case "error":
		msg, code := d.errorBody()
		e := &ServiceError{Code: code, Message: msg}
		return fmt.Errorf("response is not an ATOM feed: %w", e)
	case "entry":
		what = "a single entry"
	default:
		what = fmt.Sprintf("a <%s> document", se.Name.Local)
	}
	return fmt.Errorf("response is not an ATOM feed but %s", what)
}

// errorBody reads the message and code of an OData XML error.
func (d *ATOMDecoder) errorBody() (msg, code string) {
	for {
		tok, err := d.dec.Token()
		if err != nil {
			return msg, code
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "message":
			if t, err := d.leaf(); err == nil && msg == "" {
				msg = string(t)
			}
		case "code":
			if t, err := d.leaf(); err == nil {
				code = string(t)
			}
		}
	}
}

// token returns the next token, wrapping XML syntax errors.
func (d *ATOMDecoder) token() (xml.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	return tok, nil
}

// syntax names malformed XML as such; read errors pass unchanged, so
// that callers can tell a dropped connection from a broken body.
func (d *ATOMDecoder) syntax(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid ATOM feed: %w", err)
	}
	if err == io.EOF {
		return errors.New("invalid ATOM feed: unexpected end of input")
	}
	return err
}

// feed reads the children of the feed element: entries, the next link
// and the count.
func (d *ATOMDecoder) feed(root xml.StartElement, fn func([]any) error) error {
	for {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := d.feedChild(t, fn); err != nil {
				return err
			}
		}
	}
}

func (d *ATOMDecoder) feedChild(t xml.StartElement, fn func([]any) error) error {
	switch t.Name.Local {
	case "entry":
		return d.entry(fn)
	case "link":
		if attrValue(t, "rel") == "next" {
			d.page.NextLink = string(unescapeText(
				[]byte(attrValue(t, "href")), nil))
		}
	case "count":
		text, err := d.leaf()
		if err != nil {
			return err
		}
		n, err := parseInt(bytes.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("invalid ATOM feed: invalid count %q", text)
		}
		d.page.Count = n
		return nil
	}
	return d.skip()
}

// entry reads one entry and hands its row to fn.
func (d *ATOMDecoder) entry(fn func([]any) error) error {
	row := d.newRow()
	d.row++
	for depth := 0; ; {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "properties" &&
				(t.Name.Space == nsMetadata || t.Name.Space == "m"):
				if err := d.properties(row); err != nil {
					return err
				}
			case t.Name.Local == "content" && depth == 0:
				depth++ // the properties are inside
			default:
				if err := d.skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if depth == 0 {
				if err := fn(row); err != nil {
					return err
				}
				d.page.Rows++
				return nil
			}
			depth--
		}
	}
}

// properties reads the children of m:properties into row.
func (d *ATOMDecoder) properties(row []any) error {
	for {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			col, ok := d.index[t.Name.Local]
			if !ok {
				if err := d.skip(); err != nil {
					return err
				}
				continue
			}
			if err := d.property(t, row, col); err != nil {
				return err
			}
		}
	}
}

// property reads one wanted property into row[col].
func (d *ATOMDecoder) property(t xml.StartElement, row []any, col int) error {
	c := &d.cols[col]
	if isNull(t) {
		row[col] = nil
		return d.skip()
	}
	text, err := d.leaf()
	if errors.Is(err, errNotLeaf) {
		return d.valueError(c, "a structured value", errWrongKind)
	}
	if err != nil {
		return err
	}
	v, err := d.convert(c, text)
	if err != nil {
		return d.valueError(c, strconv.Quote(string(shorten(text))), err)
	}
	row[col] = v
	return nil
}

func isNull(t xml.StartElement) bool {
	for _, a := range t.Attr {
		if a.Name.Local == "null" &&
			(a.Name.Space == nsMetadata || a.Name.Space == "m") {
			return a.Value == "true" || a.Value == "1"
		}
	}
	return false
}

var errNotLeaf = errors.New("element has child elements")

// leaf reads the text of the element just started, up to its end. It
// returns errNotLeaf, after skipping the element, when it holds other
// elements. The text is valid until the next call.
func (d *ATOMDecoder) leaf() ([]byte, error) {
	d.text = d.text[:0]
	for {
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			d.text = append(d.text, t...)
		case xml.StartElement:
			if err := d.skip(); err != nil {
				return nil, err
			}
			if err := d.skip(); err != nil {
				return nil, err
			}
			return nil, errNotLeaf
		case xml.EndElement:
			if bytes.Contains(d.text, escUTF8) {
				d.scratch = unescapeText(d.text, d.scratch)
				return d.scratch, nil
			}
			return d.text, nil
		}
	}
}

// skip reads past the end of the element just started.
func (d *ATOMDecoder) skip() error {
	if err := d.dec.Skip(); err != nil {
		return d.syntax(err)
	}
	return nil
}

// end checks that nothing but white space, comments and processing
// instructions follows the feed.
func (d *ATOMDecoder) end() error {
	for {
		tok, err := d.dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return d.syntax(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return fmt.Errorf("invalid ATOM feed: element <%s> after "+
				"the feed", t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("invalid ATOM feed: text after the feed")
			}
		}
	}
}

func (d *ATOMDecoder) valueError(c *connectors.Column, value string, err error) error {
	return &ValueError{Row: d.row, Column: c.Name, Type: c.Type,
		Value: value, Err: err}
}

// convert turns the text of a property into the column's Go value, as
// Decoder's conversions do for the same text in JSON.
func (d *ATOMDecoder) convert(c *connectors.Column, text []byte) (any, error) {
	if c.Type == connectors.TypeString {
		return string(text), nil
	}
	text = bytes.TrimSpace(text)
	switch c.Type {
	case connectors.TypeTimestamp:
		return parseTime(text, d.loc, d.zones)
	case connectors.TypeDecimal:
		var v apd.Decimal
		if err := parseDecimal(text, &v); err != nil {
			return nil, err
		}
		return v, nil
	case connectors.TypeInt:
		return parseInt(text)
	case connectors.TypeFloat:
		return parseFloat(text)
	case connectors.TypeBool:
		switch string(text) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, errBool
	case connectors.TypeDate:
		return parseDate(text, d.zones)
	case connectors.TypeUUID:
		return parseGUID(text)
	case connectors.TypeBinary:
		return parseBinary(text)
	}
	return nil, errWrongKind
}

var errBool = errors.New("not a boolean")

func attrValue(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
