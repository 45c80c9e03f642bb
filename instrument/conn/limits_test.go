package conn

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/otelvitals/vitals/semconv"
)

// known holds the fields of a Entry that limits and stats set.
type known struct {
	MaxOpen, InUse, Waits      int64
	InUseKnown, StatsReported  bool
	MaxAgeSeconds, WaitSeconds float64
}

// TestLimitsAndStats sets limits and stats on a pool and reads them back in
// its snapshot.
func TestLimitsAndStats(t *testing.T) {
	stats := func(s Stats) func() Stats { return func() Stats { return s } }
	tests := []struct {
		name string
		fn   func(p *Pool)
		want known
	}{
		{"nothing known", func(*Pool) {}, known{}},
		{"limits", func(p *Pool) { p.SetLimits(Limits{MaxOpen: 10, MaxAge: 30 * time.Minute}) },
			known{MaxOpen: 10, MaxAgeSeconds: 1800}},
		{"stats", func(p *Pool) {
			p.SetStats(stats(Stats{MaxOpen: 20, InUse: 3, Waits: 4, WaitTime: 2 * time.Second}))
		}, known{MaxOpen: 20, InUse: 3, InUseKnown: true, StatsReported: true, Waits: 4, WaitSeconds: 2}},
		{"the stats' maximum wins", func(p *Pool) {
			p.SetLimits(Limits{MaxOpen: 10})
			p.SetStats(stats(Stats{MaxOpen: 20}))
		}, known{MaxOpen: 20, InUseKnown: true, StatsReported: true}},
		{"stats without a maximum keep the limits'", func(p *Pool) {
			p.SetLimits(Limits{MaxOpen: 10})
			p.SetStats(stats(Stats{InUse: 1}))
		}, known{MaxOpen: 10, InUse: 1, InUseKnown: true, StatsReported: true}},
		{"nil removes the stats", func(p *Pool) {
			p.SetStats(stats(Stats{MaxOpen: 20, InUse: 3, Waits: 4}))
			p.SetStats(nil)
		}, known{}},
		{"limits replace limits", func(p *Pool) {
			p.SetLimits(Limits{MaxOpen: 10, MaxAge: time.Hour})
			p.SetLimits(Limits{MaxOpen: 5})
		}, known{MaxOpen: 5}},
		{"negative stats are 0", func(p *Pool) {
			p.SetStats(stats(Stats{MaxOpen: -1, InUse: -2, Waits: -3, WaitTime: -time.Second}))
		}, known{InUseKnown: true, StatsReported: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.tr.Pool("database", "main")
			tt.fn(p)
			s := f.tr.Snapshot().Pools[0]
			got := known{
				MaxOpen: s.MaxOpen, InUse: s.InUse, InUseKnown: s.InUseKnown, MaxAgeSeconds: s.MaxAgeSeconds,
				StatsReported: s.StatsReported, Waits: s.Waits, WaitSeconds: s.WaitSeconds,
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestInUse checks InUse and InUseKnown for a plain pool, a stateful pool
// without stats and pools with stats, which win over Acquire and Release.
func TestInUse(t *testing.T) {
	tests := []struct {
		name      string
		fn        func(p *Pool)
		want      int64
		wantKnown bool
	}{
		{"plain pool", func(p *Pool) { p.Open().Use(); p.Open() }, 0, false},
		{"stateful pool", func(p *Pool) {
			a, b, _ := p.Open(), p.Open(), p.Open()
			a.Acquire()
			b.Acquire()
		}, 2, true},
		{"stateful pool, all released", func(p *Pool) {
			a := p.Open()
			a.Acquire()
			a.Release()
		}, 0, true},
		{"plain pool with stats", func(p *Pool) {
			p.Open()
			p.SetStats(func() Stats { return Stats{InUse: 5} })
		}, 5, true},
		{"stateful pool with stats", func(p *Pool) {
			p.Open().Acquire()
			p.SetStats(func() Stats { return Stats{InUse: 7} })
		}, 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.tr.Pool("database", "main")
			tt.fn(p)
			s := f.tr.Snapshot().Pools[0]
			if s.InUse != tt.want || s.InUseKnown != tt.wantKnown {
				t.Errorf("InUse %d, known %v; want %d, %v", s.InUse, s.InUseKnown, tt.want, tt.wantKnown)
			}
		})
	}
}

// TestOlderThanLimit counts the open connections older than Limits.MaxAge:
// strictly older, closed ones not, none without a limit.
func TestOlderThanLimit(t *testing.T) {
	f := newFixture(t)
	p := f.tr.Pool("database", "main")
	older := func() int64 { t.Helper(); return f.tr.Snapshot().Pools[0].OlderThanLimit }
	a := p.Open() // t=0
	f.clock.Advance(10 * time.Minute)
	p.Open() // t=10m
	f.clock.Advance(10 * time.Minute)
	p.Open() // t=20m
	f.clock.Advance(10 * time.Minute)
	// At 30m the ages are 30m, 20m and 10m.
	if n := older(); n != 0 {
		t.Errorf("without a limit: %d older, want 0", n)
	}
	p.SetLimits(Limits{MaxAge: 20 * time.Minute})
	if n := older(); n != 1 {
		t.Errorf("max age 20m: %d older, want 1 (20m is not older than 20m)", n)
	}
	p.SetLimits(Limits{MaxAge: 15 * time.Minute})
	if n := older(); n != 2 {
		t.Errorf("max age 15m: %d older, want 2", n)
	}
	a.Close()
	if n := older(); n != 1 {
		t.Errorf("max age 15m, the oldest closed: %d older, want 1", n)
	}
	if s := f.tr.Snapshot().Pools[0]; s.MaxAgeSeconds != 900 {
		t.Errorf("MaxAgeSeconds %v, want 900", s.MaxAgeSeconds)
	}
}

// TestWindowCounts checks the window on a 5m window (10s buckets) read
// every 10s: a pool made less than a window ago counts from zero, events
// within the window count, older ones drop out, and the covered seconds
// grow to the window.
func TestWindowCounts(t *testing.T) {
	f := newFixture(t, WithWindow(5*time.Minute))
	p := f.tr.Pool("database", "main")
	snap := func() Entry { return f.tr.Snapshot().Pools[0] }
	// readEvery10s moves the clock by d, reading every 10 s as a collector
	// would.
	readEvery10s := func(d time.Duration) {
		for ; d > 0; d -= 10 * time.Second {
			f.clock.Advance(min(d, 10*time.Second))
			snap()
		}
	}

	readEvery10s(time.Minute)
	a, b, _ := p.Open(), p.Open(), p.Open() // at 1m
	a.Close()
	s := snap()
	if s.WindowCreated != 3 || s.WindowDestroyed != 1 || s.WindowSeconds != 300 || s.WindowCoveredSeconds != 60 {
		t.Errorf("at 1m: window created %d, destroyed %d, window %vs covered %vs; want 3, 1, 300, 60",
			s.WindowCreated, s.WindowDestroyed, s.WindowSeconds, s.WindowCoveredSeconds)
	}

	readEvery10s(2 * time.Minute)
	p.Open() // at 3m
	b.Close()
	readEvery10s(3*time.Minute + 30*time.Second) // to 6m30s: the events at 1m are out
	s = snap()
	if s.WindowCreated != 1 || s.WindowDestroyed != 1 || s.WindowCoveredSeconds != 300 {
		t.Errorf("at 6m30s: window created %d, destroyed %d, covered %vs; want 1, 1, 300 (the 3m events only)",
			s.WindowCreated, s.WindowDestroyed, s.WindowCoveredSeconds)
	}
	if s.Created != 4 || s.Destroyed != 2 {
		t.Errorf("at 6m30s: created %d, destroyed %d since the pool was made, want 4, 2", s.Created, s.Destroyed)
	}

	readEvery10s(3 * time.Minute) // to 9m30s: all out
	if s = snap(); s.WindowCreated != 0 || s.WindowDestroyed != 0 {
		t.Errorf("at 9m30s: window created %d, destroyed %d; want 0, 0", s.WindowCreated, s.WindowDestroyed)
	}
}

// TestWindowWithoutReads checks the fallback of a window with no read
// within it: the counts cover the time since the last read before it, and
// the collection's reads leave marks as the snapshot's do.
func TestWindowWithoutReads(t *testing.T) {
	f := newFixture(t, WithWindow(5*time.Minute))
	p := f.tr.Pool("database", "main")
	f.clock.Advance(time.Minute)
	p.Open()
	f.tr.Snapshot() // a mark at 1m, with one created
	f.clock.Advance(18 * time.Minute)
	p.Open() // at 19m
	f.clock.Advance(time.Minute)
	if s := f.tr.Snapshot().Pools[0]; s.WindowCreated != 1 {
		t.Errorf("at 20m with no read since 1m: window created %d, want 1 (since the read at 1m)", s.WindowCreated)
	}

	f.clock.Advance(time.Minute)
	p.Open() // at 21m
	f.collect()
	f.clock.Advance(time.Minute)
	p.Open() // at 22m
	f.clock.Advance(10 * time.Minute)
	if s := f.tr.Snapshot().Pools[0]; s.WindowCreated != 1 {
		t.Errorf("at 32m, last read by a collection at 21m: window created %d, want 1 (the one at 22m)", s.WindowCreated)
	}
}

// TestWindowMatchesBruteForce reads a pool at random intervals of at most a
// bucket while opening and closing connections, and checks each windowed
// count against the events counted by hand: at most those within the
// window, at least those within the window less two buckets.
func TestWindowMatchesBruteForce(t *testing.T) {
	const window, bucket = 5 * time.Minute, 10 * time.Second
	rng := rand.New(rand.NewPCG(3, 5))
	f := newFixture(t, WithWindow(window))
	p := f.tr.Pool("database", "main")
	start := f.clock.Now()
	var open []*Conn
	var created, destroyed []time.Duration // event times since start
	count := func(events []time.Duration, after time.Duration, inclusive bool) (n int64) {
		for _, e := range events {
			if e > after || inclusive && e == after {
				n++
			}
		}
		return n
	}
	for step := range 3000 {
		f.clock.Advance(time.Duration(1+rng.IntN(int(bucket/time.Second))) * time.Second)
		now := f.clock.Now().Sub(start)
		for range rng.IntN(3) {
			open = append(open, p.Open())
			created = append(created, now)
		}
		if len(open) > 0 && rng.IntN(2) == 0 {
			i := rng.IntN(len(open))
			open[i].Close()
			open = append(open[:i], open[i+1:]...)
			destroyed = append(destroyed, now)
		}
		s := f.tr.Snapshot().Pools[0]
		for _, c := range []struct {
			name   string
			got    int64
			events []time.Duration
		}{{"created", s.WindowCreated, created}, {"destroyed", s.WindowDestroyed, destroyed}} {
			most := count(c.events, now-window, false)
			least := count(c.events, now-window+2*bucket, true)
			if c.got > most || c.got < least {
				t.Fatalf("step %d at %v: window %s %d, want %d to %d", step, now, c.name, c.got, least, most)
			}
		}
	}
}

// TestLeakExpiresThroughSnapshot leaks a connection under an injected clock
// with a short retention: the snapshot runs the expiry pass itself once
// the clock has moved, the leak shows in WindowExpired, and drops out of
// the window later while Expired keeps it.
func TestLeakExpiresThroughSnapshot(t *testing.T) {
	f := newFixture(t, WithRetention(time.Minute))
	p := f.tr.Pool("database", "main")
	p.Open() // leaked
	f.clock.Advance(time.Minute)
	if s := f.tr.Snapshot().Pools[0]; s.Expired != 0 || s.Open != 1 {
		t.Fatalf("unused for exactly the retention: expired %d, open %d; want 0, 1", s.Expired, s.Open)
	}
	f.clock.Advance(time.Minute)
	s := f.tr.Snapshot().Pools[0]
	if s.Expired != 1 || s.WindowExpired != 1 || s.Open != 0 {
		t.Fatalf("2m after a leak: expired %d, window expired %d, open %d; want 1, 1, 0", s.Expired, s.WindowExpired, s.Open)
	}
	for range 31 { // past the 5m window, read every 10s
		f.clock.Advance(10 * time.Second)
		s = f.tr.Snapshot().Pools[0]
	}
	if s.Expired != 1 || s.WindowExpired != 0 {
		t.Errorf("a window after the leak: expired %d, window expired %d; want 1, 0", s.Expired, s.WindowExpired)
	}
}

// TestIdleHeldNeverExpires keeps, past the retention, a connection
// released to a pool that hands connections out and every connection of a
// pool that reports its stats: their pools hold them idle. Only the
// connection acquired and never released, and the one of a plain pool
// never closed, expire.
func TestIdleHeldNeverExpires(t *testing.T) {
	f := newFixture(t, WithRetention(time.Minute))
	handed := f.tr.Pool("database", "handed")
	spare := handed.Open()
	spare.Acquire()
	spare.Release()         // back in the pool, then idle
	handed.Open().Acquire() // taken and never given back
	plain := f.tr.Pool("database", "plain")
	plain.Open()
	managed := f.tr.Pool("database", "managed")
	managed.SetStats(func() Stats { return Stats{MaxOpen: 4} })
	managed.Open()
	f.clock.Advance(2 * time.Minute)
	pools := f.tr.Snapshot().Pools
	for i, want := range []struct{ open, expired int64 }{{1, 1}, {0, 1}, {1, 0}} {
		if s := pools[i]; s.Open != want.open || s.Expired != want.expired || s.WindowExpired != want.expired {
			t.Errorf("%s: open %d, expired %d (window %d); want %d, %d", s.Name, s.Open, s.Expired, s.WindowExpired, want.open, want.expired)
		}
	}
	spare.Acquire() // still tracked: no use after close
	spare.Release()
	if _, found := intValue(t, f.collect(), semconv.InputRejections.Name); found {
		t.Error("using the spare again counted bad input")
	}
}

// TestRecentWaits counts the waits begun in the last two buckets of the
// window apart from the window's.
func TestRecentWaits(t *testing.T) {
	f := newFixture(t, WithWindow(time.Minute)) // buckets of 2s
	p := f.tr.Pool("database", "main")
	var waits int64
	p.SetStats(func() Stats { return Stats{MaxOpen: 2, Waits: waits} })
	for range 10 { // 3 waits a read, a read every 2s
		waits += 3
		f.tr.Snapshot()
		f.clock.Advance(2 * time.Second)
	}
	s := f.tr.Snapshot().Pools[0]
	// The last 4s hold one read's worth: the 3 waits begun before the
	// read at 18s, after the one at 16s.
	if s.WindowWaits != 30 || s.RecentWaits != 3 {
		t.Fatalf("window waits %d, recent %d; want 30, 3", s.WindowWaits, s.RecentWaits)
	}
	for range 3 {
		f.clock.Advance(2 * time.Second)
		s = f.tr.Snapshot().Pools[0]
	}
	if s.WindowWaits != 30 || s.RecentWaits != 0 {
		t.Fatalf("after 6s without waits: window %d, recent %d; want 30, 0", s.WindowWaits, s.RecentWaits)
	}
}

// TestWindowWaits checks the windowed waits, from the pool's stats.
func TestWindowWaits(t *testing.T) {
	f := newFixture(t, WithWindow(time.Minute))
	p := f.tr.Pool("database", "main")
	var mu sync.Mutex
	st := Stats{Waits: 5, WaitTime: 5 * time.Second} // before the stats were set
	p.SetStats(func() Stats { mu.Lock(); defer mu.Unlock(); return st })
	f.tr.Snapshot()
	for range 7 { // a mark every 10s
		f.clock.Advance(10 * time.Second)
		f.tr.Snapshot()
	}
	mu.Lock()
	st.Waits, st.WaitTime = 8, 11*time.Second
	mu.Unlock()
	f.clock.Advance(10 * time.Second)
	s := f.tr.Snapshot().Pools[0]
	if s.Waits != 8 || s.WaitSeconds != 11 || s.WindowWaits != 3 || s.WindowWaitSeconds != 6 {
		t.Errorf("waits %d (%vs), in the window %d (%vs); want 8 (11s), 3 (6s)",
			s.Waits, s.WaitSeconds, s.WindowWaits, s.WindowWaitSeconds)
	}
}

// TestNegativeLimits checks that negative limits are counted as bad input
// and taken as unknown.
func TestNegativeLimits(t *testing.T) {
	f := newFixture(t)
	p := f.tr.Pool("database", "main")
	p.Open()
	f.clock.Advance(time.Hour)
	p.SetLimits(Limits{MaxOpen: -1, MaxAge: -time.Second})
	p.SetLimits(Limits{MaxOpen: 3, MaxAge: -time.Second})
	s := f.tr.Snapshot().Pools[0]
	if s.MaxOpen != 3 || s.MaxAgeSeconds != 0 || s.OlderThanLimit != 0 {
		t.Errorf("max open %d, max age %vs, older %d; want 3, 0, 0", s.MaxOpen, s.MaxAgeSeconds, s.OlderThanLimit)
	}
	wantInt(t, f.collect(), 3, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonNegativeLimit))
}

// TestClockStepsBack moves an injected clock back: nothing reads negative
// and nothing panics.
func TestClockStepsBack(t *testing.T) {
	f := newFixture(t, WithWindow(time.Minute))
	p := f.tr.Pool("database", "main")
	f.clock.Advance(10 * time.Minute)
	a := p.Open()
	f.tr.Snapshot()
	f.clock.Advance(-time.Hour) // before the pool was made
	b := p.Open()
	c := p.Open()
	c.Close()
	s := f.tr.Snapshot().Pools[0]
	if s.OldestSeconds < 0 || s.MeanAgeSeconds < 0 || s.WindowCoveredSeconds < 0 ||
		s.WindowCreated < 0 || s.WindowDestroyed < 0 || a.Age() < 0 || b.Age() < 0 {
		t.Errorf("negative after the clock stepped back: %+v, ages %v %v", s, a.Age(), b.Age())
	}
	if s.Open != 2 || s.Ages[0].Count != 2 {
		t.Errorf("open %d, at most 1s old %d; want 2, 2", s.Open, s.Ages[0].Count)
	}
	h, ok := histogram(t, f.collect(), semconv.ConnectionDuration.Name, dbType, mainKey)
	if !ok || h.Count != 1 || h.Sum != 0 {
		t.Errorf("lifetime after the clock stepped back: %+v, want one of 0s", h)
	}
	// An hour past the last mark (at 10m, one created): no mark in the
	// window, so the count runs since that mark.
	f.clock.Advance(2 * time.Hour)
	if s := f.tr.Snapshot().Pools[0]; s.Open != 2 || s.WindowCreated != 2 || s.OldestSeconds != 3600 {
		t.Errorf("once the clock is past again: open %d, window created %d, oldest %vs; want 2, 2, 3600",
			s.Open, s.WindowCreated, s.OldestSeconds)
	}
}

// TestLimitsStatsConcurrentSafe sets limits and stats while connections
// come and go and snapshots and collections read them.
func TestLimitsStatsConcurrentSafe(t *testing.T) {
	f := newFixture(t)
	p := f.tr.Pool("database", "main")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				switch w {
				case 0:
					p.SetLimits(Limits{MaxOpen: i, MaxAge: time.Duration(i) * time.Second})
				case 1:
					if i%2 == 0 {
						p.SetStats(func() Stats { return Stats{MaxOpen: 10, InUse: i % 10, Waits: int64(i)} })
					} else {
						p.SetStats(nil)
					}
				case 2:
					c := p.Open()
					c.Acquire()
					f.clock.Advance(time.Second)
					c.Close()
				case 3:
					if i%2 == 0 {
						f.tr.Snapshot()
					} else {
						f.collect()
					}
				}
			}
		})
	}
	wg.Wait()
	if s := f.tr.Snapshot().Pools[0]; s.Created != 2000 || s.Destroyed != 2000 || s.MaxOpen != 1999 {
		t.Errorf("created %d, destroyed %d, max open %d; want 2000, 2000, 1999", s.Created, s.Destroyed, s.MaxOpen)
	}
}
