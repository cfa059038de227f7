package engine

import "context"

// pipe runs the commits of one table load on a goroutine of their own,
// one after the other in the order sent, so that reading and decoding the
// next batch overlaps with loading the last one. The channel is not
// buffered: at most one batch waits while another commits, which bounds
// the rows in memory by twice the batch size.
type pipe struct {
	work   chan func() error
	done   chan struct{}
	cancel context.CancelFunc
	err    error // the failed commit's error, set before done closes
}

// startPipe starts a pipe. The context it returns, for the reading side,
// is cancelled when a commit fails, so that a read in progress stops.
func startPipe(ctx context.Context) (*pipe, context.Context) {
	readCtx, cancel := context.WithCancel(ctx)
	p := &pipe{work: make(chan func() error), done: make(chan struct{}),
		cancel: cancel}
	go func() {
		defer close(p.done)
		for fn := range p.work {
			if p.err = fn(); p.err != nil {
				cancel()
				return
			}
		}
	}()
	return p, readCtx
}

// send hands a commit to the pipe, waiting while the one before runs. It
// returns the error of a commit that failed; nothing sent after that
// runs.
func (p *pipe) send(fn func() error) error {
	select {
	case p.work <- fn:
		return nil
	case <-p.done:
		return p.err
	}
}

// close waits for the commits sent and returns the first error.
func (p *pipe) close() error {
	close(p.work)
	<-p.done
	p.cancel()
	return p.err
}
