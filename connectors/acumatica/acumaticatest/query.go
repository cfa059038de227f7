package acumaticatest

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// query is a parsed request for an entity set.
type query struct {
	ent    *entity
	filter *node      // nil: every row
	sel    []int      // columns to return, in $metadata order
	selTxt string     // the $select list for @odata.context; "" for all
	order  []orderKey // $orderby
	top    int        // -1: no $top
	skip   int
}

type orderKey struct {
	col  int
	desc bool
}

// supportedOptions are the system query options a generic inquiry
// accepts; $expand, $count and the rest are refused.
var supportedOptions = map[string]bool{
	"$filter": true, "$select": true, "$orderby": true, "$top": true,
	"$skip": true, "$format": true,
}

// parseQuery reads the query options of an OData v4 entity set request.
func parseQuery(ent *entity, rawQuery string, loc *time.Location) (*query, error) {
	return parseQueryIn(ent, rawQuery, loc, dialect{})
}

// parseQueryIn reads the query options of an entity set request made
// through a surface of the given dialect.
func parseQueryIn(ent *entity, rawQuery string, loc *time.Location, d dialect) (*query, error) {
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, errorf(400, "The query string is malformed: %v", err)
	}
	q := &query{ent: ent, top: -1}
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		if !strings.HasPrefix(name, "$") {
			continue // custom options such as locale are ignored
		}
		if !supportedOptions[name] {
			return nil, errorf(500, "The query parameter '%s' is not supported.", name)
		}
		if len(vals[name]) > 1 {
			return nil, errorf(500, "Query option '%s' was specified more "+
				"than once, but it must be specified at most once.", name)
		}
	}
	if f := vals.Get("$format"); f != "" && !d.knownFormat(f) {
		return nil, errorf(406, "The requested format '%s' is not supported.", f)
	}
	if f := strings.TrimSpace(vals.Get("$filter")); f != "" {
		if q.filter, err = parseFilterIn(f, ent, loc, d); err != nil {
			return nil, err
		}
	} else if vals.Has("$filter") {
		return nil, errorf(500, "Expression expected at position 0 in ''.")
	}
	if err := q.parseSelect(vals); err != nil {
		return nil, err
	}
	if err := q.parseOrderBy(vals.Get("$orderby")); err != nil {
		return nil, err
	}
	if q.top, err = nonNegative(vals, "$top", -1); err != nil {
		return nil, err
	}
	if q.skip, err = nonNegative(vals, "$skip", 0); err != nil {
		return nil, err
	}
	return q, nil
}

func nonNegative(vals url.Values, name string, def int) (int, error) {
	if !vals.Has(name) {
		return def, nil
	}
	s := vals.Get(name)
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errorf(500, "Invalid value '%s' for %s query option found. "+
			"The %s query option requires a non-negative integer value.",
			s, name, name)
	}
	return n, nil
}

func (q *query) propertyError(name string) error {
	return errorf(500, "Could not find a property named '%s' on type "+
		"'GenericInquiry.%s'.", name, q.ent.name)
}

func (q *query) parseSelect(vals url.Values) error {
	s := strings.TrimSpace(vals.Get("$select"))
	if s == "" || s == "*" {
		return nil
	}
	want := make([]bool, len(q.ent.cols))
	for _, item := range strings.Split(s, ",") {
		name := strings.TrimSpace(item)
		if name == "*" {
			return nil
		}
		c := q.ent.col(name)
		if c < 0 {
			return q.propertyError(name)
		}
		want[c] = true
	}
	var names []string
	for c, ok := range want {
		if ok {
			q.sel = append(q.sel, c)
			names = append(names, q.ent.cols[c].Name)
		}
	}
	q.selTxt = strings.Join(names, ",")
	return nil
}

func (q *query) parseOrderBy(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		fields := strings.Fields(item)
		if len(fields) == 0 || len(fields) > 2 {
			return errorf(500, "Syntax error at position %d in '%s'.",
				len(item), s)
		}
		c := q.ent.col(fields[0])
		if c < 0 {
			return q.propertyError(fields[0])
		}
		k := orderKey{col: c}
		if len(fields) == 2 {
			switch fields[1] {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return errorf(500, "Syntax error at position %d in '%s'.",
					strings.Index(s, fields[1]), s)
			}
		}
		q.order = append(q.order, k)
	}
	return nil
}

// columns returns the output columns.
func (q *query) columns() []int {
	if q.sel != nil {
		return q.sel
	}
	all := make([]int, len(q.ent.cols))
	for i := range all {
		all[i] = i
	}
	return all
}
