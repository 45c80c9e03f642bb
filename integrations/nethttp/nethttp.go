package nethttp

import (
	"net"
	"net/http"
	"sync"

	"github.com/otelvitals/vitals/instrument/conn"
)

// ConnState returns an [http.Server] ConnState hook that tracks the server's
// connections in pool. Use [TrackServer] to install it beside a hook the
// server already has. The hook is safe for concurrent use; a transition of
// a connection it never saw opened (one accepted before the hook was set)
// is ignored.
//
// A nil pool gives a hook that does nothing: it is never nil, so it can be
// called without a check.
func ConnState(pool *conn.Pool) func(net.Conn, http.ConnState) {
	if pool == nil {
		return func(net.Conn, http.ConnState) {}
	}
	var open sync.Map // net.Conn -> *conn.Conn
	return func(nc net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			open.Store(nc, pool.Open())
		case http.StateActive:
			if c, ok := open.Load(nc); ok {
				c.(*conn.Conn).Acquire()
			}
		case http.StateIdle:
			if c, ok := open.Load(nc); ok {
				c.(*conn.Conn).Release()
			}
		case http.StateClosed, http.StateHijacked:
			if c, ok := open.LoadAndDelete(nc); ok {
				c.(*conn.Conn).Close()
			}
		}
	}
}

// TrackServer sets srv.ConnState to track srv's connections in pool,
// calling the hook srv already had, if any, after it. Call it before the
// server starts serving. A nil srv or pool is a no-op: srv.ConnState is
// left as it was.
func TrackServer(srv *http.Server, pool *conn.Pool) {
	if srv == nil || pool == nil {
		return
	}
	track := ConnState(pool)
	prev := srv.ConnState
	if prev == nil {
		srv.ConnState = track
		return
	}
	srv.ConnState = func(nc net.Conn, state http.ConnState) {
		track(nc, state)
		prev(nc, state)
	}
}
