package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/connectors"
)

// memData is the in-memory source's data: rows per tenant of one entity
// "Orders" (Type, Nbr, Amount, Modified, Total, Paid, Status). Rows may
// stop early: the missing values are null.
type memData struct {
	mu    sync.Mutex
	rows  map[string][][]any // tenant -> rows
	reads int
	// failAfter makes Read fail after this many rows (0 = never).
	failAfter int
}

var mem = &memData{rows: map[string][][]any{}}

var memEntity = &connectors.Entity{
	Name: "Orders",
	Columns: []connectors.Column{
		{Name: "Type", Type: connectors.TypeString, SourceType: "Edm.String"},
		{Name: "Nbr", Type: connectors.TypeInt, Bits: 32, SourceType: "Edm.Int32"},
		{Name: "Amount", Type: connectors.TypeString, SourceType: "Edm.String"},
		{Name: "Modified", Type: connectors.TypeTimestamp, SourceType: "Edm.DateTimeOffset"},
		{Name: "Total", Type: connectors.TypeDecimal, Precision: 19, Scale: 4, SourceType: "Edm.Decimal"},
		{Name: "Paid", Type: connectors.TypeDecimal, Scale: connectors.VariableScale, SourceType: "Edm.Decimal"},
		{Name: "Status", Type: connectors.TypeString, SourceType: "Edm.String"},
	},
	Key: []string{"Type", "Nbr"},
}

func init() { connectors.RegisterSource("memory", memDriver{}) }

type memDriver struct{}

func (memDriver) Spec() hcldec.Spec {
	return &hcldec.ObjectSpec{"tenant": &hcldec.AttrSpec{Name: "tenant", Type: cty.String, Required: true}}
}
func (memDriver) Docs() []connectors.Attribute { return nil }
func (memDriver) Configure(_ hcl.Body, v cty.Value) (connectors.SourceConfig, hcl.Diagnostics) {
	t := v.GetAttr("tenant")
	if !t.IsKnown() {
		return memConfig(""), nil
	}
	return memConfig(t.AsString()), nil
}

type memConfig string

func (c memConfig) Tenant() string { return string(c) }
func (c memConfig) Open(context.Context, *slog.Logger) (connectors.Source, error) {
	return &memSource{tenant: string(c)}, nil
}

type memSource struct{ tenant string }

func (s *memSource) Entity(_ context.Context, name string) (*connectors.Entity, error) {
	if name != memEntity.Name {
		return nil, fmt.Errorf("entity set %q not found", name)
	}
	return memEntity, nil
}

func (s *memSource) Request(req *connectors.ReadRequest) string {
	return fmt.Sprintf("read %s since=%v after=%v", req.Entity, req.Since, req.After)
}

func (s *memSource) Close() error { return nil }

// compareVals orders two values of the same type; nil first.
func compareVals(a, b any) int {
	switch x := a.(type) {
	case string:
		y := b.(string)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case int64:
		y := b.(int64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("compare %T", a))
}

func (s *memSource) Read(ctx context.Context, req *connectors.ReadRequest, fn func([]any) error) error {
	mem.mu.Lock()
	rows := append([][]any(nil), mem.rows[s.tenant]...)
	failAfter := mem.failAfter
	mem.reads++
	mem.mu.Unlock()

	idx := map[string]int{}
	for i, c := range memEntity.Columns {
		idx[c.Name] = i
	}
	var order []int
	if req.Tracking != "" {
		order = append(order, idx[req.Tracking])
	}
	for _, k := range req.Key {
		order = append(order, idx[k])
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, o := range order {
			if c := compareVals(rows[i][o], rows[j][o]); c != 0 {
				return c < 0
			}
		}
		return false
	})
	n := 0
	for _, r := range rows {
		if req.Tracking != "" && !req.Since.IsZero() && r[idx[req.Tracking]].(time.Time).Before(req.Since) {
			continue
		}
		if req.After != nil {
			c := 0
			for i, o := range order {
				if c = compareVals(r[o], req.After[i]); c != 0 {
					break
				}
			}
			if c <= 0 {
				continue
			}
		}
		if failAfter > 0 && n >= failAfter {
			return fmt.Errorf("connection reset after %d rows", n)
		}
		out := make([]any, len(req.Columns))
		for i, c := range req.Columns {
			if j := idx[c]; j < len(r) {
				out[i] = r[j]
			}
		}
		if err := fn(out); err != nil {
			return err
		}
		n++
	}
	return ctx.Err()
}
