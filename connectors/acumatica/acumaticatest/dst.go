package acumaticatest

import "time"

// fallBackRows is how many rows are stamped inside the repeated hour of
// the last daylight-saving fall-back before the clock, when the zone has
// one: enough for several pages of a small page size, in both passes.
func fallBackRows(n int) int { return min(n/2, max(n/100, 24)) }

// stampFallBack moves some rows' LastModifiedDateTime into the two
// passes of the last fall-back in (start, now), so that every zone with
// daylight saving time serves wall times that repeat: rows of the first
// pass (01:00-02:00 daylight time) and of the second (01:00-02:00
// standard time) alternate evenly, pairs of them share a wall time, and
// a few share an instant. Zones without a fall-back in the range change
// nothing. It runs before byLM is built.
func (st *tableState) stampFallBack(start, now int64) {
	lo, hi, ok := lastFallBack(timeOf(start, st.loc), timeOf(now, st.loc))
	if !ok {
		return
	}
	k := fallBackRows(st.n)
	if k < 2 {
		return
	}
	span := ticksOf(hi) - ticksOf(lo)
	first := ticksOf(lo)
	picked := pickRows(st.n, k, mix(st.seed^0xfa11))
	for j, idx := range picked {
		at := st.trunc(first + span*int64(j)/int64(k))
		if j%7 == 6 {
			at = st.lm[picked[j-1]]
		}
		st.lm[idx] = at
		st.created[idx] = min(st.created[idx], at)
	}
}

// lastFallBack finds the last transition in (from, to) where the zone's
// offset drops, and returns the instants [lo, hi) whose wall times
// repeat around it: both passes of the repeated hour.
func lastFallBack(from, to time.Time) (lo, hi time.Time, ok bool) {
	for t := to; t.After(from); {
		start, _ := t.ZoneBounds()
		if start.IsZero() || !start.After(from) {
			return lo, hi, false
		}
		_, off := start.Zone()
		_, prev := start.Add(-time.Second).Zone()
		if shift := time.Duration(prev-off) * time.Second; shift > 0 {
			if start.Add(shift).Before(to) {
				return start.Add(-shift), start.Add(shift), true
			}
		}
		t = start.Add(-time.Second)
	}
	return lo, hi, false
}
