package main

import (
	"context"
	"fmt"
)

func runGraph(_ context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "graph")
	var vf varFlags
	vf.register(fs)
	if done, code := parseFlags(e, fs, help, args, "syncctl graph [flags] | dot -Tsvg > graph.svg"); done {
		return code
	}
	ws, _, ok := load(e, vf.options(true), false)
	if !ok {
		return exitError
	}
	fmt.Fprint(e.stdout, ws.Graph.DOT())
	return exitOK
}
