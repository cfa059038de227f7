package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

func runConsole(_ context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "console")
	var vf varFlags
	vf.register(fs)
	if done, code := parseFlags(e, fs, help, args, "syncctl console [flags] < expressions"); done {
		return code
	}
	ws, _, ok := load(e, vf.options(true), false)
	if !ok || ws.Ctx == nil {
		return exitError
	}
	sc := bufio.NewScanner(e.stdin)
	code := exitOK
	for n := 1; ; n++ {
		if isTerminal(e.stdout) {
			fmt.Fprint(e.stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if line == "exit" {
			break
		}
		expr, diags := hclsyntax.ParseExpression([]byte(line), fmt.Sprintf("<console line %d>", n), hcl.InitialPos)
		if !diags.HasErrors() {
			var v cty.Value
			v, diags = expr.Value(ws.Ctx)
			if !diags.HasErrors() {
				if readsSecrets(expr) {
					v = v.Mark("sensitive")
				}
				fmt.Fprintln(e.stdout, formatValue(v))
				continue
			}
		}
		printDiags(e, nil, diags)
		code = exitError
	}
	return code
}

// formatValue renders a value for the console, hiding sensitive ones.
func formatValue(v cty.Value) string {
	if v.IsMarked() || containsMarks(v) {
		return "(sensitive value)"
	}
	if !v.IsWhollyKnown() {
		return "(known after plan)"
	}
	if v.Type() == cty.String && !v.IsNull() {
		return fmt.Sprintf("%q", v.AsString())
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return string(b)
}

func containsMarks(v cty.Value) bool {
	_, pvm := v.UnmarkDeepWithPaths()
	return len(pvm) > 0
}

// readsSecrets reports whether an expression calls env() or file(),
// whose results often are secrets: the console hides them.
func readsSecrets(expr hclsyntax.Expression) bool {
	found := false
	hclsyntax.VisitAll(expr, func(n hclsyntax.Node) hcl.Diagnostics {
		if fc, ok := n.(*hclsyntax.FunctionCallExpr); ok && (fc.Name == "env" || fc.Name == "file") {
			found = true
		}
		return nil
	})
	return found
}
