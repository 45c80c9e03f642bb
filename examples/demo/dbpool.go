package main

import (
	"sync"
	"time"

	"github.com/otelvitals/vitals/instrument/conn"
)

// dbPool simulates a database connection pool: a few connections, handed
// out per query, closed and replaced once older than maxLifetime, and now
// and then leaked (taken and never given back), as buggy code does.
type dbPool struct {
	pool        *conn.Pool
	maxLifetime time.Duration

	mu    sync.Mutex
	idle  []*conn.Conn
	born  map[*conn.Conn]time.Time
	slots chan struct{} // one token per connection the pool may hold
	uses  int
}

func newDBPool(p *conn.Pool, size int, maxLifetime time.Duration) *dbPool {
	d := &dbPool{pool: p, maxLifetime: maxLifetime, born: map[*conn.Conn]time.Time{}, slots: make(chan struct{}, size)}
	// What the pool knows of its bounds, for the health rules: its size,
	// and the age past which a connection should have been replaced (a
	// connection is replaced when it comes back past its lifetime, so
	// allow one more lifetime).
	p.SetLimits(conn.Limits{MaxOpen: size, MaxAge: 2 * maxLifetime})
	for range size {
		d.slots <- struct{}{}
	}
	return d
}

// query runs fn on a pooled connection.
func (d *dbPool) query(fn func()) {
	<-d.slots
	d.mu.Lock()
	var c *conn.Conn
	if n := len(d.idle); n > 0 {
		c, d.idle = d.idle[n-1], d.idle[:n-1]
	} else {
		c = d.pool.Open()
		d.born[c] = time.Now()
	}
	d.uses++
	leak := d.uses%5000 == 0
	d.mu.Unlock()

	c.Acquire()
	fn()
	if leak { // lose the connection: only the retention will reclaim it
		d.mu.Lock()
		delete(d.born, c)
		d.mu.Unlock()
		d.slots <- struct{}{}
		return
	}
	c.Release()

	d.mu.Lock()
	if time.Since(d.born[c]) > d.maxLifetime {
		delete(d.born, c)
		c.Close()
	} else {
		d.idle = append(d.idle, c)
	}
	d.mu.Unlock()
	d.slots <- struct{}{}
}

// close closes every idle connection.
func (d *dbPool) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.idle {
		c.Close()
	}
	d.idle = nil
}
