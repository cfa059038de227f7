package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Graph is a directed acyclic graph of addresses: an edge from a node to
// each node it depends on.
type Graph struct {
	nodes []string
	deps  map[string][]string
	label map[string]string
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{deps: map[string][]string{}, label: map[string]string{}}
}

// Add adds node (if new) with edges to deps.
func (g *Graph) Add(node string, deps ...string) {
	if _, ok := g.deps[node]; !ok {
		g.nodes = append(g.nodes, node)
		g.deps[node] = nil
	}
	for _, d := range deps {
		if d != node && !contains(g.deps[node], d) {
			g.deps[node] = append(g.deps[node], d)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Deps returns the direct dependencies of node.
func (g *Graph) Deps(node string) []string { return g.deps[node] }

// Cycles returns every cycle (strongly connected component of more than
// one node, or a node depending on itself), members sorted.
func (g *Graph) Cycles() [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	n := 0
	var strong func(v string)
	strong = func(v string) {
		index[v], low[v] = n, n
		n++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range g.deps[v] {
			if _, seen := index[w]; !seen {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			if len(comp) > 1 {
				sort.Strings(comp)
				out = append(out, comp)
			}
		}
	}
	nodes := append([]string(nil), g.nodes...)
	sort.Strings(nodes)
	for _, v := range nodes {
		if _, seen := index[v]; !seen {
			strong(v)
		}
	}
	return out
}

// ErrSkipped is wrapped by the error of a node whose dependency failed.
var ErrSkipped = fmt.Errorf("skipped")

// Walk calls fn for every node once all its dependencies succeeded, at
// most parallelism at a time. A node whose dependency failed is not run;
// its error wraps ErrSkipped. It returns each node's error. The graph
// must be acyclic.
func (g *Graph) Walk(ctx context.Context, parallelism int, fn func(ctx context.Context, node string) error) map[string]error {
	if parallelism < 1 {
		parallelism = 1
	}
	done := map[string]chan struct{}{}
	for _, n := range g.nodes {
		done[n] = make(chan struct{})
	}
	var mu sync.Mutex
	errs := map[string]error{}
	sem := make(chan struct{}, parallelism)
	var wg sync.WaitGroup
	for _, n := range g.nodes {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			defer close(done[n])
			var err error
			for _, d := range g.deps[n] {
				ch, ok := done[d]
				if !ok {
					continue
				}
				<-ch
				mu.Lock()
				derr := errs[d]
				mu.Unlock()
				if derr != nil && err == nil {
					err = fmt.Errorf("%w: %s did not complete", ErrSkipped, d)
				}
			}
			if err == nil {
				sem <- struct{}{}
				err = ctx.Err()
				if err == nil {
					err = fn(ctx, n)
				}
				<-sem
			}
			mu.Lock()
			errs[n] = err
			mu.Unlock()
		}(n)
	}
	wg.Wait()
	return errs
}

// SetLabel sets the label a node gets in DOT output.
func (g *Graph) SetLabel(node, label string) { g.label[node] = label }

// DOT renders the graph in Graphviz format, edges pointing from a node
// to what it depends on.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph syncctl {\n  rankdir = \"RL\";\n  node [shape = box];\n")
	nodes := append([]string(nil), g.nodes...)
	sort.Strings(nodes)
	for _, n := range nodes {
		label := n
		if l := g.label[n]; l != "" {
			label = l
		}
		fmt.Fprintf(&b, "  %q [label = %q];\n", n, label)
	}
	for _, n := range nodes {
		deps := append([]string(nil), g.deps[n]...)
		sort.Strings(deps)
		for _, d := range deps {
			fmt.Fprintf(&b, "  %q -> %q;\n", n, d)
		}
	}
	b.WriteString("}\n")
	return b.String()
}
