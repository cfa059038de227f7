package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/syncctl/syncctl/connectors"
)

// ModelPlan is the plan of one model: SQL run in the destination after
// the tables and models it names.
type ModelPlan struct {
	Address      string   `json:"address"`
	Destination  string   `json:"destination"`
	Materialized string   `json:"materialized"`
	SQL          string   `json:"sql"`
	DependsOn    []string `json:"depends_on"`

	node *ModelNode
}

// ModelResult is the outcome of refreshing one model.
type ModelResult struct {
	Plan     *ModelPlan
	Duration time.Duration
	Err      error
}

// planModels plans every model whose destination is reachable.
func (p *Planner) planModels(ctx context.Context, s *session, plan *Plan) []*TableError {
	var errs []*TableError
	for _, m := range p.WS.Models {
		if !p.targetedModel(m) {
			continue
		}
		mp := &ModelPlan{Address: m.Inst.Addr, Materialized: m.Inst.Materialized,
			SQL: m.Inst.SQL, DependsOn: p.WS.modelDeps(m), node: m}
		if m.Destination == nil || m.Destination.Config == nil {
			continue
		}
		mp.Destination = m.Destination.Config.Describe()
		if _, err := s.destination(ctx, m.Destination); err != nil {
			errs = append(errs, &TableError{Addr: mp.Address, Err: err})
			continue
		}
		plan.Models = append(plan.Models, mp)
	}
	return errs
}

func (p *Planner) targetedModel(m *ModelNode) bool {
	if len(p.Targets) == 0 {
		return true
	}
	for _, a := range p.Targets {
		if a == m.Inst.Addr {
			return true
		}
	}
	return false
}

// applyModel creates or replaces the model's view or table.
func (r *Run) applyModel(ctx context.Context, mp *ModelPlan) *ModelResult {
	t0 := time.Now()
	res := &ModelResult{Plan: mp}
	dc, err := r.s.destination(ctx, mp.node.Destination)
	if err == nil {
		m, ok := dc.dst.(connectors.Modeler)
		if !ok {
			err = fmt.Errorf("destination %s does not support models", mp.Destination)
		} else {
			err = m.Materialize(ctx, mp.node.Inst.Block.Name, mp.SQL, mp.Materialized)
		}
	}
	if err != nil {
		res.Err = fmt.Errorf("%s: %w", mp.Address, err)
	}
	res.Duration = time.Since(t0)
	return res
}
