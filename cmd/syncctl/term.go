package main

import (
	"context"
	"io"
	"os"
)

var errCanceled = context.Canceled

// isTerminal reports whether w is a character device, to decide on color.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
