package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

// TestOptionRanges checks the values New runs with for options out of
// range, the sampler's period among them: it is read from the config, so no
// timing is needed.
func TestOptionRanges(t *testing.T) {
	tests := []struct {
		name             string
		opts             []Option
		interval, window time.Duration
	}{
		{"defaults", nil, DefaultSampleInterval, DefaultWindow},
		{"zero and negative keep the defaults", []Option{WithSampleInterval(0), WithWindow(-1)}, DefaultSampleInterval, DefaultWindow},
		{"1ns is raised to the floor", []Option{WithSampleInterval(1), WithWindow(1)}, MinSampleInterval, MinWindow},
		{"just under the floor", []Option{WithSampleInterval(MinSampleInterval - 1), WithWindow(MinWindow - 1)}, MinSampleInterval, MinWindow},
		{"the floor itself", []Option{WithSampleInterval(MinSampleInterval), WithWindow(MinWindow)}, MinSampleInterval, MinWindow},
		{"a window below the interval is raised to it", []Option{WithSampleInterval(time.Minute), WithWindow(1)}, time.Minute, time.Minute},
		{"huge is lowered to the ceiling", []Option{WithSampleInterval(1<<63 - 1), WithWindow(1<<63 - 1)}, MaxSampleInterval, MaxWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, true, tt.opts...)
			if c := f.m.cfg; c.interval != tt.interval || c.window != tt.window {
				t.Errorf("interval %v, window %v; want %v, %v", c.interval, c.window, tt.interval, tt.window)
			}
			q := f.m.Queue(TypeHTTP, "requests", 10)
			if got, want := q.win.width, int64(tt.window)/windowBuckets; got != want {
				t.Errorf("window buckets of %dns, want %dns", got, want)
			}
		})
	}
}

// TestNilHandles calls every method of nil handles: none panics, all are
// no-ops, and the hot path's nil check allocates nothing.
func TestNilHandles(t *testing.T) {
	ctx := context.Background()
	var m *Monitor
	if err := errors.Join(m.StartSampler(ctx), m.Shutdown(ctx)); err != nil {
		t.Errorf("nil Monitor: %v, want nil", err)
	}
	if s := m.Snapshot(); s.Queues != nil || !s.Time.IsZero() {
		t.Errorf("Snapshot of a nil Monitor = %+v", s)
	}
	if q := m.Observe(TypeHTTP, "jobs", func() (int, int) { t.Error("probe called"); return 0, 0 }); q != nil {
		t.Errorf("Observe of a nil Monitor = %v, want nil", q)
	}
	q := m.Queue(TypeHTTP, "requests", 10)
	if q != nil {
		t.Fatalf("Queue of a nil Monitor = %v, want nil", q)
	}
	q.SetCapacity(-1)
	q.Reject()
	if err := q.Sample(1); err != nil {
		t.Errorf("Sample(1) of a nil Queue = %v", err)
	}
	if err := q.Sample(-1); !errors.Is(err, ErrNegativeDepth) {
		t.Errorf("Sample(-1) of a nil Queue = %v, want ErrNegativeDepth", err)
	}
	if tk := q.Enter(); tk != (Ticket{}) {
		t.Errorf("Enter of a nil Queue = %v, want the zero Ticket", tk)
	}
	if q.Type() != "" || q.Name() != "" || q.Depth() != 0 {
		t.Errorf("nil Queue: type %q, name %q, depth %d", q.Type(), q.Name(), q.Depth())
	}
	if n := testing.AllocsPerRun(100, func() { _ = q.Sample(3); q.Enter().Leave(); q.Reject() }); n != 0 {
		t.Errorf("nil Queue: %v allocs, want 0", n)
	}
}

// TestClockStepsBack steps the clock back between Enter and Leave and
// between samples, before the monitor was made and by more than the
// window: the wait is 0, and the window reads as if the clock stood still
// at its newest bucket.
func TestClockStepsBack(t *testing.T) {
	f := newFixture(t, true, WithWindow(30*time.Second)) // buckets of 1s
	q := f.m.Queue(TypeHTTP, "requests", 0)
	f.clock.Advance(10 * time.Second)
	_ = q.Sample(7)
	tk := q.Enter()
	f.clock.Advance(-time.Hour)
	tk.Leave()
	_ = q.Sample(2)
	check := func(when string) {
		t.Helper()
		s := f.m.Snapshot().Queues[0]
		if s.Samples != 2 || s.MinDepth != 2 || s.MaxDepth != 7 || s.MeanDepth != 4.5 {
			t.Errorf("%s: %d samples, min %d, mean %v, max %d; want 2, 2, 4.5, 7", when, s.Samples, s.MinDepth, s.MeanDepth, s.MaxDepth)
		}
	}
	check("behind")
	f.clock.Advance(time.Hour)
	check("back at the newest bucket")
	p, _ := find(f.collect(), semconv.QueueWaitDuration.Name, httpType, reqName)
	if h, ok := p.(metricdata.HistogramDataPoint[float64]); !ok || h.Count != 1 || h.Sum != 0 {
		t.Errorf("waits %+v, want one of 0s", p)
	}
	f.clock.Advance(30 * time.Second) // the newest bucket leaves the window
	if s := f.m.Snapshot().Queues[0]; s.Samples != 0 {
		t.Errorf("%d samples a window later, want 0", s.Samples)
	}
}
