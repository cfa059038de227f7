package engine

import (
	"fmt"
	"sort"

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
	ws := &Workspace{Config: cfg}
	if diags.HasErrors() {
		return ws, diags
	}
	inst, d := cfg.Expand(opts)
	diags = append(diags, d...)

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
	}
	diags = append(diags, ws.checkShared()...)
	return ws, diags
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
