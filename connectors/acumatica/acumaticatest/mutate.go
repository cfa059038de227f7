package acumaticatest

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Mutations build a new snapshot of one table and publish it; responses
// already streaming keep the snapshot they started with. They run one
// at a time. Unknown tenants or entities change nothing and return 0.

// Touch changes n existing rows, chosen pseudo-randomly but
// reproducibly, as an edit in the ERP would: one data column changes
// (SalesOrders: Status and OrderTotal; Customers: Balance;
// PaymentTerms: DueDays) and LastModifiedDateTime moves to now plus k
// milliseconds (k = 1..n in key order, so the new values are distinct
// and increasing). It returns how many rows changed.
func (s *Service) Touch(tenantName, entityName string, n int) int {
	s.mut.Lock()
	defer s.mut.Unlock()
	ref, st := s.lookup(tenantName, entityName)
	if st == nil || n <= 0 {
		return 0
	}
	n = min(n, st.n)
	s.mutations++
	picked := pickRows(st.n, n, mix(st.seed^s.mutations))
	next := *st
	next.touches = maps.Clone(st.touches)
	if next.touches == nil {
		next.touches = make(map[int32]uint32, n)
	}
	for _, idx := range picked {
		next.touches[idx]++
	}
	if st.ent.tracked >= 0 {
		now, step := s.now(), st.step()
		next.lm = slices.Clone(st.lm)
		for k, idx := range picked {
			next.lm[idx] = now + int64(k+1)*step
		}
		next.byLM = next.resort(st.byLM, picked)
	}
	ref.Store(&next)
	return n
}

// Insert adds n rows with new keys (greater than every existing key),
// their LastModifiedDateTime k milliseconds after the later of now and
// the newest existing row. It returns how many rows were added, fewer
// than n only when the key numbering is exhausted.
func (s *Service) Insert(tenantName, entityName string, n int) int {
	s.mut.Lock()
	defer s.mut.Unlock()
	ref, st := s.lookup(tenantName, entityName)
	if st == nil || n <= 0 {
		return 0
	}
	n = min(n, st.capacity()-st.n)
	if n <= 0 {
		return 0
	}
	start := max(s.now(), st.maxLM())
	step := st.step()
	ref.Store(st.appendRows(n, func(k int) int64 {
		return start + int64(k+1)*step
	}))
	return n
}

// InsertTied adds n rows with new keys that all share exactly the
// current largest LastModifiedDateTime of the entity: ties at the
// watermark, which only a (timestamp, key) keyset cursor reads
// correctly. It returns 0 for entities without that column.
func (s *Service) InsertTied(tenantName, entityName string, n int) int {
	s.mut.Lock()
	defer s.mut.Unlock()
	ref, st := s.lookup(tenantName, entityName)
	if st == nil || n <= 0 || st.ent.tracked < 0 {
		return 0
	}
	n = min(n, st.capacity()-st.n)
	if n <= 0 {
		return 0
	}
	top := st.maxLM()
	ref.Store(st.appendRows(n, func(int) int64 { return top }))
	return n
}

func (s *Service) lookup(tenantName, entityName string) (*tableRef, *tableState) {
	e := entityNamed(entityName)
	if e == nil {
		return nil, nil
	}
	ref := s.ref(tenantName, e)
	if ref == nil {
		return nil, nil
	}
	return ref, ref.Load()
}

// step is the distance between timestamps a mutation assigns: one
// millisecond, or the timestamp precision when that is coarser.
func (st *tableState) step() int64 { return max(tickMs, st.unit) }

// appendRows returns a snapshot with n more rows, the kth stamped at(k)
// for both CreatedDateTime and LastModifiedDateTime. at must not
// decrease and must start at or after the newest row, so the
// (timestamp, index) order only grows at its end. Appending in place is
// safe: older snapshots never look past their own length.
func (st *tableState) appendRows(n int, at func(k int) int64) *tableState {
	next := *st
	next.n += n
	if st.ent.tracked >= 0 {
		for k := range n {
			t := at(k)
			next.lm = append(next.lm, t)
			next.created = append(next.created, t)
			next.byLM = append(next.byLM, int32(st.n+k))
		}
	}
	return &next
}

// resort rebuilds the (LastModifiedDateTime, index) order after the
// rows in changed got new timestamps.
func (st *tableState) resort(old []int32, changed []int32) []int32 {
	moved := make(map[int32]bool, len(changed))
	for _, idx := range changed {
		moved[idx] = true
	}
	fresh := slices.Clone(changed)
	st.sortLM(fresh)
	less := func(a, b int32) bool {
		if c := cmp.Compare(st.lm[a], st.lm[b]); c != 0 {
			return c < 0
		}
		return a < b
	}
	out := make([]int32, 0, len(old))
	j := 0
	for _, idx := range old {
		if moved[idx] {
			continue
		}
		for j < len(fresh) && less(fresh[j], idx) {
			out = append(out, fresh[j])
			j++
		}
		out = append(out, idx)
	}
	return append(out, fresh[j:]...)
}

// pickRows chooses n distinct row indexes of [0, total), reproducibly
// from h, returned in increasing (key) order.
func pickRows(total, n int, h uint64) []int32 {
	out := make([]int32, 0, n)
	if n >= total {
		for i := range total {
			out = append(out, int32(i))
		}
		return out
	}
	stride := int(h>>32)%total | 1
	for gcd(stride, total) != 1 {
		stride++
	}
	start := int(h % uint64(total))
	for k := range n {
		out = append(out, int32((start+k*stride)%total))
	}
	slices.Sort(out)
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Columns returns an entity's columns in $metadata order, or nil.
func (s *Service) Columns(entityName string) []Column {
	e := entityNamed(entityName)
	if e == nil {
		return nil
	}
	cols := make([]Column, len(e.cols))
	for i, c := range e.cols {
		cols[i] = c.Column
	}
	return cols
}

// Rows returns every row of an entity in a tenant, sorted by key, with
// values in Columns order: nil, string (also Edm.Guid, lowercase),
// bool, int64, string for Edm.Decimal in canonical form keeping the
// scale ("1234.5600"), and time.Time for Edm.DateTimeOffset (the exact
// instant served, in Options.Location).
func (s *Service) Rows(tenantName, entityName string) [][]any {
	_, st := s.lookup(tenantName, entityName)
	if st == nil {
		return nil
	}
	out := make([][]any, st.n)
	r := newRow(st)
	for idx := range st.n {
		r.reset(idx)
		vals := make([]any, len(st.ent.cols))
		for c := range vals {
			vals[c] = goValue(r.get(c), st.loc)
		}
		out[idx] = vals
	}
	return out
}

func goValue(v *value, loc *time.Location) any {
	if v.null {
		return nil
	}
	switch v.kind {
	case kBool:
		return v.i != 0
	case kInt:
		return v.i
	case kDecimal:
		return string(appendDecimal(nil, v.i, int(v.scale)))
	case kTime:
		return timeOf(v.i, loc)
	}
	return string(v.s)
}
