package admission_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/admission"
	"github.com/otelvitals/vitals/semconv"
)

// badCase is one bad input: the call that makes it, and what the
// documentation says comes of it.
type badCase struct {
	name   string
	api    string // the API called
	input  string // the bad input, for people
	result string // the documented outcome, for people
	// call makes the bad call with a fresh monitor and checks its outcome.
	call func(t *testing.T, m *queue.Monitor)
}

// queueNamed returns the snapshot of m's queue name, and whether there is
// one.
func queueNamed(m *queue.Monitor, name string) (queue.Entry, bool) {
	for _, q := range m.Snapshot().Queues {
		if q.Name == name {
			return q, true
		}
	}
	return queue.Entry{}, false
}

// queueNames returns the names of m's queues, in the order they were made.
func queueNames(m *queue.Monitor) []string {
	var names []string
	for _, q := range m.Snapshot().Queues {
		names = append(names, q.Name)
	}
	return names
}

// wantQueues checks that the limiter of name made exactly the queues want.
func wantQueues(t *testing.T, m *queue.Monitor, name string, want ...string) {
	t.Helper()
	admission.New(m, name, admission.Config{Limit: 2, QueueLength: 3})
	got := queueNames(m)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("queues %.80q, want %.80q", got, want)
	}
	for _, n := range got {
		if len(n) > semconv.MaxValueLength {
			t.Errorf("queue name of %d bytes", len(n))
		}
	}
}

// gate is a handler that serves "ok", holding a request with hold=1
// until it is opened.
type gate struct {
	started chan struct{}
	open    chan struct{}
}

func newGate() *gate { return &gate{started: make(chan struct{}, 1), open: make(chan struct{})} }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("hold") == "1" {
		g.started <- struct{}{}
		<-g.open
	}
	io.WriteString(w, "ok")
}

// hold starts a request through h, a limiter's handler of g, and returns
// once it runs, holding its slot until release is called, which waits for
// its 200.
func (g *gate) hold(t *testing.T, h http.Handler) (release func()) {
	t.Helper()
	done := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/?hold=1", nil))
		done <- rec.Code
	}()
	<-g.started
	return func() {
		close(g.open)
		if code := <-done; code != http.StatusOK {
			t.Errorf("held request: %d", code)
		}
	}
}

func badCases() []badCase {
	mib := strings.Repeat("q", 1<<20)
	short := semconv.MaxValueLength - len("_in_flight")
	return []badCase{
		{
			name: "new nil monitor", api: "admission.New", input: "m: nil, Limit 1, QueueLength 0",
			result: "a Limiter that limits as configured and reports nothing",
			call: func(t *testing.T, _ *queue.Monitor) {
				g := newGate()
				h := admission.New(nil, "api", admission.Config{Limit: 1}).Handler(g)
				release := g.hold(t, h)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if rec.Code != http.StatusServiceUnavailable {
					t.Errorf("second request: %d, want 503", rec.Code)
				}
				release()
			},
		},
		{
			name: "new invalid UTF-8 name", api: "admission.New", input: `name "api\xff"`,
			result: `queues "api\uFFFD_in_flight" and "api\uFFFD"`,
			call: func(t *testing.T, m *queue.Monitor) {
				wantQueues(t, m, "api\xff", "api\uFFFD_in_flight", "api\uFFFD")
			},
		},
		{
			name: "new 1 MiB name", api: "admission.New", input: "name of 1 MiB",
			result: `two queues: the name cut to 246 bytes, and it + "_in_flight" (256 bytes)`,
			call: func(t *testing.T, m *queue.Monitor) {
				wantQueues(t, m, mib, mib[:short]+"_in_flight", mib[:short])
			},
		},
		{
			name: "new name cut inside a rune", api: "admission.New", input: "name of 300 bytes of é",
			result: "cut on a rune boundary, to 246 bytes",
			call: func(t *testing.T, m *queue.Monitor) {
				e := strings.Repeat("é", short/2)
				wantQueues(t, m, strings.Repeat("é", 150), e+"_in_flight", e)
			},
		},
		{
			name: "new empty name", api: "admission.New", input: `name ""`,
			result: `queues "unknown_in_flight" and "unknown"`,
			call: func(t *testing.T, m *queue.Monitor) {
				wantQueues(t, m, "", "unknown_in_flight", "unknown")
			},
		},
		{
			name: "negative timeout", api: "admission.Config.Timeout", input: "Timeout -1s, Limit 1, QueueLength 5",
			result: "no wait: a request that cannot run at once gets 503 at once; the admission queue has capacity 0",
			call: func(t *testing.T, m *queue.Monitor) {
				l := admission.New(m, "neg", admission.Config{Limit: 1, QueueLength: 5, Timeout: -time.Second})
				g := newGate()
				h := l.Handler(g)
				release := g.hold(t, h)
				defer release()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel() // frees a request that waits, as it must not
				done := make(chan int, 1)
				go func() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
					done <- rec.Code
				}()
				for {
					select {
					case code := <-done:
						if code != http.StatusServiceUnavailable {
							t.Errorf("second request: %d, want 503", code)
						}
						if q, _ := queueNamed(m, "neg"); q.Capacity != 0 || q.Rejected != 1 || q.Depth != 0 {
							t.Errorf("admission queue: capacity %d, rejected %d, depth %d; want 0, 1, 0", q.Capacity, q.Rejected, q.Depth)
						}
						return
					default:
					}
					if depthOf(m, "neg") == 1 {
						t.Error("the request waits for admission")
						cancel()
						<-done
						return
					}
					time.Sleep(time.Millisecond)
				}
			},
		},
		{
			name: "negative limit", api: "admission.New", input: "Limit -3",
			result: "taken as 0: nothing limited, only the in-flight queue reported",
			call: func(t *testing.T, m *queue.Monitor) {
				h := admission.New(m, "nolimit", admission.Config{Limit: -3, QueueLength: 5}).Handler(newGate())
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if rec.Code != http.StatusOK {
					t.Errorf("request: %d", rec.Code)
				}
				if names := queueNames(m); len(names) != 1 || names[0] != "nolimit_in_flight" {
					t.Errorf("queues %q", names)
				}
			},
		},
		{
			name: "negative queue length", api: "admission.New", input: "QueueLength -1, Limit 1",
			result: "taken as 0: a request that cannot run at once gets 503",
			call: func(t *testing.T, m *queue.Monitor) {
				g := newGate()
				h := admission.New(m, "noqueue", admission.Config{Limit: 1, QueueLength: -1}).Handler(g)
				release := g.hold(t, h)
				defer release()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if q, _ := queueNamed(m, "noqueue"); rec.Code != http.StatusServiceUnavailable || q.Capacity != 0 {
					t.Errorf("second request: %d, queue capacity %d; want 503, 0", rec.Code, q.Capacity)
				}
			},
		},
		{
			name: "negative retry after", api: "admission.Config.RetryAfter", input: "RetryAfter -5s",
			result: "Retry-After: 1",
			call: func(t *testing.T, m *queue.Monitor) {
				g := newGate()
				h := admission.New(m, "retry", admission.Config{Limit: 1, RetryAfter: -5 * time.Second}).Handler(g)
				release := g.hold(t, h)
				defer release()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if got := rec.Header().Get("Retry-After"); rec.Code != http.StatusServiceUnavailable || got != "1" {
					t.Errorf("%d with Retry-After %q, want 503 with 1", rec.Code, got)
				}
			},
		},
		{
			name: "nil limiter", api: "admission.Limiter.Handler", input: "a nil *Limiter",
			result: "next itself: every request admitted at once, nothing reported",
			call: func(t *testing.T, _ *queue.Monitor) {
				var l *admission.Limiter
				rec := httptest.NewRecorder()
				l.Handler(newGate()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if rec.Code != http.StatusOK {
					t.Errorf("request: %d", rec.Code)
				}
			},
		},
		{
			name: "handler nil next", api: "admission.Limiter.Handler", input: "next: nil",
			result: "http.DefaultServeMux, as for an http.Server (404 for an unregistered path)",
			call: func(t *testing.T, m *queue.Monitor) {
				h := admission.New(m, "mux", admission.Config{Limit: 1}).Handler(nil)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/vitals-no-such-path", nil))
				if rec.Code != http.StatusNotFound {
					t.Errorf("request: %d, want 404", rec.Code)
				}
				if depthOf(m, "mux_in_flight") != 0 {
					t.Error("the slot was not freed")
				}
			},
		},
		{
			name: "wait nil context", api: "admission.Wait", input: "ctx: nil",
			result: "0, false",
			call: func(t *testing.T, _ *queue.Monitor) {
				//lint:ignore SA1012 a nil ctx is the bad input under test
				if d, ok := admission.Wait(nil); d != 0 || ok {
					t.Errorf("Wait(nil) = %v, %v", d, ok)
				}
			},
		},
	}
}

// TestBadInputAdmission runs every bad input of badCases with a fresh
// monitor: none may panic, and each must have its documented outcome.
func TestBadInputAdmission(t *testing.T) {
	cases := badCases()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			m, err := queue.New()
			if err != nil {
				t.Fatal(err)
			}
			defer m.Shutdown(context.Background())
			badNoPanic(t, func() { tc.call(t, m) })
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
