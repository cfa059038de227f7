package schema

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// EnvVarPrefix prefixes environment variables that set variables.
const EnvVarPrefix = "SYNCCTL_VAR_"

// rawValue is one variable value before conversion to its type.
type rawValue struct {
	expr hcl.Expression // nil for plain strings
	str  string
	from string
	rng  *hcl.Range
}

// variableValues gathers and converts every variable's value. Later
// sources win: default, SYNCCTL_VAR_*, --var-file (in order), --var.
func (c *Config) variableValues(opts Options, funcs map[string]function.Function) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	raw := map[string]rawValue{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvVarPrefix) {
			continue
		}
		name, val, _ := strings.Cut(strings.TrimPrefix(kv, EnvVarPrefix), "=")
		if _, ok := opts.lookupEnv(EnvVarPrefix + name); ok {
			raw[name] = rawValue{str: val, from: "environment variable " + EnvVarPrefix + name}
		}
	}
	for _, f := range opts.VarFiles {
		diags = append(diags, c.readVarFile(f, raw)...)
	}
	for _, kv := range opts.Vars {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid --var option",
				Detail:  fmt.Sprintf("%q is not NAME=VALUE; write for example --var tenant=Company.", kv)})
			continue
		}
		raw[name] = rawValue{str: val, from: "--var " + name}
	}

	vals := map[string]cty.Value{}
	names := make([]string, 0, len(c.Variables))
	for n := range c.Variables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := c.Variables[n]
		val, d := v.value(raw, opts.Offline)
		diags = append(diags, d...)
		// Mark first: diagnostics of the validation rules then never
		// quote a sensitive value.
		if v.Sensitive {
			val = val.Mark(SensitiveMark)
		}
		if !d.HasErrors() {
			diags = append(diags, v.validate(val, funcs)...)
		}
		vals[n] = val
		delete(raw, n)
	}
	for n, r := range raw {
		if r.rng == nil && strings.HasPrefix(r.from, "environment") {
			continue // the environment may hold values for other configs
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Value for undeclared variable",
			Detail:  fmt.Sprintf("%s sets %q, but no variable %q is declared. Declare it with a variable block, or remove the value.", r.from, n, n),
			Subject: r.rng})
	}
	return vals, diags
}

// value converts the raw value of v, or falls back to its default.
func (v *Variable) value(raw map[string]rawValue, offline bool) (cty.Value, hcl.Diagnostics) {
	r, ok := raw[v.Name]
	if !ok {
		if v.Default != cty.NilVal {
			return v.Default, nil
		}
		if offline {
			return cty.UnknownVal(v.Type), nil
		}
		return cty.UnknownVal(v.Type), hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "No value for required variable",
			Detail: fmt.Sprintf("Variable %q has no default. Set it with --var %s=VALUE, a --var-file, or the environment variable %s%s.",
				v.Name, v.Name, EnvVarPrefix, v.Name),
			Subject: v.DeclRange.Ptr()}}
	}
	var val cty.Value
	if r.expr != nil {
		var d hcl.Diagnostics
		if val, d = r.expr.Value(nil); d.HasErrors() {
			return cty.UnknownVal(v.Type), d
		}
	} else if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		val = cty.StringVal(r.str)
	} else {
		// Non-string types are written in HCL syntax: 5, true,
		// ["a", "b"], { k = "v" }.
		expr, d := hclsyntax.ParseExpression([]byte(r.str), r.from, hcl.InitialPos)
		if !d.HasErrors() {
			val, d = expr.Value(nil)
		}
		if d.HasErrors() {
			return cty.UnknownVal(v.Type), hcl.Diagnostics{{Severity: hcl.DiagError,
				Summary: "Invalid value for variable",
				Detail: fmt.Sprintf("%s sets %q to %s, which is not a %s. Write it in HCL syntax, for example %s.",
					r.from, v.Name, v.show(r.str), typeexpr.TypeString(v.Type), example(v.Type)),
				Subject: r.rng}}
		}
	}
	cv, err := convert.Convert(val, v.Type)
	if err != nil {
		return cty.UnknownVal(v.Type), hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "Invalid value for variable",
			Detail:  fmt.Sprintf("The value from %s does not fit variable %q: %s.", r.from, v.Name, err),
			Subject: r.rng}}
	}
	return cv, nil
}

// readVarFile reads NAME = VALUE attributes from a *.vars.hcl file.
func (c *Config) readVarFile(name string, raw map[string]rawValue) hcl.Diagnostics {
	src, err := os.ReadFile(name)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "Cannot read variables file", Detail: err.Error()}}
	}
	f, diags := c.Parser.ParseHCL(src, name)
	if diags.HasErrors() {
		return diags
	}
	attrs, d := f.Body.JustAttributes()
	diags = append(diags, d...)
	for n, a := range attrs {
		raw[n] = rawValue{expr: a.Expr, from: name, rng: a.Range.Ptr()}
	}
	return diags
}

// example shows how a value of type ty is written on the command line.
func example(ty cty.Type) string {
	switch {
	case ty == cty.Number:
		return "--var name=10"
	case ty == cty.Bool:
		return "--var name=true"
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		return `--var 'name=["a", "b"]'`
	case ty.IsMapType() || ty.IsObjectType():
		return `--var 'name={ key = "value" }'`
	}
	return `--var 'name="value"'`
}

// show quotes a raw value for a diagnostic, unless it is sensitive.
func (v *Variable) show(raw string) string {
	if v.Sensitive {
		return "a sensitive value"
	}
	return fmt.Sprintf("%q", raw)
}
