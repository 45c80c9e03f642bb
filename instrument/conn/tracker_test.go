package conn

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	dbType  = semconv.ConnectionTypeKey.String("database")
	mainKey = semconv.ConnectionPoolNameKey.String("main")
)

func event(e string) attribute.KeyValue { return semconv.ConnectionEventKey.String(e) }
func le(s string) attribute.KeyValue    { return semconv.ConnectionAgeBoundKey.String(s) }

// TestScriptedLifecycle drives one pool through a script on a fake clock and
// reads every metric back exactly.
func TestScriptedLifecycle(t *testing.T) {
	f := newFixture(t, WithRetention(time.Hour), WithMaxAge(10*time.Minute))
	p := f.tr.Pool("database", "main")

	c1 := p.Open() // t=0
	f.clock.Advance(3 * time.Second)
	c2 := p.Open() // t=3s
	f.clock.Advance(10 * time.Second)
	c1.Use() // t=13s
	c1.Use()
	c2.Use()
	f.clock.Advance(50 * time.Second)
	c3 := p.Open() // t=63s
	c1.Close()     // lifetime 63s

	rm := f.collect()
	wantInt(t, rm, 3, semconv.ConnectionEvents.Name, dbType, mainKey, event("created"))
	wantInt(t, rm, 3, semconv.ConnectionEvents.Name, dbType, mainKey, event("reused"))
	wantInt(t, rm, 1, semconv.ConnectionEvents.Name, dbType, mainKey, event("destroyed"))
	wantInt(t, rm, 0, semconv.ConnectionEvents.Name, dbType, mainKey, event("expired"))
	wantInt(t, rm, 2, semconv.ConnectionCount.Name, dbType, mainKey)

	// Open now: c2 is 60s old, c3 0s. The bounds are inclusive.
	for bound, want := range map[string]int64{
		"1": 1, "5": 1, "15": 1, "30": 1, "60": 2, "300": 2, "43200": 2, "+Inf": 2,
	} {
		wantInt(t, rm, want, semconv.ConnectionAgeDistribution.Name, dbType, mainKey, le(bound))
	}
	wantFloat(t, rm, 60, semconv.ConnectionAgeOldest.Name, dbType, mainKey)
	wantFloat(t, rm, 30, semconv.ConnectionAgeMean.Name, dbType, mainKey)
	wantFloat(t, rm, 1, semconv.ConnectionHealth.Name, dbType, mainKey)

	h, ok := histogram(t, rm, semconv.ConnectionDuration.Name, dbType, mainKey)
	if !ok || h.Count != 1 || h.Sum != 63 {
		t.Fatalf("lifetime %+v, want one of 63s", h)
	}
	if h.BucketCounts[5] != 1 { // (60, 300]
		t.Errorf("lifetime buckets %v, want the 63s in (60, 300]", h.BucketCounts)
	}

	// One second later c2 is 61s old: it leaves the 60s bound.
	f.clock.Advance(time.Second)
	rm = f.collect()
	wantInt(t, rm, 1, semconv.ConnectionAgeDistribution.Name, dbType, mainKey, le("60"))
	wantInt(t, rm, 1, semconv.ConnectionAgeDistribution.Name, dbType, mainKey, le("1")) // c3 is exactly 1s

	// Past the max age, both count against health; past the retention since
	// their last use (c2 at 13s, c3 at 63s), both expire.
	f.clock.Advance(20 * time.Minute)
	if got := f.tr.Snapshot().Pools[0].Health; got != 0 {
		t.Errorf("health with every connection past the max age = %v, want 0", got)
	}
	f.tr.expire() // idle ~20 min < 1h: nothing expires
	wantInt(t, f.collect(), 0, semconv.ConnectionEvents.Name, dbType, mainKey, event("expired"))

	f.clock.Advance(40*time.Minute - time.Second) // c3 idle exactly 1h: not yet more than 1h
	f.tr.expire()
	rm = f.collect()
	wantInt(t, rm, 1, semconv.ConnectionEvents.Name, dbType, mainKey, event("expired")) // c2 only
	f.clock.Advance(time.Second)
	f.tr.expire()
	rm = f.collect()
	wantInt(t, rm, 2, semconv.ConnectionEvents.Name, dbType, mainKey, event("expired"))
	wantInt(t, rm, 0, semconv.ConnectionCount.Name, dbType, mainKey)
	wantInt(t, rm, 0, semconv.ConnectionAgeDistribution.Name, dbType, mainKey, le("+Inf"))
	wantFloat(t, rm, 0, semconv.ConnectionAgeOldest.Name, dbType, mainKey)
	// 1 destroyed, 2 expired: health = 1 × (1 - 2/3).
	expired, ended := 2.0, 3.0
	wantFloat(t, rm, 1*(1-expired/ended), semconv.ConnectionHealth.Name, dbType, mainKey)
	if h, _ := histogram(t, rm, semconv.ConnectionDuration.Name, dbType, mainKey); h.Count != 1 {
		t.Errorf("expiry recorded a lifetime: count %d", h.Count)
	}

	// Handles of expired connections are counted no-ops.
	c2.Use()
	c3.Close()
	rm = f.collect()
	wantInt(t, rm, 3, semconv.ConnectionEvents.Name, dbType, mainKey, event("reused"))
	wantInt(t, rm, 1, semconv.ConnectionEvents.Name, dbType, mainKey, event("destroyed"))
	wantInt(t, rm, 1, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonUseAfterClose))
	wantInt(t, rm, 1, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonDoubleClose))
}

// TestUseKeepsAlive checks that a used connection outlives the retention.
func TestUseKeepsAlive(t *testing.T) {
	f := newFixture(t, WithRetention(time.Minute))
	c := f.tr.Pool("http", "api").Open()
	for range 10 {
		f.clock.Advance(50 * time.Second)
		c.Use()
		f.tr.expire()
	}
	s := f.tr.Snapshot().Pools[0]
	if s.Open != 1 || s.Expired != 0 || s.OldestSeconds != 500 {
		t.Fatalf("snapshot %+v, want one open connection, 500s old, none expired", s)
	}
}

func TestAcquireRelease(t *testing.T) {
	f := newFixture(t)
	p := f.tr.Pool("database", "main")
	a, b, c := p.Open(), p.Open(), p.Open()
	a.Acquire()
	b.Acquire()
	b.Release()
	c.Acquire()
	used := semconv.ConnectionStateKey.String("used")
	idle := semconv.ConnectionStateKey.String("idle")

	rm := f.collect()
	wantInt(t, rm, 2, semconv.ConnectionCount.Name, dbType, mainKey, used)
	wantInt(t, rm, 1, semconv.ConnectionCount.Name, dbType, mainKey, idle)
	wantInt(t, rm, 3, semconv.ConnectionEvents.Name, dbType, mainKey, event("reused"))

	a.Close() // closing a used connection frees its slot
	b.Release()
	rm = f.collect()
	wantInt(t, rm, 1, semconv.ConnectionCount.Name, dbType, mainKey, used)
	wantInt(t, rm, 1, semconv.ConnectionCount.Name, dbType, mainKey, idle)
	wantInt(t, rm, 1, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonReleaseNotHeld))
}

// TestAgeAndSharedAcquire checks Age on the tracker's clock, an Acquire of
// a connection already in use (a shared connection: one more use, still
// one used), and an Acquire after Close (counted as bad input).
func TestAgeAndSharedAcquire(t *testing.T) {
	f := newFixture(t)
	p := f.tr.Pool("database", "main")
	c := p.Open()
	f.clock.Advance(90 * time.Second)
	if got := c.Age(); got != 90*time.Second {
		t.Errorf("Age %v after 90 s on the tracker's clock", got)
	}
	c.Acquire()
	c.Acquire()
	used := semconv.ConnectionStateKey.String("used")
	rm := f.collect()
	wantInt(t, rm, 1, semconv.ConnectionCount.Name, dbType, mainKey, used)
	wantInt(t, rm, 2, semconv.ConnectionEvents.Name, dbType, mainKey, event("reused"))

	c.Close()
	c.Acquire()
	rm = f.collect()
	wantInt(t, rm, 2, semconv.ConnectionEvents.Name, dbType, mainKey, event("reused"))
	wantInt(t, rm, 1, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonUseAfterClose))
	if v, _ := intValue(t, rm, semconv.ConnectionCount.Name, dbType, mainKey, used); v != 0 {
		t.Errorf("%d used after Close, want 0", v)
	}
}

func TestKeyedAPI(t *testing.T) {
	f := newFixture(t)
	tr := f.tr
	if err := tr.Created("conn_1", "database", "main"); err != nil {
		t.Fatal(err)
	}
	if err := tr.Created("conn_2", "database", "main"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"duplicate", tr.Created("conn_1", "database", "main"), ErrDuplicateConnection},
		{"use", tr.Used("conn_1"), nil},
		{"use unknown", tr.Used("conn_9"), ErrUnknownConnection},
		{"destroy", tr.Destroyed("conn_1"), nil},
		{"destroy twice", tr.Destroyed("conn_1"), ErrUnknownConnection},
		{"use destroyed", tr.Used("conn_1"), ErrUnknownConnection},
		{"empty id", tr.Created("", "database", "main"), ErrEmptyID},
		{"empty id use", tr.Used(""), ErrEmptyID},
		{"empty id destroy", tr.Destroyed(""), ErrEmptyID},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if err := tr.Created("conn_1", "database", "main"); err != nil {
		t.Errorf("an ID can be created again once destroyed: %v", err)
	}
	rm := f.collect()
	wantInt(t, rm, 3, semconv.ConnectionEvents.Name, dbType, mainKey, event("created"))
	wantInt(t, rm, 1, semconv.ConnectionEvents.Name, dbType, mainKey, event("reused"))
	wantInt(t, rm, 1, semconv.ConnectionEvents.Name, dbType, mainKey, event("destroyed"))
	wantInt(t, rm, 2, semconv.ConnectionCount.Name, dbType, mainKey)
	wantInt(t, rm, 1, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonDuplicateID))
	wantInt(t, rm, 3, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonUnknownID))
	wantInt(t, rm, 3, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonEmptyID))
}

// TestLeakedIDsExpire creates IDs that are never destroyed and checks that
// the retention forgets them all.
func TestLeakedIDsExpire(t *testing.T) {
	f := newFixture(t, WithRetention(time.Minute))
	const n = 10000
	for i := range n {
		if err := f.tr.Created("leak-"+itoa(i), "database", "main"); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Minute + time.Second)
	f.tr.expire()
	if got := f.tr.keyed.len(); got != 0 {
		t.Fatalf("%d IDs still held after the retention", got)
	}
	s := f.tr.Snapshot().Pools[0]
	if s.Expired != n || s.Open != 0 {
		t.Fatalf("expired %d open %d, want %d and 0", s.Expired, s.Open, n)
	}
	if err := f.tr.Used("leak-7"); !errors.Is(err, ErrUnknownConnection) {
		t.Fatalf("expired ID: %v, want ErrUnknownConnection", err)
	}
}

func TestPoolLimit(t *testing.T) {
	var handled []error
	var mu sync.Mutex
	restore := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, err)
	}))
	t.Cleanup(func() { otel.SetErrorHandler(restore) })

	f := newFixture(t, WithMaxPools(2))
	a := f.tr.Pool("database", "a")
	b := f.tr.Pool("database", "b")
	c := f.tr.Pool("database", "c")
	d := f.tr.Pool("redis", "d")
	if a == b || c != d || !c.overflow || f.tr.Pool("database", "a") != a {
		t.Fatal("pools past the limit must share the overflow pool; known pools keep their handle")
	}
	c.Open()
	d.Open()
	rm := f.collect()
	wantInt(t, rm, 2, semconv.ConnectionCount.Name, semconv.Overflow)
	if _, ok := intValue(t, rm, semconv.ConnectionCount.Name, semconv.ConnectionPoolNameKey.String("c")); ok {
		t.Error("a pool past the limit has a series of its own")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 1 || !errors.Is(handled[0], ErrPoolLimit) {
		t.Fatalf("otel.Handle got %v, want one ErrPoolLimit", handled)
	}
}

func TestNamesAreCleaned(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("é", MaxNameLength) // 2 bytes each
	tests := []struct {
		typ, name      string
		wantTyp, wantN string
		reason         string
	}{
		{"", "main", "unknown", "main", reasonEmptyName},
		{"db\xff", "main", "db\uFFFD", "main", reasonInvalidUTF8},
		{"db", long, "db", long[:MaxNameLength], reasonNameTooLong},
	}
	for _, tt := range tests {
		p := f.tr.Pool(tt.typ, tt.name)
		if p.Type() != tt.wantTyp || p.Name() != tt.wantN {
			t.Errorf("Pool(%q, …) = %q %q, want %q %q", tt.typ, p.Type(), p.Name(), tt.wantTyp, tt.wantN)
		}
		wantInt(t, f.collect(), 1, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(tt.reason))
	}
}

func TestTrackAndWrap(t *testing.T) {
	f := newFixture(t)
	p := f.tr.Pool("grpc", "backend")
	boom := errors.New("boom")
	if err := p.Track(func(c *Conn) error {
		c.Use()
		f.clock.Advance(2 * time.Second)
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Track returned %v, want fn's error", err)
	}
	call := Wrap(func(c *Conn) error { c.Use(); return nil }, p)
	for range 3 {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	func() {
		defer func() { _ = recover() }()
		_ = p.Track(func(*Conn) error { panic("in fn") })
	}()
	s := f.tr.Snapshot().Pools[0]
	if s.Created != 5 || s.Destroyed != 5 || s.Reused != 4 || s.Open != 0 {
		t.Fatalf("snapshot %+v: every tracked connection must be closed, panics included", s)
	}
}

// TestCloseUnregisters checks that after Close the tracker reports nothing.
func TestCloseUnregisters(t *testing.T) {
	f := newFixture(t)
	f.tr.Pool("database", "main").Open()
	if _, ok := metricNamed(t, f.collect(), semconv.ConnectionCount.Name); !ok {
		t.Fatal("no open connections reported before Close")
	}
	if err := f.tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.tr.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, ok := metricNamed(t, f.collect(), semconv.ConnectionCount.Name); ok {
		t.Fatal("open connections still reported after Close")
	}
}

// TestAgesMatchBruteForce runs random opens, closes and clock moves and
// compares the age structure with ages computed from scratch.
func TestAgesMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	f := newFixture(t, WithMaxAge(90*time.Second), WithRetention(720*time.Hour))
	p := f.tr.Pool("database", "main")
	var open []*Conn
	start := f.clock.Now()
	for step := range 5000 {
		switch r := rng.IntN(10); {
		case r < 5:
			open = append(open, p.Open())
		case r < 8 && len(open) > 0:
			i := rng.IntN(len(open))
			open[i].Close()
			open = append(open[:i], open[i+1:]...)
		default:
			f.clock.Advance(time.Duration(rng.IntN(4000)) * time.Millisecond)
		}
		if step%50 != 0 {
			continue
		}
		s := f.tr.Snapshot().Pools[0]
		now := f.clock.Now().Sub(start)
		var oldest, sum time.Duration
		for _, c := range open {
			age := now - time.Duration(c.created)
			oldest = max(oldest, age)
			sum += age
		}
		for _, a := range s.Ages {
			var want int64
			for _, c := range open {
				if now-time.Duration(c.created) <= time.Duration(a.LE*1e9) {
					want++
				}
			}
			if a.Count != want {
				t.Fatalf("step %d: le %v: %d, want %d", step, a.LE, a.Count, want)
			}
		}
		var old int64
		for _, c := range open {
			if now-time.Duration(c.created) > 90*time.Second {
				old++
			}
		}
		if s.Open != int64(len(open)) || s.OlderThanMaxAge != old || s.OldestSeconds != oldest.Seconds() {
			t.Fatalf("step %d: open %d old %d oldest %v, want %d %d %v", step, s.Open, s.OlderThanMaxAge, s.OldestSeconds, len(open), old, oldest.Seconds())
		}
		if len(open) > 0 {
			if want := sum.Seconds() / float64(len(open)); abs(s.MeanAgeSeconds-want) > 1e-6 {
				t.Fatalf("step %d: mean %v, want %v", step, s.MeanAgeSeconds, want)
			}
		}
	}
}

// TestConcurrentSafe runs 8 goroutines × 100,000 mixed operations and
// checks exact totals.
func TestConcurrentSafe(t *testing.T) {
	f := newFixture(t)
	pools := []*Pool{f.tr.Pool("database", "a"), f.tr.Pool("http", "b")}
	const workers, ops = 8, 100_000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := pools[w%2]
			var mine []*Conn
			for i := range ops {
				switch i % 4 {
				case 0:
					mine = append(mine, p.Open())
				case 1, 2:
					mine[len(mine)-1].Use()
				case 3:
					if i%8 == 3 {
						mine[len(mine)-1].Close()
						mine = mine[:len(mine)-1]
					}
				}
			}
		}()
	}
	stop := make(chan struct{})
	collected := make(chan struct{})
	go func() { // collections run while recording
		defer close(collected)
		for {
			select {
			case <-stop:
				return
			default:
				f.collect()
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-collected
	perWorkerCreated := int64(ops / 4)
	perWorkerClosed := int64(ops / 8)
	for _, s := range f.tr.Snapshot().Pools {
		w := int64(workers / 2)
		if s.Created != w*perWorkerCreated || s.Reused != 2*w*perWorkerCreated ||
			s.Destroyed != w*perWorkerClosed || s.Open != w*(perWorkerCreated-perWorkerClosed) {
			t.Errorf("pool %s: %+v", s.Name, s)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestFastLifetimePath runs the tracker with a producer, as vitals.Start
// does, and reads the lifetimes back, with their min and max, through a
// reader that collects the producer.
func TestFastLifetimePath(t *testing.T) {
	r := metrictest.NewReader(t, true)
	fake := clock.NewFake(t0)
	tr, err := New(WithMeterProvider(r.Provider), WithProducer(r.Producer), WithClock(fake.Now))
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Pool("database", "main")
	for _, life := range []time.Duration{500 * time.Millisecond, 3 * time.Second, 3 * time.Second, 2 * time.Hour} {
		c := p.Open()
		fake.Advance(life)
		c.Close()
	}
	collect := r.Collect
	h, ok := histogram(t, collect(), semconv.ConnectionDuration.Name, dbType, mainKey)
	if !ok {
		t.Fatal("no lifetime histogram from the fast path")
	}
	if h.Count != 4 || h.Sum != 7206.5 || !slices.Equal(h.Bounds, semconv.AgeBuckets()) {
		t.Fatalf("lifetimes %+v", h)
	}
	if want := []uint64{1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}; // 2h is in (3600, 7200]
	!slices.Equal(h.BucketCounts, want) {
		t.Fatalf("buckets %v, want %v", h.BucketCounts, want)
	}
	if lo, _ := h.Min.Value(); lo != 0.5 {
		t.Errorf("min %v, want 0.5", h.Min)
	}
	if hi, _ := h.Max.Value(); hi != 7200 {
		t.Errorf("max %v, want 7200", h.Max)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := histogram(t, collect(), semconv.ConnectionDuration.Name, dbType, mainKey); ok {
		t.Fatal("lifetimes still produced after Shutdown")
	}
}

// TestKeyedUseWhileExpiring checks the moment between an expiry closing a
// keyed connection and forgetting its ID: Used and Destroyed already answer
// ErrUnknownConnection, and the use is counted as an unknown ID, not as a
// use after close.
func TestKeyedUseWhileExpiring(t *testing.T) {
	f := newFixture(t, WithRetention(time.Minute))
	if err := f.tr.Created("conn_1", "database", "main"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	p := f.tr.Pool("database", "main")
	if got := p.expire(f.tr.shell.Clock.Nanotime(), int64(time.Minute)); len(got) != 1 {
		t.Fatalf("expired %d connections, want 1", len(got))
	}
	// The ID is still in the keyed index here.
	if err := f.tr.Used("conn_1"); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("Used = %v, want ErrUnknownConnection", err)
	}
	if err := f.tr.Destroyed("conn_1"); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("Destroyed = %v, want ErrUnknownConnection", err)
	}
	rm := f.collect()
	wantInt(t, rm, 0, semconv.ConnectionEvents.Name, dbType, mainKey, event("reused"))
	wantInt(t, rm, 1, semconv.ConnectionEvents.Name, dbType, mainKey, event("expired"))
	wantInt(t, rm, 1, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonUnknownID))
	if _, found := intValue(t, rm, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonUseAfterClose)); found {
		t.Error("counted as a use after close")
	}
}

// TestIDLimit checks that the keyed API holds at most WithMaxIDs IDs: past
// it Created returns ErrIDLimit, counts id_limit, tracks nothing and warns
// once; a destroyed ID makes room again.
func TestIDLimit(t *testing.T) {
	var warnings []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { warnings = append(warnings, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	f := newFixture(t, WithMaxIDs(2))
	for _, id := range []string{"a", "b"} {
		if err := f.tr.Created(id, "database", "main"); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"c", "d"} {
		if err := f.tr.Created(id, "database", "main"); !errors.Is(err, ErrIDLimit) {
			t.Errorf("Created(%q) past the limit = %v, want ErrIDLimit", id, err)
		}
	}
	if err := f.tr.Used("c"); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("Used of a refused ID = %v, want ErrUnknownConnection", err)
	}
	if err := f.tr.Destroyed("a"); err != nil {
		t.Fatal(err)
	}
	if err := f.tr.Created("c", "database", "main"); err != nil {
		t.Errorf("Created after a Destroyed made room: %v", err)
	}
	rm := f.collect()
	wantInt(t, rm, 3, semconv.ConnectionEvents.Name, dbType, mainKey, event("created"))
	wantInt(t, rm, 2, semconv.ConnectionCount.Name, dbType, mainKey)
	wantInt(t, rm, 2, semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonIDLimit))
	if len(warnings) != 1 || !errors.Is(warnings[0], ErrIDLimit) {
		t.Errorf("warnings = %v, want one ErrIDLimit", warnings)
	}
	if n := f.tr.keyed.len(); n != 2 {
		t.Errorf("%d IDs held, want 2", n)
	}
}
