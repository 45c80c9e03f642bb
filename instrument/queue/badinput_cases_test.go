package queue_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func badQueueCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badinput.Reasons(semconv.SignalQueue, reasons...) }
	bad := []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("bad")}
	badQueue := func(r *badRig) *queue.Queue { return r.Tracker.Queue(queue.TypeHTTP, "bad", 10) }
	// nameOf makes a queue named name and returns the name it kept.
	nameOf := func(name string) func(*badRig) string {
		return func(r *badRig) string { return r.Tracker.Queue(queue.TypeHTTP, name, 10).Name() }
	}
	threshold := func(u float64) func(*testing.T, *badRig) error {
		return func(t *testing.T, r *badRig) error {
			m := r.New(queue.WithOverflowThreshold(u))
			q := m.Queue(queue.TypeHTTP, "bad", 10)
			_ = q.Sample(7)
			_ = q.Sample(8) // at the default threshold, 0.8
			return nil
		}
	}
	thresholdCheck := func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
		metrictest.Want(t, rm, int64(1), semconv.QueueOverflows.Name, bad...)
	}
	return []badCase{
		{
			Name: "negative depth", API: "queue.Queue.Sample", Input: "depth -1",
			Result: "queue.ErrNegativeDepth, counted negative_depth; sample dropped", Want: queue.ErrNegativeDepth, Counts: reject("negative_depth"),
			Call: func(t *testing.T, r *badRig) error {
				q := badQueue(r)
				badinput.Fatal(t, q.Sample(3))
				return q.Sample(-1)
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(3), semconv.QueueDepth.Name, bad...)
				badinput.WantHist(t, rm, 1, 3, semconv.QueueSampledDepth.Name, bad...)
			},
		},
		{
			Name: "most negative depth", API: "queue.Queue.Sample", Input: "depth math.MinInt",
			Result: "queue.ErrNegativeDepth, counted negative_depth; sample dropped", Want: queue.ErrNegativeDepth, Counts: reject("negative_depth"),
			Call: func(t *testing.T, r *badRig) error { return badQueue(r).Sample(math.MinInt) },
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
			},
		},
		{
			Name: "negative capacity", API: "queue.Monitor.Queue", Input: "capacity -5",
			Result: "taken as 0 (unknown), counted negative_capacity", Counts: reject("negative_capacity"),
			Call: func(t *testing.T, r *badRig) error {
				_ = r.Tracker.Queue(queue.TypeHTTP, "bad", -5).Sample(2)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.QueueDepth.Name, bad...)
				badinput.WantNone(t, rm, semconv.QueueCapacity.Name, bad...)
			},
		},
		{
			Name: "negative capacity set", API: "queue.Queue.SetCapacity", Input: "capacity -1",
			Result: "taken as 0 (unknown), counted negative_capacity", Counts: reject("negative_capacity"),
			Call: func(t *testing.T, r *badRig) error {
				badQueue(r).SetCapacity(-1)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badinput.WantNone(t, rm, semconv.QueueCapacity.Name, bad...)
				badinput.WantNone(t, rm, semconv.QueueUtilization.Name, bad...)
			},
		},
		{
			Name: "zero capacity", API: "queue.Monitor.Queue", Input: "capacity 0, depth 1000",
			Result: "unknown capacity: no utilization, never overflows; not an error",
			Call:   func(t *testing.T, r *badRig) error { return r.Tracker.Queue(queue.TypeHTTP, "bad", 0).Sample(1000) },
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1000), semconv.QueueDepth.Name, bad...)
				metrictest.Want(t, rm, int64(0), semconv.QueueOverflows.Name, bad...)
				badinput.WantNone(t, rm, semconv.QueueUtilization.Name, bad...)
			},
		},
		{
			Name: "depth above capacity", API: "queue.Queue.Sample", Input: "depth 3, capacity 2",
			Result: "kept (utilization 1.5), counted depth_above_capacity", Counts: reject("depth_above_capacity"),
			Call: func(t *testing.T, r *badRig) error { return r.Tracker.Queue(queue.TypeHTTP, "bad", 2).Sample(3) },
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, 1.5, semconv.QueueUtilization.Name, bad...)
				metrictest.Want(t, rm, int64(1), semconv.QueueOverflows.Name, bad...)
			},
		},
		{
			Name: "ticket left twice", API: "queue.Ticket.Leave", Input: "second Leave of one ticket",
			Result: "no-op (depth stays 0), counted leave_without_enter; one wait recorded", Counts: reject("leave_without_enter"),
			Call: func(t *testing.T, r *badRig) error {
				tk := badQueue(r).Enter()
				tk.Leave()
				tk.Leave()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badinput.WantHist(t, rm, 1, 0, semconv.QueueWaitDuration.Name, bad...)
			},
		},
		{
			Name: "ticket cancelled after leave", API: "queue.Ticket.Cancel", Input: "Cancel after Leave",
			Result: "no-op (depth stays 0), counted leave_without_enter", Counts: reject("leave_without_enter"),
			Call: func(t *testing.T, r *badRig) error {
				tk := badQueue(r).Enter()
				tk.Leave()
				tk.Cancel()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
			},
		},
		{
			Name: "zero ticket", API: "queue.Ticket.Leave/Cancel", Input: "queue.Ticket{}",
			Result: "no-op, not counted",
			Call: func(t *testing.T, _ *badRig) error {
				var tk queue.Ticket
				tk.Leave()
				tk.Cancel()
				return nil
			},
		},
		{
			Name: "nil probe", API: "queue.Monitor.Observe", Input: "probe nil",
			Result: "same as Queue with capacity 0",
			Call: func(t *testing.T, r *badRig) error {
				r.Tracker.Observe(queue.TypeHTTP, "bad", nil)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badinput.WantNone(t, rm, semconv.QueueCapacity.Name, bad...)
			},
		},
		{
			Name: "probe negative depth and capacity", API: "queue.Monitor.Observe", Input: "probe returning (-1, -1)",
			Result: "read dropped at each collection, counted negative_capacity and negative_depth",
			Counts: reject("negative_capacity", "negative_depth"),
			Call: func(t *testing.T, r *badRig) error {
				r.Tracker.Observe(queue.TypeHTTP, "bad", func() (int, int) { return -1, -1 })
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badinput.WantNone(t, rm, semconv.QueueSampledDepth.Name, bad...)
			},
		},
		{
			Name: "queue empty name", API: "queue.Monitor.Queue", Input: `name ""`,
			Result: `cleaned to "unknown", counted empty_name`, Counts: reject("empty_name"),
			Call: badinput.Cleaned(nameOf(""), "unknown"),
		},
		{
			Name: "queue 1 MiB name", API: "queue.Monitor.Queue", Input: "name of 1 MiB",
			Result: "cut to MaxNameLength, counted name_too_long", Counts: reject("name_too_long"),
			Call: badinput.Cleaned(nameOf(badinput.MiB), badinput.MiB[:queue.MaxNameLength]),
		},
		{
			Name: "queue invalid UTF-8 type", API: "queue.Monitor.Queue", Input: `type "pool\xff\xfe"`,
			Result: "invalid bytes become U+FFFD, counted invalid_utf8", Counts: reject("invalid_utf8"),
			Call: badinput.Cleaned(func(r *badRig) string { return r.Tracker.Queue(badinput.Invalid, "bad", 10).Type() }, "pool\uFFFD"),
		},
		{
			Name: "monitor start with nil context", API: "queue.Monitor.StartSampler", Input: "ctx: nil",
			Result: "taken as context.Background(): samples until Shutdown",
			Call: func(t *testing.T, r *badRig) error {
				err := r.Tracker.StartSampler(badinput.NilCtx)
				badinput.Fatal(t, r.Shutdown(context.Background()))
				return err
			},
		},
		{
			Name: "monitor start with cancelled context", API: "queue.Monitor.StartSampler", Input: "ctx: cancelled",
			Result: "nil; the sampler ends at once; Shutdown nil",
			Call: func(t *testing.T, r *badRig) error {
				err := r.Tracker.StartSampler(badinput.Cancelled())
				badinput.Fatal(t, r.Shutdown(context.Background()))
				return err
			},
		},
		{
			Name: "monitor shutdown with nil context", API: "queue.Monitor.Shutdown", Input: "ctx: nil (sampler running)",
			Result: "taken as context.Background(): stopped, nil",
			Call: func(t *testing.T, r *badRig) error {
				badinput.Fatal(t, r.Tracker.StartSampler(context.Background()))
				return r.Shutdown(badinput.NilCtx)
			},
		},
		{
			Name: "monitor start after shutdown", API: "queue.Monitor.StartSampler", Input: "StartSampler after Shutdown",
			Result: "queue.ErrShutdown", Want: queue.ErrShutdown,
			Call: func(t *testing.T, r *badRig) error {
				badinput.Fatal(t, r.Shutdown(context.Background()))
				return r.Tracker.StartSampler(context.Background())
			},
		},
		{
			Name: "queue monitor use after shutdown", API: "queue.Monitor.Shutdown", Input: "handles used after Shutdown, bad input included",
			Result: "no-op: nothing reported or counted; Sample(-1) still returns queue.ErrNegativeDepth", Want: queue.ErrNegativeDepth,
			Call: func(t *testing.T, r *badRig) error {
				badinput.Fatal(t, r.Shutdown(context.Background()))
				q := r.Tracker.Queue(queue.TypeHTTP, "after", -1)
				_ = q.Sample(5)
				tk := q.Enter()
				tk.Leave()
				tk.Leave()
				r.Tracker.Observe(queue.TypeHTTP, "after-probe", func() (int, int) { return -1, -1 })
				return q.Sample(-1)
			},
			Check: badinput.NothingNamed[*badRig]("after"),
		},
		{
			Name: "nil queue monitor", API: "queue.Monitor (nil)", Input: "every method of a nil *queue.Monitor",
			Result: "no-ops: Queue and Observe nil, Start and Shutdown nil, empty Snapshot; the probe is never called",
			Call: func(t *testing.T, _ *badRig) error {
				var m *queue.Monitor
				if q := m.Queue(queue.TypeHTTP, "bad", 10); q != nil {
					t.Errorf("Queue = %v, want nil", q)
				}
				probed := false
				if q := m.Observe(queue.TypeHTTP, "bad", func() (int, int) { probed = true; return 1, 1 }); q != nil {
					t.Errorf("Observe = %v, want nil", q)
				}
				if s := m.Snapshot(); len(s.Queues) != 0 || !s.Time.IsZero() {
					t.Errorf("Snapshot = %+v, want the zero Snapshot", s)
				}
				if probed {
					t.Error("the probe was called")
				}
				return errors.Join(m.StartSampler(context.Background()), m.Shutdown(context.Background()))
			},
		},
		{
			Name: "nil queue", API: "queue.Queue (nil)", Input: "every method of a nil *queue.Queue, Sample(-1) last",
			Result: "no-ops: Enter returns the zero Ticket, Depth 0; Sample(-1) still returns queue.ErrNegativeDepth, uncounted", Want: queue.ErrNegativeDepth,
			Call: func(t *testing.T, _ *badRig) error {
				var q *queue.Queue
				q.SetCapacity(5)
				if err := q.Sample(3); err != nil {
					t.Errorf("Sample(3) = %v, want nil", err)
				}
				tk := q.Enter()
				tk.Leave()
				q.Enter().Cancel()
				q.Reject()
				if q.Type() != "" || q.Name() != "" || q.Depth() != 0 || tk != (queue.Ticket{}) {
					t.Errorf("Type %q, Name %q, Depth %d, ticket %v; want empty, 0 and the zero Ticket", q.Type(), q.Name(), q.Depth(), tk)
				}
				return q.Sample(-1)
			},
		},
		{
			Name: "sample interval 1ns", API: "queue.WithSampleInterval", Input: "1ns, sampler running 50ms",
			Result: "clamped to queue.MinSampleInterval (10ms), reported to otel.Handle: at most one sample per 10ms, no core spun",
			Call: func(t *testing.T, r *badRig) error {
				m := r.New(queue.WithSampleInterval(1))
				m.Queue(queue.TypeHTTP, "bad", 0).Enter() // sampled in the background from now on
				began := time.Now()
				badinput.Fatal(t, m.StartSampler(context.Background()))
				time.Sleep(50 * time.Millisecond)
				badinput.Fatal(t, m.Shutdown(context.Background()))
				most := int64(time.Since(began)/(10*time.Millisecond)) + 1
				if n := m.Snapshot().Queues[0].Samples; n > most {
					t.Errorf("%d samples in %v, want at most %d", n, time.Since(began), most)
				}
				return nil
			},
		},
		{
			Name: "queue window 1ns", API: "queue.WithWindow", Input: "1ns, with WithSampleInterval(10ms)",
			Result: "clamped to queue.MinWindow (1s), reported to otel.Handle, so the window's 30 buckets are 1/30 s wide, never 0",
			Call: func(t *testing.T, r *badRig) error {
				m := r.New(queue.WithSampleInterval(10*time.Millisecond), queue.WithWindow(1))
				_ = m.Queue(queue.TypeHTTP, "bad", 10).Sample(1)
				if s := m.Snapshot().Queues[0]; s.WindowSeconds != 1 {
					t.Errorf("window %vs, want 1s", s.WindowSeconds)
				}
				return nil
			},
		},
		{
			Name: "queue clock steps back", API: "queue.WithClock", Input: "the clock steps back 3h (before the monitor was made) between Enter and Leave, and between samples",
			Result: "no time passed: the wait is 0, and the sample taken behind goes to the newest bucket, not over it (max depth stays 7)",
			Call: func(t *testing.T, r *badRig) error {
				q := r.Tracker.Queue(queue.TypeHTTP, "bad", 0)
				badinput.Fatal(t, q.Sample(7))
				tk := q.Enter()
				r.Clock.Advance(-3 * time.Hour)
				tk.Leave()
				badinput.Fatal(t, q.Sample(2))
				r.Clock.Advance(3 * time.Hour)
				for _, s := range r.Tracker.Snapshot().Queues {
					if s.Name == "bad" && (s.Samples != 2 || s.MaxDepth != 7 || s.MinDepth != 2) {
						t.Errorf("%d samples from %d to %d, want 2 from 2 to 7", s.Samples, s.MinDepth, s.MaxDepth)
					}
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badinput.WantHist(t, rm, 1, 0, semconv.QueueWaitDuration.Name, bad...)
				metrictest.Want(t, rm, int64(7), semconv.QueueMaxDepth.Name, bad...)
			},
		},
		{
			Name: "NaN overflow threshold", API: "queue.WithOverflowThreshold", Input: "NaN",
			Result: "default 0.8 kept, reported to otel.Handle: a depth of 8 of 10 overflows", Call: threshold(math.NaN()), Check: thresholdCheck,
		},
		{
			Name: "+Inf overflow threshold", API: "queue.WithOverflowThreshold", Input: "+Inf",
			Result: "default 0.8 kept, reported to otel.Handle", Call: threshold(math.Inf(1)), Check: thresholdCheck,
		},
		{
			Name: "-Inf overflow threshold", API: "queue.WithOverflowThreshold", Input: "-Inf",
			Result: "default 0.8 kept, reported to otel.Handle", Call: threshold(math.Inf(-1)), Check: thresholdCheck,
		},
	}
}
