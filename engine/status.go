package engine

import (
	"context"
	"log/slog"

	"github.com/syncctl/syncctl/connectors"
)

// TableStatus is what the destination holds for one table instance.
type TableStatus struct {
	Address     string           `json:"address"`
	Destination string           `json:"destination"`
	Table       string           `json:"table"`
	Tenant      string           `json:"tenant"`
	Rows        int64            `json:"rows"`
	State       connectors.State `json:"state"`
	Loaded      bool             `json:"loaded"`
}

// Status reads the state and row counts of every table instance from the
// destinations, read-only and without contacting any source.
func Status(ctx context.Context, ws *Workspace, log *slog.Logger) ([]*TableStatus, error) {
	s := newSession(log, false)
	defer s.close()
	var out []*TableStatus
	for _, t := range ws.sortedTables() {
		ts := &TableStatus{Address: t.Addr(), Table: t.Inst.DestTable,
			Tenant: t.Tenant(), Destination: t.Destination.Config.Describe()}
		out = append(out, ts)
		dc, err := s.destination(ctx, t.Destination)
		if err != nil {
			return out, err
		}
		if dc.dst == nil {
			continue
		}
		ts.State, ts.Loaded = dc.states[stateKey(ts.Table, ts.Tenant)]
		if c, ok := dc.dst.(connectors.Counter); ok {
			if ts.Rows, err = c.Count(ctx, ts.Table, ts.Tenant); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
