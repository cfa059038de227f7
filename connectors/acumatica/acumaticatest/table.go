package acumaticatest

import (
	"cmp"
	"hash/fnv"
	"slices"
	"time"
)

// Column describes one property of an entity, in $metadata order.
type Column struct {
	Name      string
	Type      string // Edm type name, e.g. "Edm.Decimal"
	Scale     int    // decimal scale; -1 for Scale="Variable"
	Precision int    // decimal precision; 0 when not declared
	Key       bool
	Nullable  bool
}

// column is a Column plus how the fake produces its values.
type column struct {
	Column
	kind kind
	gen  func(r *row, v *value)
}

// entity is one generic inquiry exposed as an entity set.
type entity struct {
	name    string
	cols    []column
	keys    []int // column indexes of the key, in key order
	tracked int   // LastModifiedDateTime column, -1 when absent
	// count is the number of generated rows for Options.Rows.
	count func(rows int) int
}

func (e *entity) col(name string) int {
	for i := range e.cols {
		if e.cols[i].Name == name {
			return i
		}
	}
	return -1
}

// tenant is one company of the instance, with its own data.
type tenant struct {
	name      string
	seed      uint64
	customers int // generated Customers rows, referenced by SalesOrders
	tables    []*tableRef
}

// tableState is an immutable snapshot of one entity's data in one tenant.
// Rows are identified by index; index order is key order because keys
// are generated increasing with the index. Mutations build a new
// snapshot, so a response streams one consistent state.
type tableState struct {
	ent   *entity
	tn    *tenant
	seed  uint64
	base  int // generated rows; indexes >= base were inserted
	n     int // all rows
	width int // digits of generated numbers in keys
	// unit is the tick granularity of generated timestamps.
	unit int64
	loc  *time.Location
	// For tracked entities: timestamps in ticks, by row index, and the
	// row indexes sorted by (LastModifiedDateTime, index).
	lm      []int64
	created []int64
	byLM    []int32
	touches map[int32]uint32 // how often Touch changed a row
}

func (st *tableState) touched(idx int) uint32 {
	if len(st.touches) == 0 {
		return 0
	}
	return st.touches[int32(idx)]
}

// mix is splitmix64's finaliser: a cheap, well-spread hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// row is a lazily generated view of one row: a column is produced the
// first time it is asked for. Strings are appended to arena, which is
// reused from row to row, so steady-state serving does not allocate.
type row struct {
	st    *tableState
	idx   int
	seed  uint64
	have  uint64
	vals  []value
	arena []byte
}

func newRow(st *tableState) *row {
	return &row{st: st, vals: make([]value, len(st.ent.cols)),
		arena: make([]byte, 0, 1024)}
}

func (r *row) reset(idx int) {
	r.idx = idx
	r.have = 0
	r.arena = r.arena[:0]
	r.seed = mix(r.st.seed ^ uint64(idx)*0xd1b54a32d192ed03)
}

// get returns column c of the current row.
func (r *row) get(c int) *value {
	v := &r.vals[c]
	if r.have&(1<<c) == 0 {
		col := &r.st.ent.cols[c]
		*v = value{kind: col.kind}
		col.gen(r, v)
		r.have |= 1 << c
	}
	return v
}

// rnd is a pseudo-random number for the current row, distinct per salt
// and independent of which columns were generated before.
func (r *row) rnd(salt uint64) uint64 {
	return mix(r.seed + salt*0x9e3779b97f4a7c15)
}

// text starts a string value in the arena; finish it with end.
func (r *row) text() int { return len(r.arena) }

func (r *row) end(v *value, start int) {
	v.s = r.arena[start:len(r.arena):len(r.arena)]
}

func (r *row) str(v *value, s string) {
	start := r.text()
	r.arena = append(r.arena, s...)
	r.end(v, start)
}

// padded appends s right-padded with spaces to width, as Acumatica
// returns fixed-width key fields.
func (r *row) padded(v *value, s string, width int) {
	start := r.text()
	r.arena = append(r.arena, s...)
	for i := len(s); i < width; i++ {
		r.arena = append(r.arena, ' ')
	}
	r.end(v, start)
}

// appendNumber appends n zero-padded to width digits.
func appendNumber(b []byte, n int, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	for d := len(tmp) - i; d < width; d++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// digitsFor returns the key number width that leaves room for growth:
// at least 6 digits, more when rows*10 needs them.
func digitsFor(rows int) int {
	w, limit := 6, 1_000_000
	for rows*10 >= limit {
		w++
		limit *= 10
	}
	return w
}

func maxNumber(width int) int {
	n := 1
	for range width {
		n *= 10
	}
	return n - 1
}

// Time helpers. Timestamps are ticks: 100 ns units since the Unix epoch.

func ticksOf(t time.Time) int64 {
	return t.Unix()*ticksPerSecond + int64(t.Nanosecond()/100)
}

func timeOf(ticks int64, loc *time.Location) time.Time {
	sec, rem := ticks/ticksPerSecond, ticks%ticksPerSecond
	if rem < 0 {
		sec--
		rem += ticksPerSecond
	}
	return time.Unix(sec, rem*100).In(loc)
}

// midnight returns local midnight, plus days, of the day holding ticks.
func midnight(ticks int64, days int, loc *time.Location) int64 {
	y, m, d := timeOf(ticks, loc).Date()
	return ticksOf(time.Date(y, m, d+days, 0, 0, 0, 0, loc))
}

const (
	tickMs  = ticksPerSecond / 1000
	tickDay = 86400 * ticksPerSecond
)

// generateTimes fills created and LastModifiedDateTime for n rows,
// spread over the two years before now. Some rows tie with the row
// before them and a few share one of three mass-update instants, as
// real data does after imports and mass actions.
func (st *tableState) generateTimes(now int64) {
	n := st.n
	st.lm = make([]int64, n)
	st.created = make([]int64, n)
	start := now - 730*tickDay
	span := int64(720 * tickDay)
	mass := [3]int64{now - 400*tickDay, now - 90*tickDay, now - 7*tickDay}
	for i := range mass {
		mass[i] = st.trunc(mass[i] + int64(mix(st.seed+uint64(i))%uint64(tickDay)))
	}
	for i := range n {
		h := mix(st.seed ^ uint64(i)*0x94d049bb133111eb ^ 0x5eed)
		c := start + span*int64(i)/int64(max(n, 1)) + int64(h%uint64(tickDay))
		c = st.trunc(c)
		var m int64
		switch {
		case i > 0 && (h>>32)%100 < 4:
			m = st.lm[i-1]
		case (h>>40)%97 == 0:
			m = mass[(h>>48)%3]
		default:
			m = st.trunc(c + int64((h>>8)%uint64(45*tickDay)))
		}
		if limit := now - 60*ticksPerSecond; m > limit {
			m = st.trunc(limit - int64(h%uint64(3600*ticksPerSecond)))
		}
		st.created[i] = min(c, m)
		st.lm[i] = m
	}
	st.stampFallBack(start, now-60*ticksPerSecond)
	st.byLM = make([]int32, n)
	for i := range st.byLM {
		st.byLM[i] = int32(i)
	}
	st.sortLM(st.byLM)
}

func (st *tableState) trunc(t int64) int64 { return t - t%st.unit }

func (st *tableState) sortLM(idx []int32) {
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(st.lm[a], st.lm[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
}

// maxLM is the largest LastModifiedDateTime, or 0 for an empty table.
func (st *tableState) maxLM() int64 {
	if len(st.byLM) == 0 {
		return 0
	}
	return st.lm[st.byLM[len(st.byLM)-1]]
}
