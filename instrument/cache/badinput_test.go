package cache

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

// TestOptionRanges checks the window New runs with for values out of
// range, and the width of its buckets.
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
			if f.m.cfg.window != tt.window || f.m.width != int64(tt.window)/windowBuckets {
				t.Errorf("window %v in buckets of %dns, want %v in %dns", f.m.cfg.window, f.m.width, tt.window, int64(tt.window)/windowBuckets)
			}
		})
	}
}

// TestNilHandles calls every method of nil handles: none panics, all are
// no-ops, lookups through a nil Cache still look up, and the hot path's nil
// check allocates nothing.
func TestNilHandles(t *testing.T) {
	var m *Monitor
	if err := m.Shutdown(context.Background()); err != nil {
		t.Errorf("Close of a nil Monitor = %v", err)
	}
	if s := m.Snapshot(); s.Caches != nil || !s.Time.IsZero() {
		t.Errorf("Snapshot of a nil Monitor = %+v", s)
	}
	c := m.Cache(TypeApplication, "users")
	if c != nil {
		t.Fatalf("Cache of a nil Monitor = %v, want nil", c)
	}
	c.Hit(time.Millisecond)
	c.Miss(-1)
	c.CountHit()
	c.CountMiss()
	c.Set(1)
	c.Evicted(-1)
	c.SetSize(3)
	if c.Type() != "" || c.Name() != "" {
		t.Errorf("nil Cache: type %q, name %q", c.Type(), c.Name())
	}
	op := c.Start()
	if op != (Op{}) {
		t.Errorf("Start of a nil Cache = %+v, want the zero Op", op)
	}
	op.Hit()
	op.End()
	var nop *Op
	nop.Hit()
	nop.End()
	if v, ok := Lookup(c, func() (int, bool) { return 1, true }); v != 1 || !ok {
		t.Errorf("Lookup on a nil Cache = %v, %v", v, ok)
	}
	if _, ok := Lookup[int](c, nil); ok {
		t.Error("Lookup of a nil fn found something")
	}
	if v, err := LookupOrFill(c, func() (int, bool) { return 0, false }, func() (int, error) { return 2, nil }); v != 2 || err != nil {
		t.Errorf("LookupOrFill on a nil Cache = %v, %v", v, err)
	}
	if _, err := LookupOrFill(c, nil, func() (int, error) { return 2, nil }); !errors.Is(err, ErrNilFunc) {
		t.Errorf("LookupOrFill of a nil get on a nil Cache = %v, want ErrNilFunc", err)
	}
	w := Wrap[string, int](mapGetter{"k": 3}, c)
	if v, ok := w.Get("k"); v != 3 || !ok {
		t.Errorf("Get through a nil Cache = %v, %v", v, ok)
	}
	if v, err := w.GetOrFill("x", func(string) (int, error) { return 4, nil }); v != 4 || err != nil {
		t.Errorf("GetOrFill through a nil Cache = %v, %v", v, err)
	}
	if _, err := Wrap[string, int](nil, c).GetOrFill("x", nil); !errors.Is(err, ErrNilFunc) {
		t.Errorf("GetOrFill of a nil Getter on a nil Cache = %v, want ErrNilFunc", err)
	}
	var nw *Instrumented[string, int]
	if v, ok := nw.Get("k"); v != 0 || ok {
		t.Errorf("Get of a nil Instrumented = %v, %v", v, ok)
	}
	if _, err := nw.GetOrFill("k", func(string) (int, error) { return 1, nil }); !errors.Is(err, ErrNilFunc) {
		t.Errorf("GetOrFill of a nil Instrumented = %v, want ErrNilFunc", err)
	}
	if n := testing.AllocsPerRun(100, func() {
		c.Hit(time.Millisecond)
		c.CountMiss()
		op := c.Start()
		op.End()
	}); n != 0 {
		t.Errorf("nil Cache: %v allocs, want 0", n)
	}
}

type mapGetter map[string]int

func (m mapGetter) Get(k string) (int, bool) {
	v, ok := m[k]
	return v, ok
}

// TestClockStepsBack steps the clock back before the monitor was made and
// by more than the window, between lookups and within an Op: nothing
// panics, the lookups behind count in the newest bucket without
// overwriting its mark, and the Op takes 0.
func TestClockStepsBack(t *testing.T) {
	f := newFixture(t, true, WithWindow(30*time.Second)) // buckets of 1s
	c := f.m.Cache(TypeApplication, "users")
	f.clock.Advance(10 * time.Second)
	c.Hit(time.Millisecond)
	op := c.Start()
	f.clock.Advance(-time.Hour)
	c.CountMiss()
	c.Hit(time.Millisecond)
	op.Hit()
	op.End()
	check := func(when string, lookups int64) {
		t.Helper()
		s := f.m.Snapshot().Caches[0]
		if s.WindowLookups != lookups || s.Hits != 3 || s.Misses != 1 || s.MeanHitSeconds != 2e-3/3 || s.SinceFirstLookupSeconds < 0 {
			t.Errorf("%s: %+v; want %d lookups in the window, 3 hits, 1 miss, mean hit %vs", when, s, lookups, 2e-3/3)
		}
	}
	check("behind", 4)
	f.clock.Advance(time.Hour)
	check("back at the newest bucket", 4)
	f.clock.Advance(29 * time.Second)
	check("the newest bucket last in the window", 4)
	f.clock.Advance(time.Second)
	check("a window later", 0)
}

// TestSetsSaturate adds sets and evictions past math.MaxInt64, from one
// goroutine and from several: the counts stop there.
func TestSetsSaturate(t *testing.T) {
	f := newFixture(t, true)
	c := f.m.Cache(TypeApplication, "users")
	c.Set(math.MaxInt - 10)
	c.Evicted(math.MaxInt)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Set(1)
				c.Evicted(math.MaxInt)
			}
		})
	}
	wg.Wait()
	if s := f.m.Snapshot().Caches[0]; s.Sets != math.MaxInt64 || s.Evictions != math.MaxInt64 {
		t.Errorf("sets %d, evictions %d; want both math.MaxInt64", s.Sets, s.Evictions)
	}
	c.Set(0)
	if s := f.m.Snapshot().Caches[0]; s.Sets != math.MaxInt64 {
		t.Errorf("sets %d after Set(0)", s.Sets)
	}
}
