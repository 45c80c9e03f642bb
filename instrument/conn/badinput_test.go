package conn

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestOptionRanges checks the values New runs with for options out of
// range, the expiry goroutine's period among them: it is read from the
// config, so no timing is needed.
func TestOptionRanges(t *testing.T) {
	tests := []struct {
		name                      string
		opts                      []Option
		retention, window, maxAge time.Duration
		expireEvery               time.Duration
	}{
		{"defaults", nil, DefaultRetention, DefaultWindow, DefaultMaxAge, time.Minute},
		{"zero and negative keep the defaults", []Option{WithRetention(0), WithWindow(-1), WithMaxAge(-time.Hour)},
			DefaultRetention, DefaultWindow, DefaultMaxAge, time.Minute},
		{"1ns is raised to the floor", []Option{WithRetention(1), WithWindow(1), WithMaxAge(1)},
			MinRetention, MinWindow, 1, MinRetention / 4},
		{"4ns, which once spun a core", []Option{WithRetention(4)}, MinRetention, DefaultWindow, DefaultMaxAge, 250 * time.Millisecond},
		{"just under the floor", []Option{WithRetention(MinRetention - 1), WithWindow(MinWindow - 1)},
			MinRetention, MinWindow, DefaultMaxAge, MinRetention / 4},
		{"the floor itself", []Option{WithRetention(MinRetention), WithWindow(MinWindow)},
			MinRetention, MinWindow, DefaultMaxAge, MinRetention / 4},
		{"huge is lowered to the ceiling", []Option{WithRetention(1<<63 - 1), WithWindow(1<<63 - 1), WithMaxAge(1<<63 - 1)},
			MaxRetention, MaxWindow, 1<<63 - 1, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			c := f.tr.cfg
			if c.retention != tt.retention || c.window != tt.window || c.maxAge != tt.maxAge {
				t.Errorf("retention %v, window %v, max age %v; want %v, %v, %v", c.retention, c.window, c.maxAge, tt.retention, tt.window, tt.maxAge)
			}
			if got := c.expireEvery(); got != tt.expireEvery {
				t.Errorf("expiry every %v, want %v", got, tt.expireEvery)
			}
			if got := f.tr.Pool("database", "main").win.width; got != int64(tt.window)/windowBuckets {
				t.Errorf("window buckets of %dns, want %dns", got, int64(tt.window)/windowBuckets)
			}
		})
	}
}

// TestExpireEveryFloor checks the last guard of the expiry ticker, for a
// config that newConfig did not clamp.
func TestExpireEveryFloor(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 3, 4, time.Millisecond} {
		if got := (config{retention: d}).expireEvery(); got != time.Millisecond {
			t.Errorf("retention %v: expiry every %v, want 1ms", d, got)
		}
	}
}

// TestNilHandles calls every method of nil handles: none panics, all are
// no-ops, and the hot path's nil check allocates nothing.
func TestNilHandles(t *testing.T) {
	var tr *Tracker
	p := tr.Pool("database", "main")
	if p != nil {
		t.Fatalf("Pool of a nil Tracker = %v, want nil", p)
	}
	if err := errors.Join(tr.Created("a", "database", "main"), tr.Used("a"), tr.Destroyed("a"), tr.Shutdown(context.Background())); err != nil {
		t.Errorf("nil Tracker: %v, want nil", err)
	}
	for name, err := range map[string]error{"Created": tr.Created("", "t", "p"), "Used": tr.Used(""), "Destroyed": tr.Destroyed("")} {
		if !errors.Is(err, ErrEmptyID) {
			t.Errorf("%s(\"\") of a nil Tracker = %v, want ErrEmptyID", name, err)
		}
	}
	if s := tr.Snapshot(); s.Pools != nil || !s.Time.IsZero() {
		t.Errorf("Snapshot of a nil Tracker = %+v", s)
	}

	if p.Type() != "" || p.Name() != "" {
		t.Errorf("nil Pool: type %q, name %q", p.Type(), p.Name())
	}
	p.SetLimits(Limits{MaxOpen: -1})
	p.SetStats(func() Stats { return Stats{} })
	c := p.Open()
	if c != nil {
		t.Fatalf("Open of a nil Pool = %v, want nil", c)
	}
	ran := false
	if err := p.Track(func(c *Conn) error { ran = c == nil; return nil }); err != nil || !ran {
		t.Errorf("Track of a nil Pool = %v, ran with a nil Conn %v", err, ran)
	}
	if err := Wrap(nil, p)(); !errors.Is(err, ErrNilFunc) {
		t.Errorf("Wrap(nil Pool, nil)() = %v, want ErrNilFunc", err)
	}

	c.Acquire()
	c.Use()
	c.Release()
	c.Close()
	if c.Age() != 0 {
		t.Errorf("Age of a nil Conn = %v", c.Age())
	}
	if n := testing.AllocsPerRun(100, func() { c.Use(); c.Acquire(); c.Release() }); n != 0 {
		t.Errorf("nil Conn: %v allocs, want 0", n)
	}
}

// TestClockStepsBackUse uses a connection while the clock is behind its
// last use: once the clock is past again, the connection has been idle
// since that last use, not since the time read while it was behind.
func TestClockStepsBackUse(t *testing.T) {
	f := newFixture(t, WithRetention(time.Minute))
	c := f.tr.Pool("database", "main").Open()
	f.clock.Advance(50 * time.Second)
	c.Use()
	f.clock.Advance(-time.Hour)
	c.Use()
	if got := time.Duration(c.lastUsed.Load()); got != 50*time.Second {
		t.Errorf("last used at %v after a use behind it, want 50s", got)
	}
	f.clock.Advance(time.Hour + 40*time.Second) // 40s after the last use
	if s := f.tr.Snapshot().Pools[0]; s.Expired != 0 || s.Open != 1 {
		t.Errorf("expired %d, open %d 40s after the last use; want 0, 1", s.Expired, s.Open)
	}
	f.clock.Advance(21 * time.Second) // 61s after it
	if s := f.tr.Snapshot().Pools[0]; s.Expired != 1 || s.Open != 0 {
		t.Errorf("expired %d, open %d 61s after the last use; want 1, 0", s.Expired, s.Open)
	}
}
