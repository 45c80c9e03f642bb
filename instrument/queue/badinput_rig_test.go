package queue_test

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// TestBadInputCases runs every bad input of badQueueCases on a fresh rig:
// a queue monitor on a fake clock, recording into its own ManualReader,
// with a control queue fed known traffic before and after the bad call.
// Each case must not panic, must return its documented error or count its
// documented no-op exactly (and count nothing else), and must leave the
// control queue exact.
func TestBadInputCases(t *testing.T) {
	cases := badQueueCases()
	if len(cases) < 20 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

var update = flag.Bool("update", false, "rewrite this package's rows of README.md's bad-input table")

// TestBadInputTableInReadme checks that this package's rows of the
// README's bad-input table are the ones badQueueCases render; -update
// rewrites them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, filepath.Join("..", "..", "README.md"), *update, badQueueCases(), "queue")
}

// badCase is one bad input of the queue monitor.
type badCase = badinput.Case[*badRig]

// badT0 is where the rig's fake clock starts.
var badT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// badCtl are the attributes of the control queue.
var badCtl = []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("control")}

// badRig is the world of one case.
type badRig struct {
	t      *testing.T
	clock  *clock.Fake
	reader *metrictest.Reader
	queues *queue.Monitor
	queue  *queue.Queue // the control queue

	rounds int  // control rounds recorded while the monitor was open
	closed bool // the case shut the monitor down
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{t: t, clock: clock.NewFake(badT0), reader: metrictest.NewReader(t, false)}
	var err error
	r.queues, err = queue.New(queue.WithMeterProvider(r.reader.Provider), queue.WithClock(r.clock.Now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.queues.Shutdown(context.Background()) })
	r.queue = r.queues.Queue(queue.TypeHTTP, "control", 10)
	return r
}

// Collect collects the rig's reader once.
func (r *badRig) Collect() metricdata.ResourceMetrics { return r.reader.Collect() }

// Control records one round of known traffic on the control queue: a
// pushed depth of 4, an item that waits 0.5s, one turned away. It moves the
// clock 0.5s.
func (r *badRig) Control() {
	_ = r.queue.Sample(4)
	tk := r.queue.Enter()
	r.clock.Advance(500 * time.Millisecond)
	tk.Leave()
	r.queue.Reject()
	if !r.closed {
		r.rounds++
	}
}

// closeQueues shuts the rig's monitor down twice, failing the case if the
// second Shutdown returns an error, and returns the first's.
func (r *badRig) closeQueues(ctx context.Context) error {
	r.closed = true
	err := r.queues.Shutdown(ctx)
	if again := r.queues.Shutdown(ctx); again != nil {
		r.t.Errorf("second Shutdown: %v", again)
	}
	return err
}

// VerifyControl checks the control queue against the traffic of the
// rounds recorded. A closed monitor reports no observable series any more,
// and its histograms keep what was recorded before the close.
func (r *badRig) VerifyControl(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	n := int64(r.rounds)
	badinput.WantHist(t, rm, uint64(n), float64(4*n), semconv.QueueDepthSampled.Name, badCtl...)
	badinput.WantHist(t, rm, uint64(n), 0.5*float64(n), semconv.QueueWaitTime.Name, badCtl...)
	if r.closed {
		badinput.WantNone(t, rm, semconv.QueueDepth.Name, badCtl...)
		return
	}
	metrictest.Want(t, rm, int64(4), semconv.QueueDepth.Name, badCtl...)
	metrictest.Want(t, rm, int64(10), semconv.QueueCapacity.Name, badCtl...)
	metrictest.Want(t, rm, 0.4, semconv.QueueUtilization.Name, badCtl...)
	metrictest.Want(t, rm, int64(4), semconv.QueueDepthMax.Name, badCtl...)
	metrictest.Want(t, rm, int64(0), semconv.QueueOverflows.Name, badCtl...)
	metrictest.Want(t, rm, 0.0, semconv.QueueOverflowTime.Name, badCtl...)
	metrictest.Want(t, rm, n, semconv.QueueRejected.Name, badCtl...)
}
