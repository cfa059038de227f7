package acumatica

import (
	"fmt"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/odata"
)

// Wall times without an offset (OData v3's Edm.DateTime, or local times
// labelled +00:00) repeat once a year: in a daylight-saving fall-back,
// the clock reads 01:00-02:00 twice. A filter literal of that hour,
// datetime'2026-11-01T01:30:00', names two instants, and the service
// picks one of them (which one is not documented). A keyset position
// there is therefore ambiguous, and paging on from it may skip the rows
// of the other pass. So when a page ends inside a repeated hour the
// reader reads the whole of it again, by key only, between bounds that
// are not ambiguous (one second before its first pass, and its end),
// then goes on from the end of the hour. Rows of that hour may be read
// twice, which merging by key makes harmless; none is lost.

// wallTimes reports whether column c holds wall times in the dialect's
// zone: Edm.DateTime in OData v3, or any date-time with
// local_time_as_utc.
func (p *readPlan) wallTimes(c connectors.Column) bool {
	if c.Type != connectors.TypeTimestamp {
		return false
	}
	return p.dialect.LocalAsUTC ||
		p.dialect.Version == odata.V3 && c.SourceType != "Edm.DateTimeOffset"
}

// repeatedHour reports whether t's wall time in loc is one that occurs
// twice, and returns the instants [lo, hi) of both passes.
func repeatedHour(t time.Time, loc *time.Location) (lo, hi time.Time, ok bool) {
	if loc == nil {
		return lo, hi, false
	}
	t = t.In(loc)
	start, end := t.ZoneBounds()
	_, off := t.Zone()
	// Just after a fall-back: the hour before start repeats.
	if !start.IsZero() {
		_, prevOff := start.Add(-time.Nanosecond).Zone()
		if shift := time.Duration(prevOff-off) * time.Second; shift > 0 &&
			t.Before(start.Add(shift)) {
			return start.Add(-shift), start.Add(shift), true
		}
	}
	// Just before a fall-back: the last hour before end repeats after it.
	if !end.IsZero() {
		_, nextOff := end.Zone()
		if shift := time.Duration(off-nextOff) * time.Second; shift > 0 &&
			!t.Before(end.Add(-shift)) {
			return end.Add(-shift), end.Add(shift), true
		}
	}
	return lo, hi, false
}

// widenFallBack lowers a wall-time bound that falls in a repeated hour
// to one second before its first pass, a wall time that is not
// ambiguous, so that rows stamped in either pass are read.
func widenFallBack(t time.Time, loc *time.Location) time.Time {
	if lo, _, ok := repeatedHour(t, loc); ok {
		return lo.Add(-time.Second)
	}
	return t
}

// fold is a read's progress through a repeated hour.
type fold struct {
	// lo and hi bound the repeated hour being read by key; zero when
	// none is.
	lo, hi time.Time
	// keys are the key values of the last row read in it.
	keys []any
	// since is the lower bound once past a repeated hour: its end.
	since time.Time
	// past is true from leaving a repeated hour until the next row:
	// the last position, inside the hour, is not to page from.
	past bool
}

func (f *fold) active() bool { return !f.lo.IsZero() }

// delivered records a row's ordering values (tracking column, keys).
func (f *fold) delivered(inFold bool, pos []any) {
	if inFold {
		f.keys = append(f.keys[:0], pos[1:]...)
		return
	}
	f.past = false
}

// leave ends the reading of a repeated hour.
func (f *fold) leave() {
	f.since, f.past = f.hi, true
	f.lo, f.hi, f.keys = time.Time{}, time.Time{}, nil
}

// pageURL returns the URL of the next page after the position after,
// reading a repeated hour by key when after falls in one.
func (p *readPlan) pageURL(f *fold, after []any) (string, error) {
	if p.wall != nil && !f.active() && !f.past && len(after) > 0 {
		if t, ok := after[0].(time.Time); ok {
			if lo, hi, ok := repeatedHour(t, p.wall); ok {
				f.lo, f.hi, f.keys = lo, hi, nil
			}
		}
	}
	tc := p.cols[p.order[0]]
	switch {
	case f.active():
		from, err := p.dialect.Literal(tc, f.lo.Add(-time.Second))
		if err != nil {
			return "", err
		}
		to, err := p.dialect.Literal(tc, f.hi)
		if err != nil {
			return "", err
		}
		window := tc.Name + " ge " + from + " and " + tc.Name + " lt " + to
		return p.build(window, p.order[1:], f.keys)
	case f.past:
		lit, err := p.dialect.Literal(tc, f.since)
		if err != nil {
			return "", err
		}
		return p.build(tc.Name+" ge "+lit, p.order, nil)
	case !f.since.IsZero():
		lit, err := p.dialect.Literal(tc, f.since)
		if err != nil {
			return "", err
		}
		return p.build(tc.Name+" ge "+lit, p.order, after)
	}
	return p.url(after)
}

// foldPage ends a page read inside a repeated hour: a short page ends
// the hour, a full one must have moved on.
func (r *reader) foldPage(prevKeys []any) error {
	if r.rows < r.p.pageSize {
		r.fold.leave()
		return nil
	}
	if sameValues(prevKeys, r.fold.keys) {
		return fmt.Errorf("GET %s: a full page ended at the same row as "+
			"the page before (%v): the service does not apply the keyset "+
			"filter", r.s.cfg.show(r.lastURL), prevKeys)
	}
	return nil
}

// timestampColumns lists the date-time columns of cols.
func timestampColumns(cols []connectors.Column) []int {
	var out []int
	for i, c := range cols {
		if c.Type == connectors.TypeTimestamp {
			out = append(out, i)
		}
	}
	return out
}

// relabelUTC re-reads the values labelled UTC of the columns at idx as
// wall times in loc, for services that label local times +00:00.
func relabelUTC(row []any, idx []int, loc *time.Location) {
	if loc == nil {
		return
	}
	for _, i := range idx {
		t, ok := row[i].(time.Time)
		if !ok {
			continue
		}
		if _, off := t.Zone(); off != 0 {
			continue
		}
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		row[i] = time.Date(y, mo, d, h, mi, s, t.Nanosecond(), loc)
	}
}
