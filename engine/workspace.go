package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/schema"
)

// Workspace is a loaded, validated configuration: every instance with its
// connector configuration.
type Workspace struct {
	Config       *schema.Config
	Sources      []*SourceNode
	Destinations []*DestinationNode
	Tables       []*TableNode
	Models       []*ModelNode
	// Graph holds every instance and what it depends on.
	Graph *Graph
	// Ctx evaluates expressions against the configuration (console).
	Ctx *hcl.EvalContext
}

// ModelNode is one model with its destination.
type ModelNode struct {
	Inst        *schema.ModelInstance
	Destination *DestinationNode
}

// SourceNode is one source instance and its connector configuration.
type SourceNode struct {
	Inst   *schema.SourceInstance
	Config connectors.SourceConfig
}

// DestinationNode is one destination and its connector configuration.
type DestinationNode struct {
	Inst   *schema.DestinationInstance
	Config connectors.DestinationConfig
}

// TableNode is one table instance with its resolved source and
// destination.
type TableNode struct {
	Inst        *schema.TableInstance
	Source      *SourceNode
	Destination *DestinationNode
}

// Addr is the table instance's address.
func (t *TableNode) Addr() string { return t.Inst.Addr }

// Tenant is the tenant the table instance reads.
func (t *TableNode) Tenant() string {
	if t.Source == nil || t.Source.Config == nil {
		return ""
	}
	return t.Source.Config.Tenant()
}

// Load reads the configuration in dir and resolves it. The workspace is
// returned even with errors, so that diagnostics can be rendered with the
// files' source.
func Load(dir string, opts schema.Options) (*Workspace, hcl.Diagnostics) {
	cfg, diags := schema.Load(dir)
	return resolve(cfg, diags, opts)
}

// LoadSources resolves configuration files given by name and content.
func LoadSources(files map[string][]byte, opts schema.Options) (*Workspace, hcl.Diagnostics) {
	cfg, diags := schema.LoadSources(".", files)
	return resolve(cfg, diags, opts)
}

func resolve(cfg *schema.Config, diags hcl.Diagnostics, opts schema.Options) (*Workspace, hcl.Diagnostics) {
	ws := &Workspace{Config: cfg}
	if diags.HasErrors() {
		return ws, diags
	}
	inst, d := cfg.Expand(opts)
	diags = append(diags, d...)
	ws.Ctx = inst.Ctx

	srcByAddr := map[string]*SourceNode{}
	for _, si := range inst.Sources {
		n := &SourceNode{Inst: si}
		diags = append(diags, n.configure()...)
		ws.Sources = append(ws.Sources, n)
		srcByAddr[si.Addr] = n
	}
	dstByAddr := map[string]*DestinationNode{}
	for _, di := range inst.Destinations {
		n := &DestinationNode{Inst: di}
		diags = append(diags, n.configure()...)
		ws.Destinations = append(ws.Destinations, n)
		dstByAddr[di.Addr] = n
	}
	for _, ti := range inst.Tables {
		tn := &TableNode{Inst: ti}
		if ti.Source != nil {
			tn.Source = srcByAddr[ti.Source.Addr]
		}
		if ti.Destination != nil {
			tn.Destination = dstByAddr[ti.Destination.Addr]
		}
		ws.Tables = append(ws.Tables, tn)
		diags = appendNew(diags, checkExprSyntax(ti))
	}
	for _, mi := range inst.Models {
		mn := &ModelNode{Inst: mi}
		if mi.Destination != nil {
			mn.Destination = dstByAddr[mi.Destination.Addr]
		}
		ws.Models = append(ws.Models, mn)
	}
	diags = append(diags, ws.checkShared()...)
	diags = append(diags, ws.buildGraph()...)
	return ws, diags
}

// instancesOf expands a table or model block address into the addresses
// of its instances.
func (ws *Workspace) instancesOf(block string) []string {
	var out []string
	for _, t := range ws.Tables {
		if t.Inst.Block.Addr() == block {
			out = append(out, t.Addr())
		}
	}
	for _, m := range ws.Models {
		if m.Inst.Addr == block {
			out = append(out, m.Inst.Addr)
		}
	}
	return out
}

// tableDeps are the instances a table instance must wait for.
func (ws *Workspace) tableDeps(t *TableNode) []string {
	var deps []string
	for _, b := range schema.Refs(t.Inst.Block.DependsOn) {
		deps = append(deps, ws.instancesOf(b)...)
	}
	return deps
}

// modelDeps are the instances a model must wait for.
func (ws *Workspace) modelDeps(m *ModelNode) []string {
	var deps []string
	for _, b := range m.Inst.DependsOn {
		deps = append(deps, ws.instancesOf(b)...)
	}
	return deps
}

// buildGraph links every instance to what it depends on and reports
// cycles, one diagnostic per cycle naming every member.
func (ws *Workspace) buildGraph() hcl.Diagnostics {
	g := NewGraph()
	decl := map[string]hcl.Range{}
	for _, s := range ws.Sources {
		g.Add(s.Inst.Addr)
	}
	for _, d := range ws.Destinations {
		g.Add(d.Inst.Addr)
	}
	for _, t := range ws.Tables {
		var deps []string
		if t.Source != nil {
			deps = append(deps, t.Source.Inst.Addr)
		}
		if t.Destination != nil {
			deps = append(deps, t.Destination.Inst.Addr)
		}
		g.Add(t.Addr(), append(deps, ws.tableDeps(t)...)...)
		decl[t.Addr()] = t.Inst.Block.DeclRange
	}
	for _, m := range ws.Models {
		var deps []string
		if m.Destination != nil {
			deps = append(deps, m.Destination.Inst.Addr)
		}
		g.Add(m.Inst.Addr, append(deps, ws.modelDeps(m)...)...)
		decl[m.Inst.Addr] = m.Inst.Block.DeclRange
	}
	ws.Graph = g
	var diags hcl.Diagnostics
	for _, m := range ws.Models {
		diags = append(diags, ws.checkModel(m)...)
	}
	for _, c := range g.Cycles() {
		r := decl[c[0]]
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Dependency cycle",
			Detail: fmt.Sprintf("These blocks depend on each other in a cycle: %s. Remove a reference or a depends_on entry to break it.",
				strings.Join(c, ", ")),
			Subject: &r})
	}
	return diags
}

func (n *SourceNode) configure() hcl.Diagnostics {
	b := n.Inst.Block
	drv, ok := connectors.LookupSource(b.Type)
	if !ok {
		return hcl.Diagnostics{unknownType("source", b.Type, b.TypeRange, connectors.SourceTypes())}
	}
	val, diags := hcldec.Decode(b.Body, drv.Spec(), n.Inst.Ctx)
	if diags.HasErrors() {
		return diags
	}
	cfg, d := drv.Configure(b.Body, val)
	n.Config = cfg
	return append(diags, d...)
}

func (n *DestinationNode) configure() hcl.Diagnostics {
	b := n.Inst.Block
	drv, ok := connectors.LookupDestination(b.Type)
	if !ok {
		return hcl.Diagnostics{unknownType("destination", b.Type, b.TypeRange, connectors.DestinationTypes())}
	}
	val, diags := hcldec.Decode(b.Body, drv.Spec(), n.Inst.Ctx)
	if diags.HasErrors() {
		return diags
	}
	cfg, d := drv.Configure(b.Body, val)
	n.Config = cfg
	return append(diags, d...)
}

func unknownType(kind, typ string, r hcl.Range, known []string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("Unknown %s type %q", kind, typ),
		Detail:  fmt.Sprintf("The %s types this build knows are: %v.", kind, known),
		Subject: r.Ptr()}
}

// checkShared reports two table instances loading the same destination
// table for the same tenant, which would overwrite each other.
func (ws *Workspace) checkShared() hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*TableNode{}
	for _, t := range ws.Tables {
		if t.Source == nil || t.Destination == nil || t.Source.Config == nil {
			continue
		}
		k := t.Destination.Inst.Addr + "\x00" + t.Inst.DestTable + "\x00" + t.Tenant()
		if prev, ok := seen[k]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Two tables load the same destination table and tenant",
				Detail: fmt.Sprintf("%s and %s both load table %q of %s for tenant %q. Give one a different destination_table.",
					prev.Addr(), t.Addr(), t.Inst.DestTable, t.Destination.Inst.Addr, t.Tenant()),
				Subject: t.Inst.Block.DeclRange.Ptr()})
			continue
		}
		seen[k] = t
	}
	return diags
}

// sortedTables returns the tables in address order.
func (ws *Workspace) sortedTables() []*TableNode {
	ts := append([]*TableNode(nil), ws.Tables...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Addr() < ts[j].Addr() })
	return ts
}

// checkModel reports a model that depends on itself, or that reads a
// table another destination holds.
func (ws *Workspace) checkModel(m *ModelNode) hcl.Diagnostics {
	var diags hcl.Diagnostics
	r := m.Inst.Block.DeclRange
	for _, dep := range m.Inst.DependsOn {
		if dep == m.Inst.Addr {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Model depends on itself",
				Detail:  fmt.Sprintf("%s names itself in its SQL or depends_on; remove the reference.", m.Inst.Addr),
				Subject: &r})
		}
		for _, t := range ws.Tables {
			if t.Inst.Block.Addr() != dep || t.Destination == nil || m.Destination == nil || t.Destination == m.Destination {
				continue
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Model reads a table of another destination",
				Detail: fmt.Sprintf("%s runs in %s, but %s is loaded into %s; a model can read only tables of its own destination.",
					m.Inst.Addr, m.Destination.Inst.Addr, dep, t.Destination.Inst.Addr),
				Subject: &r})
			break
		}
	}
	return diags
}
