package schema

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// Variable is a `variable "NAME"` block.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Default     cty.Value
	Sensitive   bool
	Validations []*Validation
	DeclRange   hcl.Range
}

// Validation is a `validation { condition, error_message }` block of a
// variable.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage string
	DeclRange    hcl.Range
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
		{Name: "sensitive"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

func decodeVariable(b *hcl.Block) (*Variable, hcl.Diagnostics) {
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType,
		Default: cty.NilVal, DeclRange: b.DefRange}
	diags := checkName("variable", v.Name, b.LabelRanges[0])
	content, d := b.Body.Content(variableSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["type"]; ok {
		ty, d := typeexpr.TypeConstraint(a.Expr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			v.Type = ty
		}
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &v.Description)...)
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &v.Sensitive)...)
	}
	if a, ok := content.Attributes["default"]; ok {
		val, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			cv, err := convert.Convert(val, v.Type)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: "Invalid default value for variable",
					Detail: fmt.Sprintf("The default of variable %q does not match its type %s: %s.",
						v.Name, typeexpr.TypeString(v.Type), err),
					Subject: a.Expr.Range().Ptr()})
			} else {
				v.Default = cv
			}
		}
	}
	for _, b := range content.Blocks {
		vc, d := b.Body.Content(validationSchema)
		diags = append(diags, d...)
		val := &Validation{DeclRange: b.DefRange}
		if a, ok := vc.Attributes["condition"]; ok {
			val.Condition = a.Expr
			for _, tr := range a.Expr.Variables() {
				if tr.RootName() != "var" || len(tr) < 2 || traverseName(tr[1]) != v.Name {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
						Summary: "Invalid validation condition",
						Detail:  fmt.Sprintf("A validation condition may refer only to var.%s.", v.Name),
						Subject: tr.SourceRange().Ptr()})
				}
			}
		}
		if a, ok := vc.Attributes["error_message"]; ok {
			diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &val.ErrorMessage)...)
		}
		if val.Condition != nil {
			v.Validations = append(v.Validations, val)
		}
	}
	return v, diags
}

func traverseName(t hcl.Traverser) string {
	if a, ok := t.(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// validate checks val against the variable's validation rules.
func (v *Variable) validate(val cty.Value, funcs map[string]function.Function) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !val.IsWhollyKnown() {
		return nil
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.Name: val})},
		Functions: funcs,
	}
	for _, rule := range v.Validations {
		res, d := rule.Condition.Value(ctx)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		res, _ = res.Unmark()
		if res.IsNull() || !res.IsKnown() || res.Type() != cty.Bool {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid validation condition",
				Detail:  "A validation condition must be true or false.",
				Subject: rule.Condition.Range().Ptr()})
			continue
		}
		if res.False() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Invalid value for variable",
				Detail:  fmt.Sprintf("%s\n\nThis was checked by the validation rule at %s.", rule.ErrorMessage, rule.DeclRange),
				Subject: v.DeclRange.Ptr()})
		}
	}
	return diags
}
