package vitals_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func badQueueCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badReasons(semconv.SignalQueue, reasons...) }
	bad := []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("bad")}
	threshold := func(u float64) func(*testing.T, *badRig) error {
		return func(t *testing.T, r *badRig) error {
			m, err := queue.New(queue.WithMeterProvider(r.reader.Provider), queue.WithClock(r.clock.Now), queue.WithOverflowThreshold(u))
			badFatal(t, err)
			t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
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
			name: "negative depth", api: "queue.Queue.Sample", input: "depth -1",
			result: "queue.ErrNegativeDepth, counted negative_depth; sample dropped", want: queue.ErrNegativeDepth, counts: reject("negative_depth"),
			call: func(t *testing.T, r *badRig) error {
				q := r.queues.Queue(queue.TypeHTTP, "bad", 10)
				badFatal(t, q.Sample(3))
				return q.Sample(-1)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(3), semconv.QueueDepth.Name, bad...)
				badWantHist(t, rm, 1, 3, semconv.QueueDepthSampled.Name, bad...)
			},
		},
		{
			name: "most negative depth", api: "queue.Queue.Sample", input: "depth math.MinInt",
			result: "queue.ErrNegativeDepth, counted negative_depth; sample dropped", want: queue.ErrNegativeDepth, counts: reject("negative_depth"),
			call: func(t *testing.T, r *badRig) error {
				return r.queues.Queue(queue.TypeHTTP, "bad", 10).Sample(math.MinInt)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
			},
		},
		{
			name: "negative capacity", api: "queue.Monitor.Queue", input: "capacity -5",
			result: "taken as 0 (unknown), counted negative_capacity", counts: reject("negative_capacity"),
			call: func(t *testing.T, r *badRig) error {
				_ = r.queues.Queue(queue.TypeHTTP, "bad", -5).Sample(2)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.QueueDepth.Name, bad...)
				badWantNone(t, rm, semconv.QueueCapacity.Name, bad...)
			},
		},
		{
			name: "negative capacity set", api: "queue.Queue.SetCapacity", input: "capacity -1",
			result: "taken as 0 (unknown), counted negative_capacity", counts: reject("negative_capacity"),
			call: func(t *testing.T, r *badRig) error {
				r.queues.Queue(queue.TypeHTTP, "bad", 10).SetCapacity(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantNone(t, rm, semconv.QueueCapacity.Name, bad...)
				badWantNone(t, rm, semconv.QueueUtilization.Name, bad...)
			},
		},
		{
			name: "zero capacity", api: "queue.Monitor.Queue", input: "capacity 0, depth 1000",
			result: "unknown capacity: no utilization, never overflows; not an error",
			call:   func(t *testing.T, r *badRig) error { return r.queues.Queue(queue.TypeHTTP, "bad", 0).Sample(1000) },
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1000), semconv.QueueDepth.Name, bad...)
				metrictest.Want(t, rm, int64(0), semconv.QueueOverflows.Name, bad...)
				badWantNone(t, rm, semconv.QueueUtilization.Name, bad...)
			},
		},
		{
			name: "depth above capacity", api: "queue.Queue.Sample", input: "depth 3, capacity 2",
			result: "kept (utilization 1.5), counted depth_above_capacity", counts: reject("depth_above_capacity"),
			call: func(t *testing.T, r *badRig) error { return r.queues.Queue(queue.TypeHTTP, "bad", 2).Sample(3) },
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, 1.5, semconv.QueueUtilization.Name, bad...)
				metrictest.Want(t, rm, int64(1), semconv.QueueOverflows.Name, bad...)
			},
		},
		{
			name: "ticket left twice", api: "queue.Ticket.Leave", input: "second Leave of one ticket",
			result: "no-op (depth stays 0), counted leave_without_enter; one wait recorded", counts: reject("leave_without_enter"),
			call: func(t *testing.T, r *badRig) error {
				tk := r.queues.Queue(queue.TypeHTTP, "bad", 10).Enter()
				tk.Leave()
				tk.Leave()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badWantHist(t, rm, 1, 0, semconv.QueueWaitTime.Name, bad...)
			},
		},
		{
			name: "ticket cancelled after leave", api: "queue.Ticket.Cancel", input: "Cancel after Leave",
			result: "no-op (depth stays 0), counted leave_without_enter", counts: reject("leave_without_enter"),
			call: func(t *testing.T, r *badRig) error {
				tk := r.queues.Queue(queue.TypeHTTP, "bad", 10).Enter()
				tk.Leave()
				tk.Cancel()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
			},
		},
		{
			name: "zero ticket", api: "queue.Ticket.Leave/Cancel", input: "queue.Ticket{}",
			result: "no-op, not counted",
			call: func(t *testing.T, _ *badRig) error {
				var tk queue.Ticket
				tk.Leave()
				tk.Cancel()
				return nil
			},
		},
		{
			name: "nil probe", api: "queue.Monitor.Observe", input: "probe nil",
			result: "same as Queue with capacity 0",
			call: func(t *testing.T, r *badRig) error {
				r.queues.Observe(queue.TypeHTTP, "bad", nil)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badWantNone(t, rm, semconv.QueueCapacity.Name, bad...)
			},
		},
		{
			name: "probe negative depth and capacity", api: "queue.Monitor.Observe", input: "probe returning (-1, -1)",
			result: "read dropped at each collection, counted negative_capacity and negative_depth",
			counts: reject("negative_capacity", "negative_depth"),
			call: func(t *testing.T, r *badRig) error {
				r.queues.Observe(queue.TypeHTTP, "bad", func() (int, int) { return -1, -1 })
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badWantNone(t, rm, semconv.QueueDepthSampled.Name, bad...)
			},
		},
		{
			name: "queue empty name", api: "queue.Monitor.Queue", input: `name ""`,
			result: `cleaned to "unknown", counted empty_name`, counts: reject("empty_name"),
			call: func(t *testing.T, r *badRig) error {
				if q := r.queues.Queue(queue.TypeHTTP, "", 10); q.Name() != "unknown" {
					t.Errorf("name %q", q.Name())
				}
				return nil
			},
		},
		{
			name: "queue 1 MiB name", api: "queue.Monitor.Queue", input: "name of 1 MiB",
			result: "cut to MaxNameLength, counted name_too_long", counts: reject("name_too_long"),
			call: func(t *testing.T, r *badRig) error {
				if q := r.queues.Queue(queue.TypeHTTP, badMiB, 10); len(q.Name()) != queue.MaxNameLength {
					t.Errorf("name of %d bytes", len(q.Name()))
				}
				return nil
			},
		},
		{
			name: "queue invalid UTF-8 type", api: "queue.Monitor.Queue", input: `type "pool\xff\xfe"`,
			result: "invalid bytes become U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				if q := r.queues.Queue(badInvalid, "bad", 10); !utf8.ValidString(q.Type()) {
					t.Errorf("type %q", q.Type())
				}
				return nil
			},
		},
		{
			name: "monitor start with nil context", api: "queue.Monitor.Start", input: "ctx: nil",
			result: "taken as context.Background(): samples until Shutdown",
			call: func(t *testing.T, r *badRig) error {
				err := r.queues.Start(badNilCtx)
				badFatal(t, r.closeQueues(context.Background()))
				return err
			},
		},
		{
			name: "monitor start with cancelled context", api: "queue.Monitor.Start", input: "ctx: cancelled",
			result: "nil; the sampler ends at once; Shutdown nil",
			call: func(t *testing.T, r *badRig) error {
				err := r.queues.Start(badCancelled())
				badFatal(t, r.closeQueues(context.Background()))
				return err
			},
		},
		{
			name: "monitor shutdown with nil context", api: "queue.Monitor.Shutdown", input: "ctx: nil (sampler running)",
			result: "taken as context.Background(): stopped, nil",
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.queues.Start(context.Background()))
				return r.closeQueues(badNilCtx)
			},
		},
		{
			name: "monitor start after shutdown", api: "queue.Monitor.Start", input: "Start after Shutdown",
			result: "queue.ErrShutdown", want: queue.ErrShutdown,
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.closeQueues(context.Background()))
				return r.queues.Start(context.Background())
			},
		},
		{
			name: "queue monitor use after shutdown", api: "queue.Monitor.Shutdown", input: "handles used after Shutdown, bad input included",
			result: "no-op: nothing reported or counted; Sample(-1) still returns queue.ErrNegativeDepth", want: queue.ErrNegativeDepth,
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.closeQueues(context.Background()))
				q := r.queues.Queue(queue.TypeHTTP, "after", -1)
				_ = q.Sample(5)
				tk := q.Enter()
				tk.Leave()
				tk.Leave()
				r.queues.Observe(queue.TypeHTTP, "after-probe", func() (int, int) { return -1, -1 })
				return q.Sample(-1)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "after"); len(names) > 0 {
					t.Errorf("reported after Shutdown: %v", names)
				}
			},
		},
		{
			name: "nil queue monitor", api: "queue.Monitor (nil)", input: "every method of a nil *queue.Monitor",
			result: "no-ops: Queue and Observe nil, Start and Shutdown nil, empty Snapshot; the probe is never called",
			call: func(t *testing.T, _ *badRig) error {
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
				return errors.Join(m.Start(context.Background()), m.Shutdown(context.Background()))
			},
		},
		{
			name: "nil queue", api: "queue.Queue (nil)", input: "every method of a nil *queue.Queue, Sample(-1) last",
			result: "no-ops: Enter returns the zero Ticket, Depth 0; Sample(-1) still returns queue.ErrNegativeDepth, uncounted", want: queue.ErrNegativeDepth,
			call: func(t *testing.T, _ *badRig) error {
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
			name: "sample interval 1ns", api: "queue.WithSampleInterval", input: "1ns, sampler running 50ms",
			result: "clamped to queue.MinSampleInterval (10ms): at most one sample per 10ms, no core spun",
			call: func(t *testing.T, r *badRig) error {
				m, err := queue.New(queue.WithMeterProvider(r.reader.Provider), queue.WithClock(r.clock.Now), queue.WithSampleInterval(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
				m.Queue(queue.TypeHTTP, "bad", 0).Enter() // sampled in the background from now on
				began := time.Now()
				badFatal(t, m.Start(context.Background()))
				time.Sleep(50 * time.Millisecond)
				badFatal(t, m.Shutdown(context.Background()))
				most := int64(time.Since(began)/(10*time.Millisecond)) + 1
				if n := m.Snapshot().Queues[0].Samples; n > most {
					t.Errorf("%d samples in %v, want at most %d", n, time.Since(began), most)
				}
				return nil
			},
		},
		{
			name: "queue window 1ns", api: "queue.WithWindow", input: "1ns, with WithSampleInterval(10ms)",
			result: "clamped to queue.MinWindow (1s), so the window's 30 buckets are 1/30 s wide, never 0",
			call: func(t *testing.T, r *badRig) error {
				m, err := queue.New(queue.WithMeterProvider(r.reader.Provider), queue.WithClock(r.clock.Now),
					queue.WithSampleInterval(10*time.Millisecond), queue.WithWindow(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
				_ = m.Queue(queue.TypeHTTP, "bad", 10).Sample(1)
				if s := m.Snapshot().Queues[0]; s.WindowSeconds != 1 {
					t.Errorf("window %vs, want 1s", s.WindowSeconds)
				}
				return nil
			},
		},
		{
			name: "queue clock steps back", api: "queue.WithClock", input: "the clock steps back 3h (before the monitor was made) between Enter and Leave, and between samples",
			result: "no time passed: the wait is 0, and the sample taken behind goes to the newest bucket, not over it (max depth stays 7)",
			call: func(t *testing.T, r *badRig) error {
				q := r.queues.Queue(queue.TypeHTTP, "bad", 0)
				badFatal(t, q.Sample(7))
				tk := q.Enter()
				r.clock.Advance(-3 * time.Hour)
				tk.Leave()
				badFatal(t, q.Sample(2))
				r.clock.Advance(3 * time.Hour)
				for _, s := range r.queues.Snapshot().Queues {
					if s.Name == "bad" && (s.Samples != 2 || s.MaxDepth != 7 || s.MinDepth != 2) {
						t.Errorf("%d samples from %d to %d, want 2 from 2 to 7", s.Samples, s.MinDepth, s.MaxDepth)
					}
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantHist(t, rm, 1, 0, semconv.QueueWaitTime.Name, bad...)
				metrictest.Want(t, rm, int64(7), semconv.QueueDepthMax.Name, bad...)
			},
		},
		{
			name: "NaN overflow threshold", api: "queue.WithOverflowThreshold", input: "NaN",
			result: "default 0.8 kept: a depth of 8 of 10 overflows", call: threshold(math.NaN()), check: thresholdCheck,
		},
		{
			name: "+Inf overflow threshold", api: "queue.WithOverflowThreshold", input: "+Inf",
			result: "default 0.8 kept", call: threshold(math.Inf(1)), check: thresholdCheck,
		},
		{
			name: "-Inf overflow threshold", api: "queue.WithOverflowThreshold", input: "-Inf",
			result: "default 0.8 kept", call: threshold(math.Inf(-1)), check: thresholdCheck,
		},
	}
}
