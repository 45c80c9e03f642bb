package feature

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

// TestOptionRanges checks the window New runs with for values out of
// range, and the width of its quarters.
func TestOptionRanges(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		window time.Duration
	}{
		{"default", nil, DefaultWindow},
		{"zero keeps the default", []Option{WithWindow(0)}, DefaultWindow},
		{"negative keeps the default", []Option{WithWindow(-time.Hour)}, DefaultWindow},
		{"1ns is raised to the floor", []Option{WithWindow(1)}, MinWindow},
		{"just under the floor", []Option{WithWindow(MinWindow - 1)}, MinWindow},
		{"the floor itself", []Option{WithWindow(MinWindow)}, MinWindow},
		{"huge is lowered to the ceiling", []Option{WithWindow(1<<63 - 1)}, MaxWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, true, tt.opts...)
			if f.a.cfg.window != tt.window || f.a.sub != int64(tt.window)/subBuckets {
				t.Errorf("window %v in quarters of %dns, want %v in %dns", f.a.cfg.window, f.a.sub, tt.window, int64(tt.window)/subBuckets)
			}
		})
	}
}

// TestNilHandles calls every method of nil handles: none panics, all are
// no-ops, Do still runs its function, and the hot path's nil check
// allocates nothing.
func TestNilHandles(t *testing.T) {
	ctx := context.Background()
	var a *Analytics
	if err := a.Shutdown(context.Background()); err != nil {
		t.Errorf("Close of nil Analytics = %v", err)
	}
	if s := a.Snapshot(); s.Features != nil || !s.Time.IsZero() {
		t.Errorf("Snapshot of nil Analytics = %+v", s)
	}
	f := a.Feature(TypeAPIEndpoint, "/search")
	if f != nil {
		t.Fatalf("Feature of nil Analytics = %v, want nil", f)
	}
	f.Record(ctx, "alice", "", time.Millisecond, true)
	f.RecordVariant(ctx, "alice", "", "on", time.Millisecond, true)
	op := f.Start(ctx, "alice", "")
	op.End(nil)
	if f.Type() != "" || f.Name() != "" {
		t.Errorf("nil Feature: type %q, name %q", f.Type(), f.Name())
	}
	boom := errors.New("boom")
	ran := false
	if err := f.Do(ctx, "alice", "", func(context.Context) error { ran = true; return boom }); err != boom || !ran {
		t.Errorf("Do of a nil Feature = %v (ran %v), want fn's error", err, ran)
	}
	if err := f.Do(ctx, "alice", "", nil); !errors.Is(err, ErrNilFunc) {
		t.Errorf("Do(nil) of a nil Feature = %v, want ErrNilFunc", err)
	}
	if n := testing.AllocsPerRun(100, func() {
		f.Record(ctx, "alice", "", time.Millisecond, true)
		op := f.Start(ctx, "alice", "")
		op.End(nil)
	}); n != 0 {
		t.Errorf("nil Feature: %v allocs, want 0", n)
	}
}

// TestClockStepsBack steps the clock back before the analytics were made
// and by more than a window, between uses and within Start and Do: nothing
// panics, the uses behind count in the newest quarter, by their users, and
// the timed ones take 0.
func TestClockStepsBack(t *testing.T) {
	for _, back := range []time.Duration{time.Hour, 4 * time.Hour, 5 * time.Hour, 25 * time.Hour, 1000 * time.Hour} {
		t.Run(back.String(), func(t *testing.T) {
			f := newFixture(t, true, WithWindow(4*time.Hour)) // quarters of 1h
			s, ctx := f.a.Feature(TypeAPIEndpoint, "/search"), context.Background()
			f.clock.Advance(90 * time.Minute)
			s.Record(ctx, "alice", "", time.Second, true)
			op := s.Start(ctx, "bob", "")
			f.clock.Advance(-back)
			s.Record(ctx, "carol", "", time.Second, false)
			op.End(nil)
			_ = s.Do(ctx, "dave", "", func(context.Context) error {
				f.clock.Advance(-time.Minute)
				return nil
			})
			check := func(when string, uses int64, users uint64) {
				t.Helper()
				fs := f.a.Snapshot().Features[0]
				if fs.Uses != 4 || fs.WindowUses != uses || fs.UniqueUsers != users || fs.MeanDurationSeconds != 0.5 {
					t.Errorf("%s: %d uses, %d in the window by %d users, mean %vs; want 4, %d by %d, 0.5s",
						when, fs.Uses, fs.WindowUses, fs.UniqueUsers, fs.MeanDurationSeconds, uses, users)
				}
			}
			check("behind", 4, 4)
			f.clock.Advance(back + time.Minute)
			check("back in the newest quarter", 4, 4)
			f.clock.Advance(150 * time.Minute) // 4h: the newest quarter is the oldest one of the window
			check("the newest quarter last in the window", 4, 4)
			f.clock.Advance(time.Hour)
			check("a window later", 0, 0)
			if fs := f.a.Snapshot().Features[0]; fs.PreviousWindowUses != 4 {
				t.Errorf("previous window: %d uses, want 4", fs.PreviousWindowUses)
			}
		})
	}
}

// TestOpEndOnceConcurrentSafe ends one Op from several goroutines at
// once, and again: the use is recorded once.
func TestOpEndOnceConcurrentSafe(t *testing.T) {
	f := newFixture(t, true)
	s := f.a.Feature(TypeAPIEndpoint, "/search")
	op := s.Start(context.Background(), "alice", "")
	f.clock.Advance(250 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			var err error
			if i%2 == 1 {
				err = errors.New("again")
			}
			op.End(err)
		})
	}
	wg.Wait()
	op.End(nil)
	fs := f.a.Snapshot().Features[0]
	if fs.Uses != 1 || fs.MeanDurationSeconds != 0.25 {
		t.Errorf("%d uses, mean %vs; want 1 use of 0.25s", fs.Uses, fs.MeanDurationSeconds)
	}
}

// TestDoPanics has Do's function panic: the use is recorded as a failure,
// timed, and the panic reaches the caller unchanged.
func TestDoPanics(t *testing.T) {
	f := newFixture(t, true)
	s := f.a.Feature(TypeAPIEndpoint, "/search")
	type boom struct{}
	var got any
	func() {
		defer func() { got = recover() }()
		_ = s.Do(context.Background(), "alice", PatternBatchOperation, func(context.Context) error {
			f.clock.Advance(250 * time.Millisecond)
			panic(boom{})
		})
		t.Error("Do returned")
	}()
	if got != (boom{}) {
		t.Errorf("recovered %v, want fn's panic", got)
	}
	rm := f.collect()
	want(t, rm, int64(1), semconv.FeatureUses.Name, endpoint, search, pattern(PatternBatchOperation), failure)
	p, _ := point(rm, semconv.FeatureUseDuration.Name, endpoint, search)
	if h, ok := p.(metricdata.HistogramDataPoint[float64]); !ok || h.Count != 1 || h.Sum != 0.25 {
		t.Errorf("durations %+v, want one of 0.25s", p)
	}
}

// TestDoAllocations checks that Do, panic guard included, allocates
// nothing for an anonymous use.
func TestDoAllocations(t *testing.T) {
	f := newFixture(t, true)
	s := f.a.Feature(TypeAPIEndpoint, "/search")
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	if n := testing.AllocsPerRun(1000, func() { _ = s.Do(ctx, "", "", fn) }); n != 0 {
		t.Errorf("Do: %v allocs, want 0", n)
	}
}
