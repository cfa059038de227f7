package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/schema"
)

// Action is what apply will do to one table instance.
type Action string

// The actions, in the order plans list them.
const (
	// ActionCreate creates the destination table and loads every row.
	ActionCreate Action = "create"
	// ActionLoad loads every row of a tracked table that has no watermark.
	ActionLoad Action = "load"
	// ActionResume continues an interrupted load after its last key.
	ActionResume Action = "resume"
	// ActionIncremental reads rows changed since the watermark.
	ActionIncremental Action = "incremental"
	// ActionReload reads every row and swaps them in atomically.
	ActionReload Action = "reload"
	// ActionRecreate drops the destination table (every tenant's rows and
	// state) and loads every row again: its key or columns changed in a
	// way that cannot be applied in place.
	ActionRecreate Action = "recreate"
)

// Plan is what apply will do, table instance by table instance.
type Plan struct {
	Tables []*TablePlan `json:"tables"`
	Models []*ModelPlan `json:"models"`
}

// Counts returns how many table instances take each action.
func (p *Plan) Counts() map[Action]int {
	m := map[Action]int{}
	for _, t := range p.Tables {
		m[t.Action]++
	}
	return m
}

// TablePlan is the plan of one table instance.
type TablePlan struct {
	Address     string   `json:"address"`
	Source      string   `json:"source"`
	Tenant      string   `json:"tenant"`
	Entity      string   `json:"entity"`
	Destination string   `json:"destination"`
	Table       string   `json:"table"`
	Action      Action   `json:"action"`
	Reason      string   `json:"reason"`
	Key         []string `json:"primary_key"`
	Tracking    string   `json:"tracking_column,omitempty"`
	Offset      string   `json:"offset,omitempty"`
	Watermark   string   `json:"watermark,omitempty"`
	Since       string   `json:"since,omitempty"`
	Request     string   `json:"request"`
	NewColumns  []string `json:"new_columns,omitempty"`
	// DroppedColumns are destination columns no longer loaded.
	DroppedColumns []string `json:"dropped_columns,omitempty"`
	Columns        []Column `json:"columns"`
	PriorSerial    int64    `json:"prior_serial"`
	BatchSize      int      `json:"batch_size"`
	ConfigHash     string   `json:"config_hash"`
	Cursor         string   `json:"-"`
	// KeyUnsure is set when primary_key leaves out columns of the
	// entity's own key, so it may not be unique in the source.
	KeyUnsure bool      `json:"key_unsure,omitempty"`
	Started   time.Time `json:"-"`

	// Computed are the computed columns, Where the row filter.
	Computed []ComputedColumn `json:"computed,omitempty"`
	Where    string           `json:"where,omitempty"`

	node   *TableNode
	entity *connectors.Entity
	// readColumns are the source columns read, in order; destination
	// columns follow the same order under their destination names.
	readColumns []string
	// exprColumns are source columns read only because an expression
	// uses them; rows carry them after readColumns.
	exprColumns []string
	exprs       *exprs
	table       *connectors.Table
	read        *connectors.ReadRequest
}

// Column is a destination column in a plan.
type Column struct {
	Name       string `json:"name"`
	SourceType string `json:"source_type"`
	Type       string `json:"type"`
}

// Planner plans tables against live sources and destinations.
type Planner struct {
	WS  *Workspace
	Log *slog.Logger
	// Targets limits the plan to these addresses (exact, or a table block
	// address covering all its instances). Empty plans everything.
	Targets []string
	// Reload forces a full reload of these addresses (as Targets match
	// them), whatever their state: rows are read again and swapped in.
	Reload []string
}

// TableError is a failure that concerns one table instance.
type TableError struct {
	Addr string
	Err  error
}

func (e *TableError) Error() string { return e.Addr + ": " + e.Err.Error() }
func (e *TableError) Unwrap() error { return e.Err }

// session holds the connections one plan or apply opens, shared by the
// tables that use them.
type session struct {
	log     *slog.Logger
	write   bool
	sources map[*SourceNode]*sourceConn
	dests   map[*DestinationNode]*destConn
}

type sourceConn struct {
	src connectors.Source
	err error
}

type destConn struct {
	dst    connectors.Destination // nil when it does not exist (plan)
	states map[string]connectors.State
	err    error
}

func newSession(log *slog.Logger, write bool) *session {
	return &session{log: log, write: write,
		sources: map[*SourceNode]*sourceConn{},
		dests:   map[*DestinationNode]*destConn{}}
}

func (s *session) source(ctx context.Context, n *SourceNode) (connectors.Source, error) {
	if c, ok := s.sources[n]; ok {
		return c.src, c.err
	}
	src, err := n.Config.Open(ctx, s.log.With("source", n.Inst.Addr))
	if err != nil {
		src = nil
	}
	s.sources[n] = &sourceConn{src: src, err: err}
	return src, err
}

func (s *session) destination(ctx context.Context, n *DestinationNode) (*destConn, error) {
	if c, ok := s.dests[n]; ok {
		return c, c.err
	}
	c := &destConn{states: map[string]connectors.State{}}
	s.dests[n] = c
	log := s.log.With("destination", n.Inst.Addr)
	var dst connectors.Destination
	var err error
	if s.write {
		dst, err = n.Config.Open(ctx, log)
	} else {
		dst, err = n.Config.Inspect(ctx, log)
	}
	if err != nil {
		// A failed open may still return a typed nil; never keep it.
		c.err = fmt.Errorf("%s: %w", n.Inst.Addr, err)
		return c, c.err
	}
	c.dst = dst
	if c.dst != nil {
		states, err := c.dst.States(ctx)
		if err != nil {
			c.err = fmt.Errorf("%s: read state: %w", n.Inst.Addr, err)
			return c, c.err
		}
		for _, st := range states {
			c.states[stateKey(st.Table, st.Tenant)] = st
		}
	}
	return c, nil
}

func stateKey(table, tenant string) string { return table + "\x00" + tenant }

func (s *session) close() {
	for _, c := range s.sources {
		if c.src != nil {
			c.src.Close()
		}
	}
	for _, c := range s.dests {
		if c.dst != nil {
			c.dst.Close()
		}
	}
}

// Plan plans every targeted table. Failures of single tables come back
// as TableErrors (and diagnostics pointing at the table); the plan holds
// the tables that could be planned.
func (p *Planner) Plan(ctx context.Context) (*Plan, hcl.Diagnostics, []*TableError) {
	s := newSession(p.Log, false)
	defer s.close()
	return p.plan(ctx, s)
}

func (p *Planner) plan(ctx context.Context, s *session) (*Plan, hcl.Diagnostics, []*TableError) {
	plan := &Plan{}
	diags := p.checkTargets()
	if diags.HasErrors() {
		return plan, diags, nil
	}
	var errs []*TableError
	for _, t := range p.WS.sortedTables() {
		if !p.targeted(t) {
			continue
		}
		tp, d, err := planTable(ctx, s, t, matches(p.Reload, t))
		diags = append(diags, d...)
		if err != nil {
			errs = append(errs, &TableError{Addr: t.Addr(), Err: err})
			continue
		}
		if tp != nil {
			plan.Tables = append(plan.Tables, tp)
		}
	}
	errs = append(errs, p.planModels(ctx, s, plan)...)
	return plan, diags, errs
}

// checkTargets reports --target addresses that match no table or model.
func (p *Planner) checkTargets() hcl.Diagnostics {
	var known []string
	for _, t := range p.WS.Tables {
		known = append(known, t.Addr(), t.Inst.Block.Addr())
	}
	for _, m := range p.WS.Models {
		known = append(known, m.Inst.Addr)
	}
	var diags hcl.Diagnostics
	for _, a := range append(append([]string(nil), p.Targets...), p.Reload...) {
		if slices.Contains(known, a) {
			continue
		}
		detail := fmt.Sprintf("No table or model has the address %s.", a)
		if s := connectors.Closest(a, known, max(3, len(a)/4)+1); s != "" {
			detail += fmt.Sprintf(" Did you mean %s?", s)
		}
		detail += " Addresses look like table.NAME, table.NAME[\"KEY\"] or model.NAME; syncctl graph lists them."
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Unknown table address", Detail: detail})
	}
	return diags
}

func (p *Planner) targeted(t *TableNode) bool {
	return len(p.Targets) == 0 || matches(p.Targets, t)
}

// matches reports whether addrs names t or its block.
func matches(addrs []string, t *TableNode) bool {
	for _, a := range addrs {
		if a == t.Addr() || a == t.Inst.Block.Addr() {
			return true
		}
	}
	return false
}

// planTable decides the action of one table instance.
func planTable(ctx context.Context, s *session, t *TableNode, reload bool) (*TablePlan, hcl.Diagnostics, error) {
	ti := t.Inst
	src, err := s.source(ctx, t.Source)
	if err != nil {
		return nil, nil, err
	}
	ent, err := src.Entity(ctx, ti.Entity)
	if err != nil {
		return nil, nil, err
	}
	diags := checkEntity(t, ent)
	var x *exprs
	if !diags.HasErrors() {
		var d hcl.Diagnostics
		x, d = compileExprs(ti, ent)
		diags = append(diags, d...)
	}
	if diags.HasErrors() {
		return nil, diags, fmt.Errorf("the configuration does not match entity %s", ent.Name)
	}
	dc, err := s.destination(ctx, t.Destination)
	if err != nil {
		return nil, diags, err
	}

	tp := &TablePlan{
		Address: t.Addr(), Source: t.Source.Inst.Addr, Tenant: t.Tenant(),
		Entity: ent.Name, Destination: t.Destination.Config.Describe(),
		Table: ti.DestTable, Key: tableKey(t, ent), BatchSize: ti.BatchSize,
		node: t, entity: ent, exprs: x, Where: ti.Where,
	}
	tp.readColumns = selectColumns(ti, ent, tp.Key)
	for _, k := range ent.Key {
		if !slices.Contains(tp.Key, k) {
			tp.KeyUnsure = true
		}
	}
	tp.exprColumns = x.columns(tp.readColumns)
	tp.table = destTable(tp, ent)
	if d := checkComputedNames(tp); d.HasErrors() {
		return nil, append(diags, d...), fmt.Errorf("computed columns of %s clash with its columns", ti.Addr)
	}
	for _, c := range tp.table.Columns {
		tp.Columns = append(tp.Columns, Column{Name: c.Name, SourceType: c.SourceType, Type: c.Type.String()})
	}
	tp.ConfigHash = configHash(tp, ti)
	if ti.TrackingType == schema.TrackingDate {
		tp.Tracking = ti.TrackingColumn
		tp.Offset = formatDuration(ti.Offset)
	}

	var cur *connectors.Table
	if dc.dst != nil {
		if cur, err = dc.dst.Describe(ctx, ti.DestTable); err != nil {
			return nil, diags, err
		}
	}
	st, hasState := dc.states[stateKey(ti.DestTable, tp.Tenant)]
	tp.PriorSerial = st.Serial
	if cur != nil {
		for _, c := range tp.table.Columns {
			if _, ok := (&connectors.Entity{Columns: cur.Columns}).Column(c.Name); !ok {
				tp.NewColumns = append(tp.NewColumns, c.Name)
			}
		}
	}
	tp.decide(cur != nil, hasState, st)
	if cur != nil {
		tp.checkShape(cur)
	}
	if reload && cur != nil && tp.Action != ActionRecreate && tp.Action != ActionCreate {
		tp.Action, tp.Since, tp.Watermark, tp.Cursor = ActionReload, "", "", ""
		tp.Reason = "--reload asks for it: every row is read again and swapped in, rows no longer in the source are deleted"
	}
	tp.read = tp.readRequest()
	tp.Request = src.Request(tp.read)
	return tp, diags, nil
}

// checkShape turns the plan into a recreation when the destination table
// cannot be brought to the configured shape in place: its primary key
// changed, or it has columns the configuration no longer loads (which
// would otherwise keep stale values).
func (tp *TablePlan) checkShape(cur *connectors.Table) {
	want := map[string]bool{}
	for _, c := range tp.table.Columns {
		want[c.Name] = true
	}
	var extra []string
	for _, c := range cur.Columns {
		if !want[c.Name] {
			extra = append(extra, c.Name)
		}
	}
	// Only the set of key columns matters: their order does not change
	// which rows are unique.
	keyChanged := len(cur.Key) > 0 && !sameSet(cur.Key, tp.table.Key)
	if !keyChanged && len(extra) == 0 {
		return
	}
	tp.Action, tp.Since, tp.Watermark, tp.Cursor = ActionRecreate, "", "", ""
	if keyChanged {
		tp.Reason = fmt.Sprintf("the primary key changed from (%s) to (%s)",
			strings.Join(cur.Key, ", "), strings.Join(tp.table.Key, ", "))
	} else {
		tp.Reason = fmt.Sprintf("columns %s are no longer loaded", strings.Join(extra, ", "))
	}
	tp.Reason += ": the table is dropped for every tenant, with its state (and in PostgreSQL the views on it), and loaded again"
	tp.DroppedColumns = extra
}

// decide picks the action from the destination's table and state.
func (tp *TablePlan) decide(exists, hasState bool, st connectors.State) {
	tracked := tp.Tracking != ""
	switch {
	case !exists:
		tp.Action, tp.Reason = ActionCreate, "the destination table does not exist"
	case hasState && st.ConfigHash != "" && st.ConfigHash != tp.ConfigHash:
		tp.Action, tp.Reason = ActionReload, "the table's configuration changed since the last load"
	case !tracked:
		tp.Action, tp.Reason = ActionReload, "the table is not tracked: every row is read and swapped in"
	case hasState && st.Cursor != "":
		tp.Action, tp.Reason = ActionResume, "the last load did not finish"
		if tp.node.Inst.Offset > 0 {
			// Rows committed late behind the interrupted load's position
			// are caught by re-reading the offset, as in any incremental
			// read; without an offset the load continues after its last
			// key.
			tp.Reason += ": it continues from the last committed watermark minus the offset"
		} else {
			tp.Reason += ": it continues after the last committed key"
		}
		tp.Cursor, tp.Watermark = st.Cursor, st.Watermark
	case !hasState || st.Watermark == "":
		tp.Action, tp.Reason = ActionLoad, "no watermark is stored yet"
	default:
		tp.Action = ActionIncremental
		tp.Watermark = st.Watermark
		tp.Reason = "rows changed since the watermark"
	}
	if tracked && (tp.Action == ActionIncremental || tp.Action == ActionResume) && tp.Watermark != "" {
		if w, err := parseWatermark(tp.Watermark); err == nil {
			since := w.Add(-tp.node.Inst.Offset)
			tp.Since = formatWatermark(since)
		}
	}
}

// readRequest is the first read of the plan.
func (tp *TablePlan) readRequest() *connectors.ReadRequest {
	req := &connectors.ReadRequest{Entity: tp.Entity,
		Columns: append(slices.Clip(tp.readColumns), tp.exprColumns...), Key: tp.Key,
		PageSize: 0, Tracking: tp.Tracking}
	if tp.Since != "" {
		req.Since, _ = parseWatermark(tp.Since)
	}
	if tp.Action == ActionResume && tp.node.Inst.Offset == 0 {
		if after, err := decodeCursor(tp.Cursor); err == nil {
			req.After = after
		}
	}
	return req
}

// tableKey is the merge key without _tenant: primary_key, or the entity's
// key from the source's metadata.
func tableKey(t *TableNode, ent *connectors.Entity) []string {
	if len(t.Inst.PrimaryKey) > 0 {
		return t.Inst.PrimaryKey
	}
	return ent.Key
}

// selectColumns lists the source columns to read: the selection (or all
// but the excluded), with the key and tracking columns always included.
func selectColumns(ti *schema.TableInstance, ent *connectors.Entity, key []string) []string {
	keep := map[string]bool{}
	switch {
	case ti.Columns != nil:
		for _, c := range ti.Columns {
			keep[c] = true
		}
	default:
		for _, c := range ent.Columns {
			keep[c.Name] = true
		}
		for _, c := range ti.Exclude {
			delete(keep, c)
		}
	}
	for _, k := range key {
		keep[k] = true
	}
	if ti.TrackingType == schema.TrackingDate {
		keep[ti.TrackingColumn] = true
	}
	var cols []string
	for _, c := range ent.Columns {
		if keep[c.Name] {
			cols = append(cols, c.Name)
		}
	}
	return cols
}

// destName is the destination name of a source column.
func (tp *TablePlan) destName(col string) string {
	if to, ok := tp.node.Inst.Rename[col]; ok {
		return to
	}
	return col
}

// destTable is the destination table: the source columns read (renamed),
// the computed columns, then _tenant and _synced_at.
func destTable(tp *TablePlan, ent *connectors.Entity) *connectors.Table {
	t := &connectors.Table{Name: tp.Table}
	for _, name := range tp.readColumns {
		c, _ := ent.Column(name)
		c.Name = tp.destName(name)
		t.Columns = append(t.Columns, c)
	}
	for i, p := range tp.exprs.programs() {
		c := tp.node.Inst.Computed[i]
		t.Columns = append(t.Columns, p.Type().Column(c.Name))
		tp.Computed = append(tp.Computed, ComputedColumn{Name: c.Name,
			Expr: c.Expr, Type: p.Type().String()})
	}
	t.Columns = append(t.Columns,
		connectors.Column{Name: connectors.TenantColumn, Type: connectors.TypeString},
		connectors.Column{Name: connectors.SyncedAtColumn, Type: connectors.TypeTimestamp})
	t.Key = []string{connectors.TenantColumn}
	for _, k := range tp.Key {
		t.Key = append(t.Key, tp.destName(k))
	}
	return t
}

func configHash(tp *TablePlan, ti *schema.TableInstance) string {
	h := sha256.New()
	fmt.Fprintf(h, "entity=%s\nkey=%s\ntracking=%s:%s\n", tp.Entity,
		strings.Join(tp.Key, ","), ti.TrackingType, ti.TrackingColumn)
	for _, c := range tp.Columns {
		fmt.Fprintf(h, "col=%s:%s\n", c.Name, c.Type)
	}
	// Expressions count only when present, so that tables without them
	// keep their hashes.
	for _, c := range ti.Computed {
		fmt.Fprintf(h, "computed=%q:%q:%q\n", c.Name, c.Expr, c.Type)
	}
	if ti.Where != "" {
		fmt.Fprintf(h, "where=%q\n", ti.Where)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// checkEntity checks the table's columns against the source's metadata.
func checkEntity(t *TableNode, ent *connectors.Entity) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ti, b := t.Inst, t.Inst.Block
	missing := func(col string, a *hcl.Attribute, what string) {
		detail := fmt.Sprintf("Entity %s has no column %q.", ent.Name, col)
		if s := ent.Similar(col); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		d := &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Unknown %s column", what), Detail: detail}
		if a != nil {
			d.Subject = a.Expr.Range().Ptr()
		}
		diags = append(diags, d)
	}
	for _, k := range ti.PrimaryKey {
		if _, ok := ent.Column(k); !ok {
			missing(k, b.PrimaryKey, "primary key")
		}
	}
	if len(ti.PrimaryKey) > 0 && len(ent.Key) > 0 {
		var left []string
		for _, k := range ent.Key {
			if !slices.Contains(ti.PrimaryKey, k) {
				left = append(left, k)
			}
		}
		if len(left) > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning,
				Summary: "Primary key may not be unique",
				Detail: fmt.Sprintf("The key of %s in the source's metadata is (%s); primary_key leaves out %s, so source rows that share the primary_key values overwrite each other. Add them to primary_key unless the values are unique anyway.",
					ent.Name, strings.Join(ent.Key, ", "), strings.Join(left, ", ")),
				Subject: b.PrimaryKey.Expr.Range().Ptr()})
		}
	}
	for _, c := range ti.Columns {
		if _, ok := ent.Column(c); !ok {
			missing(c, b.Columns, "selected")
		}
	}
	for _, c := range ti.Exclude {
		if _, ok := ent.Column(c); !ok {
			missing(c, b.Exclude, "excluded")
		}
		if c == ti.TrackingColumn || slices.Contains(tableKey(t, ent), c) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Cannot exclude a key or tracking column",
				Detail:  fmt.Sprintf("Column %q is part of the primary key or the tracking column; syncctl needs it to merge and to page.", c),
				Subject: b.Exclude.Expr.Range().Ptr()})
		}
	}
	for _, from := range sortedKeys(ti.Rename) {
		if _, ok := ent.Column(from); !ok {
			missing(from, b.Rename, "renamed")
		}
		to := ti.Rename[from]
		if _, clash := ent.Column(to); clash && ti.Rename[to] == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Duplicate destination column",
				Detail:  fmt.Sprintf("rename maps %q to %q, which is also a source column of %s.", from, to, ent.Name),
				Subject: b.Rename.Expr.Range().Ptr()})
		}
	}
	if len(ti.PrimaryKey) == 0 && len(ent.Key) == 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "No primary key",
			Detail:  fmt.Sprintf("Entity %s declares no key; set primary_key on %s.", ent.Name, ti.Addr),
			Subject: b.DeclRange.Ptr()})
	}
	if ti.TrackingType == schema.TrackingDate {
		var col *hcl.Attribute
		if b.Tracking != nil {
			col = b.Tracking.Column
		}
		c, ok := ent.Column(ti.TrackingColumn)
		switch {
		case !ok:
			missing(ti.TrackingColumn, col, "tracking")
		case c.Type != connectors.TypeTimestamp:
			d := &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Tracking column is not a date",
				Detail: fmt.Sprintf("Column %q of %s is %s; date tracking needs a date-time column such as LastModifiedDateTime.",
					c.Name, ent.Name, c.SourceType)}
			if col != nil {
				d.Subject = col.Expr.Range().Ptr()
			}
			diags = append(diags, d)
		}
	}
	for _, d := range diags {
		if d.Subject == nil {
			d.Subject = b.DeclRange.Ptr()
		}
	}
	return diags
}

// formatDuration prints a duration without zero units: "5m", "1h30m".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
