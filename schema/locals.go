package schema

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// localValues evaluates the locals blocks. Locals may refer to variables
// and to each other in any order; a cycle is one diagnostic naming every
// member.
func (c *Config) localValues(base *hcl.EvalContext) (map[string]cty.Value, hcl.Diagnostics) {
	vals := map[string]cty.Value{}
	var diags hcl.Diagnostics
	pending := map[string]*hcl.Attribute{}
	for _, a := range c.Locals {
		pending[a.Name] = a
	}
	for len(pending) > 0 {
		progress := false
		for _, name := range sortedNames(pending) {
			a := pending[name]
			if !localsReady(a, vals, pending) {
				continue
			}
			ctx := base.NewChild()
			ctx.Variables = map[string]cty.Value{"local": cty.ObjectVal(vals)}
			v, d := a.Expr.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() {
				v = cty.DynamicVal
			}
			vals[name] = v
			delete(pending, name)
			progress = true
		}
		if progress {
			continue
		}
		// Whatever is left waits on itself: a cycle, or a reference to a
		// local that does not exist.
		names := sortedNames(pending)
		for _, n := range names {
			for _, tr := range pending[n].Expr.Variables() {
				if ref := localRef(tr); ref != "" {
					if _, declared := pending[ref]; !declared {
						if _, done := vals[ref]; !done {
							diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
								Summary: "Reference to undeclared local value",
								Detail:  fmt.Sprintf("No local value %q is declared in a locals block.", ref),
								Subject: tr.SourceRange().Ptr()})
						}
					}
				}
			}
		}
		if !diags.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Cycle between local values",
				Detail:  fmt.Sprintf("These local values refer to each other in a cycle: local.%s.", strings.Join(names, ", local.")),
				Subject: pending[names[0]].NameRange.Ptr()})
		}
		for _, n := range names {
			vals[n] = cty.DynamicVal
		}
		break
	}
	return vals, diags
}

// localsReady reports whether every local a refers to is evaluated.
func localsReady(a *hcl.Attribute, vals map[string]cty.Value, pending map[string]*hcl.Attribute) bool {
	for _, tr := range a.Expr.Variables() {
		ref := localRef(tr)
		if ref == "" {
			continue
		}
		if _, ok := vals[ref]; !ok {
			return false
		}
	}
	return true
}

func localRef(tr hcl.Traversal) string {
	if tr.RootName() != "local" || len(tr) < 2 {
		return ""
	}
	return traverseName(tr[1])
}

func sortedNames(m map[string]*hcl.Attribute) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
