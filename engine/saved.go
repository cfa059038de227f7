package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// savedPlanFormat identifies a plan file.
const savedPlanFormat = "syncctl-plan/1"

type savedPlan struct {
	Format string `json:"format"`
	*Plan
}

// WritePlanFile saves a plan for a later `apply FILE`.
func WritePlanFile(path string, p *Plan) error {
	b, err := json.MarshalIndent(savedPlan{Format: savedPlanFormat, Plan: p}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ReadPlanFile reads a plan saved by WritePlanFile.
func ReadPlanFile(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sp := savedPlan{Plan: &Plan{}}
	if err := json.Unmarshal(b, &sp); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	if sp.Format != savedPlanFormat {
		return nil, fmt.Errorf("%s is not a syncctl plan file (format %q, want %q)", path, sp.Format, savedPlanFormat)
	}
	return sp.Plan, nil
}

// CheckSaved compares a fresh plan with a saved one. It returns an error
// naming what changed when the saved plan no longer describes what apply
// would do: a table's state moved on (its serial grew), its configuration
// changed, or the set of tables or their actions differ.
func (p *Plan) CheckSaved(saved *Plan) error {
	fresh := map[string]*TablePlan{}
	for _, t := range p.Tables {
		fresh[t.Address] = t
	}
	var problems []string
	for _, s := range saved.Tables {
		f, ok := fresh[s.Address]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s is no longer planned", s.Address))
		case f.PriorSerial != s.PriorSerial:
			problems = append(problems, fmt.Sprintf("%s was loaded since the plan was made (state serial %d, now %d)",
				s.Address, s.PriorSerial, f.PriorSerial))
		case f.ConfigHash != s.ConfigHash:
			problems = append(problems, fmt.Sprintf("%s: its configuration or the source's columns changed", s.Address))
		case f.Action != s.Action || f.Watermark != s.Watermark || f.Request != s.Request:
			problems = append(problems, fmt.Sprintf("%s would now %s instead of %s", s.Address, f.Action, s.Action))
		}
		delete(fresh, s.Address)
	}
	for addr := range fresh {
		problems = append(problems, fmt.Sprintf("%s is planned now but not in the saved plan", addr))
	}
	if len(problems) > 0 {
		return fmt.Errorf("the saved plan is stale: %s; run plan again", strings.Join(problems, "; "))
	}
	return nil
}
