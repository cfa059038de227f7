package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/syncctl/syncctl/engine"
)

func runStatus(ctx context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "status")
	var vf varFlags
	vf.register(fs)
	jsonOut := fs.Bool("json", false, "print machine-readable JSON")
	targets := fs.StringArray("target", nil, "limit to a table `ADDR`ess (repeatable)")
	if done, code := parseFlags(e, fs, help, args, "syncctl status [flags]"); done {
		return code
	}
	// Status never contacts a source, so missing source settings are fine.
	ws, _, ok := load(e, vf.options(true), false)
	if !ok {
		return exitError
	}
	sts, err := engine.Status(ctx, ws, e.log)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %s\n", err)
		return exitError
	}
	if len(*targets) > 0 {
		var kept []*engine.TableStatus
		for _, s := range sts {
			for _, t := range *targets {
				if s.Address == t || strings.HasPrefix(s.Address, t+"[") {
					kept = append(kept, s)
					break
				}
			}
		}
		if len(kept) == 0 {
			fmt.Fprintf(e.stderr, "Error: no table matches --target %s; syncctl graph lists the addresses\n",
				strings.Join(*targets, ", "))
			return exitError
		}
		sts = kept
	}
	if *jsonOut {
		writeJSON(e, sts)
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tWATERMARK\tLAST RUN\tSERIAL")
	for _, s := range sts {
		wm, last := "-", "never loaded"
		if s.State.Watermark != "" {
			wm = s.State.Watermark
		}
		if s.Loaded {
			last = s.State.UpdatedAt.UTC().Format("2006-01-02 15:04:05Z")
			if s.State.Cursor != "" {
				last += " (unfinished)"
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\n", s.Address, s.Rows, wm, last, s.State.Serial)
	}
	tw.Flush()
	return exitOK
}
