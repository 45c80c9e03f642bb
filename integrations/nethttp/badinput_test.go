package nethttp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/nethttp"
)

// badCase is one bad input: the call that makes it, and what the
// documentation says comes of it.
type badCase struct {
	name   string
	api    string // the API called
	input  string // the bad input, for people
	result string // the documented outcome, for people
	// call makes the bad call on a fresh tracker and checks its outcome.
	call func(t *testing.T, tr *conn.Tracker)
}

// allStates are the transitions a ConnState hook can see.
var allStates = []http.ConnState{http.StateNew, http.StateActive, http.StateIdle, http.StateHijacked, http.StateClosed}

// serveOne serves one request through srv on loopback and returns its
// error.
func serveOne(srv *http.Server) error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(lis)
	defer srv.Shutdown(context.Background())
	tp := &http.Transport{}
	defer tp.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tp}).Get("http://" + lis.Addr().String())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
}

func badCases() []badCase {
	return []badCase{
		{
			name: "conn state nil pool", api: "nethttp.ConnState", input: "pool: nil",
			result: "a non-nil hook that does nothing",
			call: func(t *testing.T, _ *conn.Tracker) {
				hook := nethttp.ConnState(nil)
				if hook == nil {
					t.Fatal("nil hook")
				}
				a, b := net.Pipe()
				defer a.Close()
				defer b.Close()
				for _, s := range allStates {
					hook(a, s)
				}
			},
		},
		{
			name: "track server nil server", api: "nethttp.TrackServer", input: "srv: nil",
			result: "no-op",
			call: func(t *testing.T, tr *conn.Tracker) {
				nethttp.TrackServer(nil, tr.Pool("http", "bad"))
				if s := tr.Snapshot().Pools[0]; s.Created != 0 {
					t.Errorf("%d connections created", s.Created)
				}
			},
		},
		{
			name: "track server nil pool", api: "nethttp.TrackServer", input: "pool: nil",
			result: "no-op: srv.ConnState stays nil and the server serves",
			call: func(t *testing.T, _ *conn.Tracker) {
				srv := &http.Server{Handler: okHandler()}
				nethttp.TrackServer(srv, nil)
				if srv.ConnState != nil {
					t.Error("a hook was set")
				}
				if err := serveOne(srv); err != nil {
					t.Error(err)
				}
			},
		},
		{
			name: "track server nil pool with a hook", api: "nethttp.TrackServer", input: "pool: nil, srv.ConnState set",
			result: "no-op: the server's hook is kept and still called",
			call: func(t *testing.T, _ *conn.Tracker) {
				calls := make(chan http.ConnState, 16)
				srv := &http.Server{Handler: okHandler(), ConnState: func(_ net.Conn, s http.ConnState) { calls <- s }}
				nethttp.TrackServer(srv, nil)
				srv.ConnState(nil, http.StateNew)
				if got := <-calls; got != http.StateNew {
					t.Errorf("the server's hook saw %v", got)
				}
			},
		},
		{
			name: "transitions of an unseen connection", api: "nethttp.ConnState", input: "active, idle, hijacked, closed without new",
			result: "ignored: nothing tracked",
			call: func(t *testing.T, tr *conn.Tracker) {
				hook := nethttp.ConnState(tr.Pool("http", "bad"))
				a, b := net.Pipe()
				defer a.Close()
				defer b.Close()
				for _, s := range allStates[1:] {
					hook(a, s)
				}
				if s := tr.Snapshot().Pools[0]; s.Created != 0 || s.Destroyed != 0 || s.Reused != 0 {
					t.Errorf("tracked: %+v", s)
				}
			},
		},
		{
			name: "nil net.Conn", api: "nethttp.ConnState", input: "nc: nil, new then closed",
			result: "tracked as any connection: created, then destroyed",
			call: func(t *testing.T, tr *conn.Tracker) {
				hook := nethttp.ConnState(tr.Pool("http", "bad"))
				hook(nil, http.StateNew)
				hook(nil, http.StateClosed)
				if s := tr.Snapshot().Pools[0]; s.Created != 1 || s.Destroyed != 1 || s.Open != 0 {
					t.Errorf("created %d, destroyed %d, open %d; want 1, 1, 0", s.Created, s.Destroyed, s.Open)
				}
			},
		},
	}
}

// TestBadInputNetHTTP runs every bad input of badCases with a fresh
// tracker: none may panic, and each must have its documented outcome.
func TestBadInputNetHTTP(t *testing.T) {
	cases := badCases()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			tr, err := conn.New()
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Shutdown(context.Background())
			badNoPanic(t, func() { tc.call(t, tr) })
		})
	}
	if testing.Verbose() {
		t.Log("\n" + badTable(cases))
	}
}

// badNoPanic runs f, failing t if it panics.
func badNoPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panicked: %v\n%s", p, debug.Stack())
		}
	}()
	f()
}

// badTable renders the cases as a Markdown table.
func badTable(cases []badCase) string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| case | API | input | result |\n|---|---|---|---|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(c.name), cell(c.api), cell(c.input), cell(c.result))
	}
	return b.String()
}
