package acumaticatest

import (
	"bytes"
	"cmp"
	"slices"
	"sort"
)

// Each table keeps two sort orders: key order (the row index itself)
// and, for tracked entities, (LastModifiedDateTime, keys). A query whose
// $orderby fits one of them walks it; the filter's leading conditions on
// the order's columns are turned into a [lo, hi) range by binary search,
// so keyset pages over a million rows cost a few comparisons to find.
// Other orders collect the matching rows and sort them.

type walker struct {
	st    *tableState
	order []int32 // positions to row indexes; nil means identity
	cols  []int   // the columns the order sorts by, ascending
	probe *row    // scratch row for binary searches
}

func (w *walker) idx(pos int) int {
	if w.order == nil {
		return pos
	}
	return int(w.order[pos])
}

// fits reports whether walking w satisfies the requested order: the
// requested keys must follow w's columns, ascending, until they cover
// the entity key (beyond which the order is fully determined).
func (w *walker) fits(order []orderKey) bool {
	keys := w.st.ent.keys
	for i, k := range order {
		if containsAll(w.cols[:i], keys) {
			return true
		}
		if k.desc || i >= len(w.cols) || w.cols[i] != k.col {
			return false
		}
	}
	return true
}

func containsAll(have, want []int) bool {
	for _, c := range want {
		if !slices.Contains(have, c) {
			return false
		}
	}
	return true
}

func (st *tableState) walkers() []*walker {
	keyed := &walker{st: st, cols: st.ent.keys}
	ws := []*walker{keyed}
	if st.ent.tracked >= 0 {
		cols := append([]int{st.ent.tracked}, st.ent.keys...)
		ws = append(ws, &walker{st: st, order: st.byLM, cols: cols})
	}
	for _, w := range ws {
		w.probe = newRow(st)
	}
	return ws
}

// run calls emit for each row the query returns, in order, until emit
// returns false. The row passed to emit is reused between calls.
func (st *tableState) run(q *query, emit func(r *row) bool) {
	ws := st.walkers()
	for _, w := range ws {
		if w.fits(q.order) {
			w.walk(q, emit)
			return
		}
	}
	st.sorted(ws[0], q, emit)
}

// bounds returns the range of positions that can hold matching rows.
func (w *walker) bounds(f *node) (lo, hi int) {
	n := w.st.n
	if f == nil {
		return 0, n
	}
	return w.lower(f, 0, 0, n), w.upper(f, 0, 0, n)
}

func (w *walker) walk(q *query, emit func(r *row) bool) {
	lo, hi := w.bounds(q.filter)
	skip, top := q.skip, q.top
	if q.filter == nil {
		lo, skip = min(lo+skip, hi), 0
	}
	r := newRow(w.st)
	for pos := lo; pos < hi && top != 0; pos++ {
		r.reset(w.idx(pos))
		if q.filter != nil && !q.filter.matches(r) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if !emit(r) {
			return
		}
		top--
	}
}

// sorted serves an order no walker fits: the matching rows' sort values
// are copied out, sorted (ties by key, nulls first as in SQL Server),
// and the page is generated again from the indexes.
func (st *tableState) sorted(w *walker, q *query, emit func(r *row) bool) {
	type rec struct {
		idx  int
		vals []value
	}
	var recs []rec
	lo, hi := w.bounds(q.filter)
	r := newRow(st)
	for pos := lo; pos < hi; pos++ {
		r.reset(pos)
		if q.filter != nil && !q.filter.matches(r) {
			continue
		}
		vals := make([]value, len(q.order))
		for i, k := range q.order {
			vals[i] = *r.get(k.col)
			vals[i].s = bytes.Clone(vals[i].s)
		}
		recs = append(recs, rec{idx: pos, vals: vals})
	}
	slices.SortFunc(recs, func(a, b rec) int {
		for i, k := range q.order {
			c := compareNullable(&a.vals[i], &b.vals[i])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.idx, b.idx)
	})
	recs = recs[min(q.skip, len(recs)):]
	if q.top >= 0 && q.top < len(recs) {
		recs = recs[:q.top]
	}
	for _, rc := range recs {
		r.reset(rc.idx)
		if !emit(r) {
			return
		}
	}
}

func compareNullable(a, b *value) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return -1
	case b.null:
		return 1
	}
	return compareValues(a, b)
}

// search returns the first position in [lo, hi) whose column k compares
// above v (strict) or at least equal to v, assuming the segment is
// sorted by that column.
func (w *walker) search(lo, hi, k int, v *value, strict bool) int {
	c := w.cols[k]
	return lo + sort.Search(hi-lo, func(i int) bool {
		w.probe.reset(w.idx(lo + i))
		x := compareValues(w.probe.get(c), v)
		if strict {
			return x > 0
		}
		return x >= 0
	})
}

// lower returns a position in [lo, hi] before which no row of the
// segment matches f. Rows of the segment agree on the order's first k
// columns and are sorted by column k.
func (w *walker) lower(f *node, k, lo, hi int) int {
	if lo >= hi || k >= len(w.cols) {
		return lo
	}
	switch f.kind {
	case nAnd:
		return w.lowerAll(conjuncts(f, nil), k, lo, hi)
	case nOr:
		return min(w.lower(f.args[0], k, lo, hi), w.lower(f.args[1], k, lo, hi))
	}
	if col, op, v, ok := f.colCmp(); ok && col == w.cols[k] {
		switch op {
		case opGt:
			return w.search(lo, hi, k, v, true)
		case opGe, opEq:
			return w.search(lo, hi, k, v, false)
		}
	}
	return lo
}

// lowerAll bounds a conjunction. An equality on column k narrows the
// segment to the rows holding that value, where the remaining
// conditions bound column k+1.
func (w *walker) lowerAll(fs []*node, k, lo, hi int) int {
	if i, v := w.equality(fs, k); v != nil {
		elo := w.search(lo, hi, k, v, false)
		ehi := w.search(elo, hi, k, v, true)
		rest := slices.Delete(slices.Clone(fs), i, i+1)
		return w.lowerAll(rest, k+1, elo, ehi)
	}
	p := lo
	for _, f := range fs {
		p = max(p, w.lower(f, k, lo, hi))
	}
	return p
}

// upper returns a position in [lo, hi] from which no row of the
// segment matches f.
func (w *walker) upper(f *node, k, lo, hi int) int {
	if lo >= hi || k >= len(w.cols) {
		return hi
	}
	switch f.kind {
	case nAnd:
		return w.upperAll(conjuncts(f, nil), k, lo, hi)
	case nOr:
		return max(w.upper(f.args[0], k, lo, hi), w.upper(f.args[1], k, lo, hi))
	}
	if col, op, v, ok := f.colCmp(); ok && col == w.cols[k] {
		switch op {
		case opLt:
			return w.search(lo, hi, k, v, false)
		case opLe, opEq:
			return w.search(lo, hi, k, v, true)
		}
	}
	return hi
}

func (w *walker) upperAll(fs []*node, k, lo, hi int) int {
	if i, v := w.equality(fs, k); v != nil {
		elo := w.search(lo, hi, k, v, false)
		ehi := w.search(elo, hi, k, v, true)
		rest := slices.Delete(slices.Clone(fs), i, i+1)
		if len(rest) == 0 || elo == ehi {
			return ehi
		}
		return w.upperAll(rest, k+1, elo, ehi)
	}
	p := hi
	for _, f := range fs {
		p = min(p, w.upper(f, k, lo, hi))
	}
	return p
}

// equality finds "column k eq literal" among conjuncts.
func (w *walker) equality(fs []*node, k int) (int, *value) {
	if k >= len(w.cols) {
		return -1, nil
	}
	for i, f := range fs {
		if col, op, v, ok := f.colCmp(); ok && op == opEq && col == w.cols[k] {
			return i, v
		}
	}
	return -1, nil
}

// conjuncts flattens nested ands.
func conjuncts(f *node, out []*node) []*node {
	if f.kind != nAnd {
		return append(out, f)
	}
	return conjuncts(f.args[1], conjuncts(f.args[0], out))
}
