package conn_test

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// TestBadInputCases runs every bad input of badConnCases on a fresh rig: a
// connection tracker on a fake clock, recording into its own ManualReader,
// with a control pool fed known traffic before and after the bad call.
// Each case must not panic, must return its documented error or count its
// documented no-op exactly (and count nothing else), and must leave the
// control pool exact.
func TestBadInputCases(t *testing.T) {
	cases := badConnCases()
	if len(cases) < 20 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

var update = flag.Bool("update", false, "rewrite this package's rows of README.md's bad-input table")

// TestBadInputTableInReadme checks that this package's rows of the
// README's bad-input table are the ones badConnCases render; -update
// rewrites them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, filepath.Join("..", "..", "README.md"), *update, badConnCases(), "conn")
}

// badCase is one bad input of the connection tracker.
type badCase = badinput.Case[*badRig]

// badT0 is where the rig's fake clock starts.
var badT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// badCtl are the attributes of the control pool.
var badCtl = []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolKey.String("control")}

// badRig is the world of one case.
type badRig struct {
	t      *testing.T
	clock  *clock.Fake
	reader *metrictest.Reader
	conns  *conn.Tracker
	pool   *conn.Pool // the control pool

	open   []time.Duration // clock offsets at which the control connections still open were opened
	rounds int             // control rounds recorded while the tracker was open
	closed bool            // the case closed the tracker
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{t: t, clock: clock.NewFake(badT0), reader: metrictest.NewReader(t, false)}
	var err error
	r.conns, err = conn.New(conn.WithMeterProvider(r.reader.Provider), conn.WithClock(r.clock.Now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.conns.Shutdown(context.Background()) })
	r.pool = r.conns.Pool("database", "control")
	return r
}

// Collect collects the rig's reader once.
func (r *badRig) Collect() metricdata.ResourceMetrics { return r.reader.Collect() }

// Control records one round of known traffic on the control pool: two
// connections, each used once; the first lives 1s. It moves the clock 1s.
func (r *badRig) Control() {
	at := r.clock.Now().Sub(badT0)
	a, b := r.pool.Open(), r.pool.Open()
	r.open = append(r.open, at)
	r.clock.Advance(time.Second)
	a.Use()
	b.Use()
	a.Close()
	if !r.closed {
		r.rounds++
	}
}

// closeConns closes the rig's tracker, returning the second close's result.
func (r *badRig) closeConns() error {
	r.closed = true
	badinput.Fatal(r.t, r.conns.Shutdown(context.Background()))
	return r.conns.Shutdown(context.Background())
}

// VerifyControl checks the control pool against the traffic of the rounds
// recorded. A closed tracker reports no observable series any more, and its
// histograms keep what was recorded before the close.
func (r *badRig) VerifyControl(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	n := int64(r.rounds)
	event := func(e string) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), badCtl...), semconv.ConnectionEventKey.String(e))
	}
	badinput.WantHist(t, rm, uint64(n), float64(n), semconv.ConnectionLifetime.Name, badCtl...)
	if r.closed {
		badinput.WantNone(t, rm, semconv.ConnectionEvents.Name, badCtl...)
		badinput.WantNone(t, rm, semconv.ConnectionOpen.Name, badCtl...)
		return
	}
	metrictest.Want(t, rm, 2*n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
	metrictest.Want(t, rm, 2*n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
	metrictest.Want(t, rm, n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
	metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventExpired)...)
	metrictest.Want(t, rm, n, semconv.ConnectionOpen.Name, badCtl...)
	now := r.clock.Now().Sub(badT0)
	var sum int64
	for _, at := range r.open {
		sum += int64(at)
	}
	metrictest.Want(t, rm, float64(now-r.open[0])/1e9, semconv.ConnectionAgeOldest.Name, badCtl...)
	metrictest.Want(t, rm, (float64(now)-float64(sum)/float64(len(r.open)))/1e9, semconv.ConnectionAgeMean.Name, badCtl...)
	metrictest.Want(t, rm, 1.0, semconv.ConnectionHealth.Name, badCtl...)
}
