package odata

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/syncctl/syncctl/connectors"
)

// Decoder reads OData JSON response bodies (v4 JSON, v3 JSON light and
// v2 verbose JSON) as a stream: it converts each row's wanted properties
// straight into their column types while the body is read, without
// building maps or reflecting. One Decoder serves any number of bodies,
// one at a time; it is not safe for concurrent use.
type Decoder struct {
	rowShape
	sc scanner

	// order remembers which column each property position of the last
	// row went to, so rows with the usual property order skip the map.
	order []keyIndex

	row  int // rows read from the current body
	page Page
}

type keyIndex struct {
	key string
	col int // -1: not wanted
}

// DecodeOptions tune a Decoder.
type DecodeOptions struct {
	// Location is the zone of date-times without an offset; nil is UTC.
	Location *time.Location
	// SlabRows is how many rows share one allocation; rows are cut from
	// slabs of this size. It is usually the page size; 0 means 256.
	SlabRows int
}

// Page describes one decoded response body.
type Page struct {
	// Rows is the number of rows handed to the callback.
	Rows int
	// NextLink is the body's @odata.nextLink (odata.nextLink, __next), as
	// written: it may be relative.
	NextLink string
	// Count is @odata.count (odata.count, __count), or -1 when absent.
	Count int64
}

// NewDecoder returns a decoder of rows with the given columns: each row
// holds one value per column, in order, nil for properties the body does
// not carry.
func NewDecoder(cols []connectors.Column, opts DecodeOptions) *Decoder {
	return &Decoder{rowShape: newRowShape(cols, opts)}
}

// rowShape is what both decoders share: the wanted columns, where each
// goes in a row, how wall times are read, and the slab rows are cut
// from.
type rowShape struct {
	cols     []connectors.Column
	index    map[string]int
	loc      *time.Location
	zones    zoneCache
	slab     []any
	slabRows int
}

func newRowShape(cols []connectors.Column, opts DecodeOptions) rowShape {
	r := rowShape{cols: cols, index: make(map[string]int, len(cols)),
		loc: opts.Location, zones: zoneCache{}, slabRows: opts.SlabRows}
	if r.loc == nil {
		r.loc = time.UTC
	}
	if r.slabRows <= 0 {
		r.slabRows = 256
	}
	for i, c := range cols {
		r.index[c.Name] = i
	}
	return r
}

// ErrEmptyBody is returned for a body with no content at all. Acumatica
// answers so (HTTP 200) for filters on calculated columns.
var ErrEmptyBody = errors.New("empty response body (Acumatica returns " +
	"this for filters on calculated columns)")

// ValueError reports a property whose value does not fit its column.
type ValueError struct {
	Row    int // 1-based, within the body
	Column string
	Type   connectors.Type
	// Value is the JSON text of the value, shortened when long.
	Value string
	Err   error
}

// Error names the row, the column and the value.
func (e *ValueError) Error() string {
	return fmt.Sprintf("row %d: column %s: cannot read %s as %s: %v",
		e.Row, e.Column, e.Value, e.Type, e.Err)
}

// Unwrap returns the conversion error.
func (e *ValueError) Unwrap() error { return e.Err }

// Decode reads one response body from r, calling fn with each row as soon
// as it is read. fn may keep the row. Decode stops at the first error fn
// returns and returns it unchanged. A body that is not a JSON object (an
// HTML page, an empty body) is an error: ErrEmptyBody for an empty one.
func (d *Decoder) Decode(r io.Reader, fn func(row []any) error) (Page, error) {
	d.sc.reset(r)
	d.row = 0
	d.page = Page{Count: -1}
	d.sc.skipBOM()
	switch c := d.sc.peek(); c {
	case '{':
	case 0:
		if d.sc.err != nil {
			return d.page, d.sc.err
		}
		return d.page, ErrEmptyBody
	default:
		return d.page, d.notJSON()
	}
	if err := d.object(fn, 0); err != nil {
		return d.page, err
	}
	if c := d.sc.peek(); c != 0 {
		return d.page, d.sc.fail("end of input")
	}
	if d.sc.err != nil {
		return d.page, d.sc.err
	}
	return d.page, nil
}

// notJSON describes a body that does not start like JSON.
func (d *Decoder) notJSON() error {
	d.sc.more(d.sc.pos)
	head := d.sc.buf[d.sc.pos:min(d.sc.end, d.sc.pos+4096)]
	if msg := ParseErrorBody(head); msg != nil {
		return fmt.Errorf("response is not JSON: %w", msg)
	}
	return fmt.Errorf("response is not JSON")
}

// object reads the top-level object of a body (or the "d" object of v2
// verbose JSON at depth 1), looking for rows and paging links.
func (d *Decoder) object(fn func([]any) error, depth int) error {
	sc := &d.sc
	if err := sc.expect('{'); err != nil {
		return err
	}
	if sc.peek() == '}' {
		sc.pos++
		return nil
	}
	for {
		if sc.peek() != '"' {
			return sc.fail("a property name")
		}
		key, err := sc.readString()
		if err != nil {
			return err
		}
		kind := topKey(key, depth)
		if err := sc.expect(':'); err != nil {
			return err
		}
		if err := d.topValue(kind, fn, depth); err != nil {
			return err
		}
		if done, err := sc.next('}'); err != nil || done {
			return err
		}
	}
}

type keyKind int

const (
	keyOther keyKind = iota
	keyRows
	keyNext
	keyCount
	keyVerbose // "d" of v2 verbose JSON
)

func topKey(key []byte, depth int) keyKind {
	switch string(key) {
	case "value":
		return keyRows
	case "results":
		if depth == 1 {
			return keyRows
		}
	case "@odata.nextLink", "odata.nextLink", "__next":
		return keyNext
	case "@odata.count", "odata.count", "__count":
		return keyCount
	case "d":
		return keyVerbose
	}
	return keyOther
}

func (d *Decoder) topValue(kind keyKind, fn func([]any) error, depth int) error {
	sc := &d.sc
	switch {
	case kind == keyRows && sc.peek() == '[':
		return d.rows(fn)
	case kind == keyVerbose && depth == 0 && sc.peek() == '{':
		return d.object(fn, depth+1)
	case kind == keyVerbose && depth == 0 && sc.peek() == '[':
		return d.rows(fn)
	case kind == keyNext && sc.peek() == '"':
		s, err := sc.readString()
		d.page.NextLink = string(s)
		return err
	case kind == keyCount:
		return d.count()
	}
	return sc.skipValue()
}

// count reads a count written as a number or, in v2/v3, a string.
func (d *Decoder) count() error {
	sc := &d.sc
	var text []byte
	switch c := sc.peek(); {
	case c == '"':
		s, err := sc.readString()
		if err != nil {
			return err
		}
		text = s
	case c == '-' || '0' <= c && c <= '9':
		text = sc.readNumber()
	default:
		return sc.skipValue()
	}
	n, err := parseInt(text)
	if err != nil {
		return &SyntaxError{Offset: sc.base + int64(sc.pos),
			Msg: fmt.Sprintf("invalid count %q", text)}
	}
	d.page.Count = n
	return nil
}

// rows reads the array of row objects.
func (d *Decoder) rows(fn func([]any) error) error {
	sc := &d.sc
	sc.pos++ // '['
	if sc.peek() == ']' {
		sc.pos++
		return nil
	}
	for {
		row := d.newRow()
		d.row++
		if err := d.readRow(row); err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
		d.page.Rows++
		if done, err := sc.next(']'); err != nil || done {
			return err
		}
	}
}

// newRow cuts a zeroed row from the current slab, allocating a new slab
// when it is used up. The row's capacity ends at its length, so a caller
// appending to it cannot overwrite the next row.
func (r *rowShape) newRow() []any {
	n := len(r.cols)
	if len(r.slab) < n {
		r.slab = make([]any, n*r.slabRows)
	}
	row := r.slab[:n:n]
	r.slab = r.slab[n:]
	return row
}

// readRow reads one row object into row.
func (d *Decoder) readRow(row []any) error {
	sc := &d.sc
	if err := sc.expect('{'); err != nil {
		return err
	}
	if sc.peek() == '}' {
		sc.pos++
		return nil
	}
	for k := 0; ; k++ {
		if sc.peek() != '"' {
			return sc.fail("a property name")
		}
		key, err := sc.readString()
		if err != nil {
			return err
		}
		col := d.column(k, key)
		if err := sc.expect(':'); err != nil {
			return err
		}
		if col < 0 {
			err = sc.skipValue()
		} else {
			err = d.value(row, col)
		}
		if err != nil {
			return err
		}
		if done, err := sc.next('}'); err != nil || done {
			return err
		}
	}
}

// column finds the column of the k-th property of a row, -1 if unwanted.
func (d *Decoder) column(k int, key []byte) int {
	if k < len(d.order) && d.order[k].key == string(key) {
		return d.order[k].col
	}
	col, ok := d.index[string(key)]
	if !ok {
		col = -1
	}
	ki := keyIndex{key: string(key), col: col}
	if k < len(d.order) {
		d.order[k] = ki
	} else if k == len(d.order) {
		d.order = append(d.order, ki)
	}
	return col
}

// value reads one property value into row[col], converting it to the
// column's type.
func (d *Decoder) value(row []any, col int) error {
	sc := &d.sc
	c := &d.cols[col]
	switch b := sc.peek(); {
	case b == '"':
		s, err := sc.readString()
		if err != nil {
			return err
		}
		v, err := d.fromString(c, s)
		if err != nil {
			return d.valueError(c, strconv.Quote(string(shorten(s))), err)
		}
		row[col] = v
	case b == '-' || '0' <= b && b <= '9':
		s := sc.readNumber()
		v, err := d.fromNumber(c, s)
		if err != nil {
			return d.valueError(c, string(shorten(s)), err)
		}
		row[col] = v
	case b == 'n':
		if !sc.readWord("null") {
			return sc.fail("null")
		}
		row[col] = nil
	case b == 't' || b == 'f':
		v := b == 't'
		w := "false"
		if v {
			w = "true"
		}
		if !sc.readWord(w) {
			return sc.fail(w)
		}
		if c.Type != connectors.TypeBool {
			return d.valueError(c, w, errWrongKind)
		}
		row[col] = v
	case b == '{' || b == '[':
		what := "an object"
		if b == '[' {
			what = "an array"
		}
		return d.valueError(c, what, errWrongKind)
	default:
		return sc.fail("a value")
	}
	return nil
}

var errWrongKind = errors.New("wrong JSON type")

func (d *Decoder) valueError(c *connectors.Column, value string, err error) error {
	return &ValueError{Row: d.row, Column: c.Name, Type: c.Type,
		Value: value, Err: err}
}

// shorten keeps error messages readable for long values.
func shorten(b []byte) []byte {
	const max = 64
	if len(b) <= max {
		return b
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return append(b[:cut:cut], "..."...)
}

// fromString converts a JSON string. Besides strings, dates and GUIDs,
// numbers arrive as strings too: decimals from some services, 64-bit
// integers from IEEE754Compatible ones, and NaN/INF doubles.
func (d *Decoder) fromString(c *connectors.Column, s []byte) (any, error) {
	switch c.Type {
	case connectors.TypeString:
		return string(s), nil
	case connectors.TypeTimestamp:
		return parseTime(s, d.loc, d.zones)
	case connectors.TypeDecimal:
		var v apd.Decimal
		if err := parseDecimal(s, &v); err != nil {
			return nil, err
		}
		return v, nil
	case connectors.TypeInt:
		return parseInt(s)
	case connectors.TypeFloat:
		return parseFloat(s)
	case connectors.TypeDate:
		return parseDate(s, d.zones)
	case connectors.TypeUUID:
		return parseGUID(s)
	case connectors.TypeBinary:
		return parseBinary(s)
	}
	return nil, errWrongKind
}

// fromNumber converts a JSON number.
func (d *Decoder) fromNumber(c *connectors.Column, s []byte) (any, error) {
	switch c.Type {
	case connectors.TypeDecimal:
		var v apd.Decimal
		if err := parseDecimal(s, &v); err != nil {
			return nil, err
		}
		return v, nil
	case connectors.TypeInt:
		return parseInt(s)
	case connectors.TypeFloat:
		return parseFloat(s)
	}
	return nil, errWrongKind
}
