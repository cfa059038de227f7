package postgres

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pool is a small pool of connections, enough for a destination whose
// tables load in parallel: at most size connections at a time, idle ones
// reused.
type pool struct {
	cfg  *pgx.ConnConfig
	slot chan struct{} // one token per connection in use

	mu     sync.Mutex
	idle   []*pgx.Conn
	closed bool
}

func newPool(cfg *pgx.ConnConfig) *pool {
	size := max(4, runtime.NumCPU())
	return &pool{cfg: cfg, slot: make(chan struct{}, size)}
}

var errPoolClosed = errors.New("destination is closed")

// with runs fn on a connection of the pool. A connection that fn leaves
// broken or inside a transaction is closed, not reused.
func (p *pool) with(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(c)
	return fn(c)
}

func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case p.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slot
		return nil, errPoolClosed
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := pgx.ConnectConfig(ctx, p.cfg.Copy())
	if err != nil {
		<-p.slot
		return nil, err
	}
	return c, nil
}

func (p *pool) release(c *pgx.Conn) {
	defer func() { <-p.slot }()
	p.mu.Lock()
	reuse := !p.closed && !c.IsClosed() && c.PgConn().TxStatus() == 'I'
	if reuse {
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
	if !reuse {
		closeConn(c)
	}
}

// close closes the idle connections; connections in use close when they
// are released.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		closeConn(c)
	}
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Close(ctx)
}

// inTx runs fn in a transaction on a pooled connection, committing when
// fn returns nil and rolling back otherwise.
func (d *Destination) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return d.pool.with(ctx, func(c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, fn)
	})
}

// exec runs one statement on a pooled connection.
func (d *Destination) exec(ctx context.Context, sql string, args ...any) error {
	return d.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, sql, args...)
		return err
	})
}
