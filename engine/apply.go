package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/hashicorp/hcl/v2"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/engine/rowexpr"
)

// Observer hears about progress. Its methods are called from several
// goroutines and must be safe for that.
type Observer interface {
	TableStarted(tp *TablePlan)
	BatchCommitted(tp *TablePlan, rows int64, total connectors.Change)
	TableFinished(r *TableResult)
	ModelFinished(r *ModelResult)
}

// TableResult is the outcome of applying one table instance.
type TableResult struct {
	Plan *TablePlan
	Rows int64
	// Duplicates counts rows merged into a later row with the same key
	// inside one batch.
	Duplicates int64
	Change     connectors.Change
	Watermark  string
	Duration   time.Duration
	Err        error
}

// Run is an apply in progress: the plan made with the destinations open
// for writing, so nothing changes between plan and apply.
type Run struct {
	Plan *Plan
	// ModelResults are the outcomes of the plan's models, in the order
	// they finished.
	ModelResults []*ModelResult

	s      *session
	ws     *Workspace
	mu     sync.Mutex
	failed map[string]bool
}

// Begin opens every destination for writing and plans. Close the Run when
// done.
func (p *Planner) Begin(ctx context.Context) (*Run, hcl.Diagnostics, []*TableError) {
	s := newSession(p.Log, true)
	plan, diags, errs := p.plan(ctx, s)
	r := &Run{Plan: plan, s: s, ws: p.WS, failed: map[string]bool{}}
	for _, e := range errs {
		r.failed[e.Addr] = true
	}
	return r, diags, errs
}

// Close releases every connection of the run.
func (r *Run) Close() { r.s.close() }

// ApplyOptions tune an apply.
type ApplyOptions struct {
	// Parallelism bounds how many sources are read at once. Tables of one
	// source instance run one after the other.
	Parallelism int
	// Now is the clock; _synced_at is the run's start time.
	Now      func() time.Time
	Observer Observer
}

// Apply runs every table and model of the plan in dependency order and
// returns one result per table, in plan order. Model results are in
// ModelResults.
func (r *Run) Apply(ctx context.Context, opts ApplyOptions) []*TableResult {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	started := opts.Now().UTC().Truncate(time.Microsecond)

	g := NewGraph()
	tables := map[string]int{}
	for i, tp := range r.Plan.Tables {
		tables[tp.Address] = i
		g.Add(tp.Address, r.ws.tableDeps(tp.node)...)
	}
	models := map[string]*ModelPlan{}
	for _, mp := range r.Plan.Models {
		models[mp.Address] = mp
		g.Add(mp.Address, r.ws.modelDeps(mp.node)...)
	}
	// Tables of one source instance run one after the other: one
	// Acumatica session serialises its requests anyway.
	var locksMu sync.Mutex
	sourceLocks := map[*SourceNode]*sync.Mutex{}
	sourceLock := func(n *SourceNode) *sync.Mutex {
		locksMu.Lock()
		defer locksMu.Unlock()
		if sourceLocks[n] == nil {
			sourceLocks[n] = &sync.Mutex{}
		}
		return sourceLocks[n]
	}

	results := make([]*TableResult, len(r.Plan.Tables))
	dropErrs := r.dropForRecreate(ctx)
	errs := g.Walk(ctx, opts.Parallelism, func(ctx context.Context, addr string) error {
		if i, ok := tables[addr]; ok {
			tp := r.Plan.Tables[i]
			mu := sourceLock(tp.node.Source)
			mu.Lock()
			defer mu.Unlock()
			if opts.Observer != nil {
				opts.Observer.TableStarted(tp)
			}
			if err := dropErrs[tp.node.Destination.Inst.Addr+"\x00"+tp.Table]; err != nil {
				res := &TableResult{Plan: tp, Err: fmt.Errorf("%s: %w", tp.Address, err)}
				results[i] = res
				if opts.Observer != nil {
					opts.Observer.TableFinished(res)
				}
				return res.Err
			}
			res := r.applyTable(ctx, tp, started, opts)
			results[i] = res
			if opts.Observer != nil {
				opts.Observer.TableFinished(res)
			}
			return res.Err
		}
		if mp, ok := models[addr]; ok {
			res := r.applyModel(ctx, mp)
			r.ModelResults = append(r.ModelResults, res)
			if opts.Observer != nil {
				opts.Observer.ModelFinished(res)
			}
			return res.Err
		}
		// A failed dependency outside the plan (a table that could not be
		// planned) stops its dependents.
		if r.failed[addr] {
			return fmt.Errorf("%s could not be planned", addr)
		}
		return nil
	})
	for i, tp := range r.Plan.Tables {
		if results[i] == nil {
			results[i] = &TableResult{Plan: tp, Err: errs[tp.Address]}
			if opts.Observer != nil {
				opts.Observer.TableFinished(results[i])
			}
		}
	}
	for _, mp := range r.Plan.Models {
		if err := errs[mp.Address]; errors.Is(err, ErrSkipped) {
			res := &ModelResult{Plan: mp, Err: err}
			r.ModelResults = append(r.ModelResults, res)
			if opts.Observer != nil {
				opts.Observer.ModelFinished(res)
			}
		}
	}
	return results
}

// applyTable loads one table instance.
func (r *Run) applyTable(ctx context.Context, tp *TablePlan, started time.Time, opts ApplyOptions) *TableResult {
	t0 := time.Now()
	res := &TableResult{Plan: tp, Watermark: tp.Watermark}
	res.Err = r.load(ctx, tp, started, opts, res)
	res.Duration = time.Since(t0)
	if res.Err != nil && !errors.Is(res.Err, context.Canceled) {
		res.Err = fmt.Errorf("%s (entity %s, tenant %q): %w", tp.Address, tp.Entity, tp.Tenant, res.Err)
	}
	return res
}

func (r *Run) load(ctx context.Context, tp *TablePlan, started time.Time, opts ApplyOptions, res *TableResult) error {
	node := tp.node
	dc, err := r.s.destination(ctx, node.Destination)
	if err != nil {
		return err
	}
	src, err := r.s.source(ctx, node.Source)
	if err != nil {
		return err
	}
	// Tenants share a table but never rows: lock the pair.
	unlock, err := dc.dst.Lock(ctx, lockName(tp.Table, tp.Tenant))
	if err != nil {
		return err
	}
	defer unlock()
	if err := dc.dst.Prepare(ctx, tp.table); err != nil {
		return err
	}
	l := &loader{tp: tp, dst: dc.dst, src: src, started: started,
		opts: opts, res: res, log: r.s.log.With("table", tp.Address, "tenant", tp.Tenant)}
	if err := l.init(); err != nil {
		return err
	}
	if tp.Tracking != "" && tp.Action != ActionReload {
		err := l.incremental(ctx)
		res.Duplicates = l.batch.dups
		res.Rows += res.Duplicates
		return err
	}
	err = l.reload(ctx)
	res.Duplicates = l.batch.dups
	res.Rows += res.Duplicates
	return err
}

// loader moves the rows of one table instance.
type loader struct {
	tp      *TablePlan
	dst     connectors.Destination
	src     connectors.Source
	started time.Time
	opts    ApplyOptions
	res     *TableResult
	log     *slog.Logger

	ncols    int   // source columns stored
	keyIdx   []int // key positions in the source row
	trackIdx int   // tracking column position, or -1
	batch    batch
	// maxTrack is the largest tracking value loaded; moved says whether
	// this run raised it above the stored watermark, whose text is kept
	// as it was until then. Formatting waits for a commit: rows arrive
	// in tracking order, so nearly every row raises the maximum.
	maxTrack time.Time
	moved    bool
	// computed evaluates the computed columns, where the row filter.
	computed []*rowexpr.Evaluator
	where    *rowexpr.Evaluator
}

func (l *loader) init() error {
	cols := l.tp.read.Columns
	l.ncols = len(l.tp.readColumns)
	pos := map[string]int{}
	for i, c := range cols {
		pos[c] = i
	}
	for _, k := range l.tp.Key {
		l.keyIdx = append(l.keyIdx, pos[k])
	}
	l.trackIdx = -1
	if l.tp.Tracking != "" {
		l.trackIdx = pos[l.tp.Tracking]
	}
	l.batch = batch{keyIdx: l.keyIdx, index: map[string]int{}}
	if w, err := parseWatermark(l.tp.Watermark); err == nil {
		l.maxTrack = w
	}
	return l.initExprs(cols)
}

// destRow extends a source row with the computed columns, _tenant and
// _synced_at, and follows the largest tracking value.
func (l *loader) destRow(row []any) ([]any, error) {
	n := l.ncols + len(l.computed)
	out := make([]any, n+2)
	copy(out, row[:l.ncols])
	if err := l.compute(row, out[l.ncols:n]); err != nil {
		return nil, err
	}
	out[n] = l.tp.Tenant
	out[n+1] = l.started
	l.track(row)
	return out, nil
}

// track follows the largest tracking value read.
func (l *loader) track(row []any) {
	if l.trackIdx >= 0 {
		if t, ok := row[l.trackIdx].(time.Time); ok && t.After(l.maxTrack) {
			l.maxTrack, l.moved = t, true
		}
	}
}

// state is the state row of a commit after runRows rows of this run.
func (l *loader) state(cursor string, runRows int64) *connectors.State {
	st := &connectors.State{Table: l.tp.Table, Tenant: l.tp.Tenant,
		Address: l.tp.Address, Cursor: cursor, ConfigHash: l.tp.ConfigHash,
		RunStarted: l.started, RunRows: runRows}
	if wm := l.watermark(); wm != "" {
		st.Watermark, st.WatermarkAt, st.WatermarkType = wm, l.maxTrack, "timestamp"
	}
	return st
}

// watermark is the text of the largest tracking value loaded: as the
// source sent it for the stored watermark, and from the value otherwise.
func (l *loader) watermark() string {
	if l.moved {
		return formatWatermark(l.maxTrack)
	}
	return l.tp.Watermark
}

// incremental reads in (tracking, key) order and commits every batch
// with its watermark and resume position. Batches commit on a pipe, while
// the next one is read.
func (l *loader) incremental(ctx context.Context) error {
	req := *l.tp.read
	var last []any
	var handed int64 // rows and deletions handed to the pipe
	p, readCtx := startPipe(ctx)
	send := func(cursor string) error {
		rows, deletes := l.batch.split(l.tp.Tenant)
		l.batch.reset()
		st := l.state(cursor, handed)
		n := len(rows) + len(deletes)
		handed += int64(n)
		merge, discard, err := l.stage(ctx, rows, deletes)
		if err != nil {
			return err
		}
		err = p.send(func() error { return l.commit(merge, n, st) })
		if err != nil {
			discard()
		}
		return err
	}
	flush := func() error {
		if l.batch.len() == 0 {
			return nil
		}
		pos := make([]any, 0, len(l.keyIdx)+1)
		pos = append(pos, last[l.trackIdx])
		for _, i := range l.keyIdx {
			pos = append(pos, last[i])
		}
		cur, err := encodeCursor(pos)
		if err != nil {
			return err
		}
		return send(cur)
	}
	err := l.src.Read(readCtx, &req, func(row []any) error {
		keep, err := l.keep(row)
		if err != nil {
			return err
		}
		if keep {
			out, err := l.destRow(row)
			if err != nil {
				return err
			}
			l.batch.add(out)
		} else {
			// The row may have passed before: delete its key.
			l.track(row)
			l.batch.remove(row)
		}
		last = row
		if l.batch.len() >= l.tp.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		// The load finished: clear the resume position.
		err = send("")
	}
	if perr := p.close(); perr != nil {
		return perr
	}
	return err
}

// stage prepares the merge of one batch. A destination that can stage
// does part of the work now, on the reading goroutine; discard releases
// it when the merge will not run.
func (l *loader) stage(ctx context.Context, rows, deletes [][]any) (merge func(*connectors.State) (connectors.Change, error), discard func(), err error) {
	if s, ok := l.dst.(connectors.Stager); ok {
		staged, err := s.Stage(ctx, l.tp.table, rows, deletes)
		if err != nil {
			return nil, nil, err
		}
		return func(st *connectors.State) (connectors.Change, error) {
			return staged.Commit(ctx, st)
		}, staged.Discard, nil
	}
	return func(st *connectors.State) (connectors.Change, error) {
		return l.dst.Merge(ctx, l.tp.table, rows, deletes, st)
	}, func() {}, nil
}

// commit merges one batch of n rows and deletions with its state row. It
// runs on the pipe, and is the only writer of l.res while the pipe is
// open.
func (l *loader) commit(merge func(*connectors.State) (connectors.Change, error), n int, st *connectors.State) error {
	ch, err := merge(st)
	if err != nil {
		return err
	}
	l.res.Rows += int64(n)
	l.res.Change.Add(ch)
	l.res.Watermark = st.Watermark
	if n > 0 {
		l.log.Debug("batch committed", "rows", n, "watermark", st.Watermark, "serial", st.Serial)
		if l.opts.Observer != nil {
			l.opts.Observer.BatchCommitted(l.tp, l.res.Rows, l.res.Change)
		}
	}
	return nil
}

// reload reads every row in key order into staging and swaps them in.
func (l *loader) reload(ctx context.Context) error {
	req := *l.tp.read
	req.Tracking, req.Since, req.After = "", time.Time{}, nil
	rep, err := l.dst.Replace(ctx, l.tp.table, l.tp.Tenant)
	if err != nil {
		return err
	}
	defer rep.Abort()
	p, readCtx := startPipe(ctx)
	flush := func() error {
		rows := l.batch.rows
		l.res.Rows += int64(len(rows))
		l.batch.reset()
		return p.send(func() error { return rep.Append(ctx, rows) })
	}
	err = l.src.Read(readCtx, &req, func(row []any) error {
		keep, err := l.keep(row)
		if err != nil {
			return err
		}
		if !keep {
			// Not staged, so the swap removes it.
			l.res.Rows++
			return nil
		}
		out, err := l.destRow(row)
		if err != nil {
			return err
		}
		l.batch.add(out)
		if l.batch.len() >= l.tp.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if perr := p.close(); perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	ch, err := rep.Commit(ctx, l.state("", l.res.Rows))
	if err != nil {
		return err
	}
	l.res.Change = ch
	l.res.Watermark = l.watermark()
	return nil
}

// batch collects rows unique by key; a later row replaces an earlier one
// with the same key.
type batch struct {
	keyIdx []int
	rows   [][]any
	index  map[string]int
	buf    []byte
	// del marks the rows whose keys are to be deleted, ndel counts them.
	del  []bool
	ndel int
	// dups counts rows replaced by a later row with the same key, over
	// the whole load: a sign that the key is not unique in the source.
	dups int64
}

func (b *batch) len() int { return len(b.rows) }

func (b *batch) reset() {
	b.rows = nil
	b.del, b.ndel = b.del[:0], 0
	clear(b.index)
}

// add adds a row to upsert.
func (b *batch) add(row []any) { b.put(row, false) }

// remove adds the key of a row to delete; only its key positions are
// read.
func (b *batch) remove(row []any) { b.put(row, true) }

func (b *batch) put(row []any, del bool) {
	b.buf = b.buf[:0]
	for _, i := range b.keyIdx {
		b.buf = appendKey(b.buf, row[i])
	}
	if b.ndel > 0 || del {
		// Deletions are rare: track the flags only once there is one.
		for len(b.del) < len(b.rows) {
			b.del = append(b.del, false)
		}
	}
	if i, ok := b.index[string(b.buf)]; ok {
		b.dups++
		b.rows[i] = row
		if i < len(b.del) {
			b.ndel += btoi(del) - btoi(b.del[i])
			b.del[i] = del
		}
		return
	}
	b.index[string(b.buf)] = len(b.rows)
	b.rows = append(b.rows, row)
	if len(b.del) > 0 || del {
		b.del = append(b.del, del)
		b.ndel += btoi(del)
	}
}

// split returns the rows to upsert and the keys to delete, each key
// being tenant and the key values.
func (b *batch) split(tenant string) (rows, deletes [][]any) {
	if b.ndel == 0 {
		return b.rows, nil
	}
	for i, row := range b.rows {
		if !b.del[i] {
			rows = append(rows, row)
			continue
		}
		key := make([]any, 0, len(b.keyIdx)+1)
		key = append(key, tenant)
		for _, k := range b.keyIdx {
			key = append(key, row[k])
		}
		deletes = append(deletes, key)
	}
	return rows, deletes
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// appendKey appends an unambiguous encoding of one key value.
func appendKey(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, 0)
	case string:
		buf = append(buf, 1)
		buf = strconv.AppendInt(buf, int64(len(x)), 10)
		buf = append(buf, ':')
		return append(buf, x...)
	case int64:
		buf = append(buf, 2)
		return strconv.AppendInt(buf, x, 10)
	case time.Time:
		buf = append(buf, 3)
		return strconv.AppendInt(buf, x.UnixNano(), 10)
	case apd.Decimal:
		buf = append(buf, 4)
		var r apd.Decimal
		r.Reduce(&x)
		return append(buf, r.Text('f')...)
	case [16]byte:
		buf = append(buf, 5)
		return append(buf, x[:]...)
	}
	return fmt.Appendf(append(buf, 6), "%v", v)
}

// lockName names the lock of one tenant's rows of a table.
func lockName(table, tenant string) string {
	return fmt.Sprintf("%s[%q]", table, tenant)
}

// dropForRecreate drops, once per destination table, the tables the plan
// recreates, before any instance of them loads. It returns the errors by
// destination address and table name.
func (r *Run) dropForRecreate(ctx context.Context) map[string]error {
	errs := map[string]error{}
	done := map[string]bool{}
	for _, tp := range r.Plan.Tables {
		if tp.Action != ActionRecreate {
			continue
		}
		k := tp.node.Destination.Inst.Addr + "\x00" + tp.Table
		if done[k] {
			continue
		}
		done[k] = true
		dc, err := r.s.destination(ctx, tp.node.Destination)
		if err == nil {
			err = dc.dst.Drop(ctx, tp.Table)
		}
		if err != nil {
			errs[k] = fmt.Errorf("drop table %q to recreate it: %w", tp.Table, err)
			continue
		}
		r.s.log.Info("table dropped", "table", tp.Table, "reason", tp.Reason)
	}
	return errs
}
