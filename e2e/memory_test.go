package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Full-scale counts of TestBoundedMemory; VITALS_MEMORY_SCALE multiplies
// them.
const (
	memoryNames = 1_000_000  // distinct pool, queue, cache and feature names, each
	memoryUsers = 10_000_000 // distinct users of one feature
	memoryIDs   = 1_000_000  // keyed connection IDs created and never destroyed
	// memoryScaleDefault is the scale without VITALS_MEMORY_SCALE: a tenth,
	// for routine runs; VITALS_MEMORY_SCALE=1 is the long form.
	memoryScaleDefault = 0.1
)

// Heap bounds of TestBoundedMemory, chosen from measurements (Go 1.26,
// amd64, OTel SDK v1.47; the test logs its figures) with about twice the
// measured growth as headroom, for other Go versions and allocators. Past
// the limits nothing grows with the number of names or users, so the same
// bounds hold at every scale.
const (
	// stateBound bounds the heap the four trackers and the MeterProvider
	// add for everything but the keyed IDs: 1000 handles of each kind with
	// their series, the overflow series and one full HyperLogLog sketch.
	// Measured: 17.7 MiB, at a tenth of the counts and at full scale alike.
	stateBound = 32 << 20
	// perIDBound bounds the heap one open keyed connection holds: its
	// handle (80 bytes), its entry in the ID table and the ID string.
	// Measured: 131 bytes per ID at 100,000 IDs, 151 at 1,000,000, with IDs
	// of 8 to 13 bytes; the table grows by doubling, hence the spread.
	perIDBound = 300
	// expiredSlack is how far above the heap before the leaked IDs the
	// heap may stay once they have expired. Measured: 0.2 MiB.
	expiredSlack = 4 << 20
)

// leakRetention is the retention of the tracker the leaked IDs go to. It is
// short so that the tracker's expiry pass, which runs every quarter of it,
// comes soon after the fake clock moves past it.
const leakRetention = time.Second

// memoryScale returns VITALS_MEMORY_SCALE, or memoryScaleDefault.
func memoryScale(t *testing.T) float64 {
	t.Helper()
	s := os.Getenv("VITALS_MEMORY_SCALE")
	if s == "" {
		return memoryScaleDefault
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0.01 && f <= 10) {
		t.Fatalf("VITALS_MEMORY_SCALE=%q: want a number from 0.01 to 10 (1 is full scale)", s)
	}
	return f
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// mib formats bytes in MiB.
func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// TestBoundedMemory drives 1,000,000 distinct pool, queue, cache and
// feature names, 10,000,000 distinct users of one feature and 1,000,000
// keyed connections that are never destroyed through a System (a tenth of
// each by default; VITALS_MEMORY_SCALE=1 for the full counts). It checks
// that the live heap stays under stateBound plus perIDBound per open ID,
// that each kind's keys past its limit land in the vitals.overflow=true
// series with exact counts, that each limit's sentinel error reaches
// otel.Handle exactly once, that the unique-user estimate is within 2% of
// the truth, and that once the fake clock passes the retention the leaked
// IDs are expired and the heap returns to within expiredSlack of where it
// was before them.
//
// The leaked IDs go to a connection tracker built like the System's, under
// the System's MeterProvider, but on a fake clock: Start takes no clock,
// and a real one would mean waiting out the retention.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("drives millions of keys and measures the heap: not in -short or -race runs")
	}
	scale := memoryScale(t)
	names := int(memoryNames * scale)
	users := int(memoryUsers * scale)
	ids := int(memoryIDs * scale)
	ctx := context.Background()
	began := time.Now()

	// Every error given to otel.Handle, kept in order.
	var handledMu sync.Mutex
	var handled []error
	restore := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		handledMu.Lock()
		handled = append(handled, err)
		handledMu.Unlock()
	}))
	t.Cleanup(func() { otel.SetErrorHandler(restore) })
	countHandled := func(target error) int {
		handledMu.Lock()
		defer handledMu.Unlock()
		n := 0
		for _, err := range handled {
			if errors.Is(err, target) {
				n++
			}
		}
		return n
	}
	limits := []struct {
		kind string
		err  error
	}{
		{"pool", conn.ErrPoolLimit},
		{"queue", queue.ErrQueueLimit},
		{"cache", cache.ErrCacheLimit},
		{"feature", feature.ErrFeatureLimit},
	}
	checkWarnedOnce := func(when string) {
		t.Helper()
		for _, l := range limits {
			if n := countHandled(l.err); n != 1 {
				t.Errorf("%s: the %s limit reported %d times through otel.Handle, want once", when, l.kind, n)
			}
		}
	}

	hashKey := []byte("a fixed key: the estimate is the same every run")
	sys, reader := startManual(t, vitals.WithFeatureOptions(feature.WithUserHashKey(hashKey)))
	cfg := sys.Config()
	// The trackers' default limits, which Start keeps.
	keyLimits := struct{ MaxPools, MaxQueues, MaxCaches, MaxFeatures int }{
		conn.DefaultMaxPools, queue.DefaultMaxQueues, cache.DefaultMaxCaches, feature.DefaultMaxFeatures}
	fake := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	leaks, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithMaxPools(keyLimits.MaxPools),
		conn.WithClock(fake.Now), conn.WithRetention(leakRetention), conn.WithMaxIDs(ids))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = leaks.Shutdown(context.Background()) })
	// The feature the users go to is made first, so that it has a series of
	// its own and not the overflow one.
	search := sys.Features().Feature(feature.TypeAPIEndpoint, "/search")

	// The peak of HeapAlloc, garbage included, sampled every 20ms.
	var peakSampled atomic.Uint64
	stopSampler := make(chan struct{})
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stopSampler:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peakSampled.Load() {
					peakSampled.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	defer func() {
		close(stopSampler)
		<-samplerDone
	}()

	collect(t, reader) // the pipeline's first collection sets up its own state
	base := liveHeap()

	// Names, from two goroutines so that the limits are reached under
	// contention.
	phase := time.Now()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < names; i += 2 {
				name := "name-" + strconv.Itoa(i)
				c := sys.Connections().Pool("database", name).Open()
				c.Use()
				c.Close()
				if err := sys.Queues().Queue(queue.TypeHTTP, name, 10).Sample(1); err != nil {
					t.Error(err)
				}
				sys.Caches().Cache(cache.TypeApplication, name).Hit(time.Microsecond)
				sys.Features().Feature(feature.TypeFeatureFlag, name).Record(ctx, "", feature.PatternDirectCall, time.Millisecond, true)
			}
		})
	}
	wg.Wait()
	namesTook := time.Since(phase)
	afterNames := liveHeap()

	rm := collect(t, reader)
	snap := sys.Snapshot()
	overflowCount := func(kept int) int64 { return int64(names - kept) }
	wantInt(t, rm, overflowCount(keyLimits.MaxPools), semconv.ConnectionEvents.Name,
		semconv.Overflow, semconv.ConnectionEventKey.String(semconv.ConnectionEventCreated))
	wantInt(t, rm, overflowCount(keyLimits.MaxPools), semconv.ConnectionEvents.Name,
		semconv.Overflow, semconv.ConnectionEventKey.String(semconv.ConnectionEventDestroyed))
	if h := wantHist(t, rm, semconv.QueueSampledDepth.Name, semconv.Overflow); int64(h.Count) != overflowCount(keyLimits.MaxQueues) {
		t.Errorf("overflow queue: %d samples, want %d", h.Count, overflowCount(keyLimits.MaxQueues))
	}
	wantInt(t, rm, overflowCount(keyLimits.MaxCaches), semconv.CacheOperations.Name,
		semconv.Overflow, semconv.CacheResultKey.String(semconv.CacheResultHit))
	// "/search" holds one of the feature slots.
	wantInt(t, rm, overflowCount(keyLimits.MaxFeatures-1), semconv.FeatureUses.Name,
		semconv.Overflow, semconv.FeaturePatternKey.String(feature.PatternDirectCall), semconv.FeatureOutcomeKey.String(semconv.FeatureOutcomeSuccess))
	for _, kind := range []struct {
		name string
		got  int
		max  int
	}{
		{"pools", len(snap.Connections.Pools), keyLimits.MaxPools},
		{"queues", len(snap.Queues.Queues), keyLimits.MaxQueues},
		{"caches", len(snap.Caches.Caches), keyLimits.MaxCaches},
		{"features", len(snap.Features.Features), keyLimits.MaxFeatures},
	} {
		if kind.got != kind.max+1 {
			t.Errorf("%d %s in the snapshot, want the limit %d and the overflow one", kind.got, kind.name, kind.max)
		}
	}
	if n := seriesOf(rm, semconv.ConnectionAgeDistribution.Name); n > cfg.CardinalityLimit {
		t.Errorf("%s has %d series, over the cardinality limit %d", semconv.ConnectionAgeDistribution.Name, n, cfg.CardinalityLimit)
	}
	checkWarnedOnce("after the names")

	// Users.
	phase = time.Now()
	for j := range users {
		search.Record(ctx, "user-"+strconv.Itoa(j), feature.PatternDirectCall, time.Microsecond, true)
	}
	usersTook := time.Since(phase)
	afterUsers := liveHeap()

	rm = collect(t, reader)
	searchID := []attribute.KeyValue{semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("/search")}
	exported, _ := metrictest.Point(rm, semconv.FeatureUsers.Name, searchID...)
	fs, _ := findFeature(sys.Snapshot().Features, feature.TypeAPIEndpoint, "/search")
	if !within(fs.UniqueUsers, uint64(users), 0.02) || exported != int64(fs.UniqueUsers) {
		t.Errorf("unique users: %d in the snapshot, %v exported, want within 2%% of %d", fs.UniqueUsers, exported, users)
	}
	wantInt(t, rm, int64(users), semconv.FeatureUses.Name,
		append(searchID, semconv.FeaturePatternKey.String(feature.PatternDirectCall), semconv.FeatureOutcomeKey.String(semconv.FeatureOutcomeSuccess))...)

	// Leaked keyed connections.
	phase = time.Now()
	for k := range ids {
		if err := leaks.Created("leaked-"+strconv.Itoa(k), "database", "leaked"); err != nil {
			t.Fatal(err)
		}
	}
	idsTook := time.Since(phase)
	// The tracker holds at most ids IDs: more are refused, warned once.
	for k := range 3 {
		if err := leaks.Created("one-more-"+strconv.Itoa(k), "database", "leaked"); !errors.Is(err, conn.ErrIDLimit) {
			t.Fatalf("Created past the ID limit = %v, want conn.ErrIDLimit", err)
		}
	}
	if n := countHandled(conn.ErrIDLimit); n != 1 {
		t.Errorf("the connection ID limit reported %d times through otel.Handle, want once", n)
	}
	withIDs := liveHeap()
	leakedID := []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolNameKey.String("leaked")}
	rm = collect(t, reader)
	wantInt(t, rm, int64(ids), semconv.ConnectionCount.Name, leakedID...)
	wantInt(t, rm, int64(ids), semconv.ConnectionEvents.Name,
		append(leakedID, semconv.ConnectionEventKey.String(semconv.ConnectionEventCreated))...)

	// Expiry: the next pass after the fake clock moves expires them all.
	// A pass first closes the connections, counting them expired, then
	// forgets their IDs; Close waits for a pass under way to finish.
	fake.Advance(leakRetention + time.Second)
	phase = time.Now()
	for deadline := time.Now().Add(time.Minute); ; {
		ps := leaks.Snapshot().Pools[0]
		if ps.Expired == int64(ids) && ps.Open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leaked connections not expired a minute after the retention: %+v", ps)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rm = collect(t, reader)
	wantInt(t, rm, 0, semconv.ConnectionCount.Name, leakedID...)
	wantInt(t, rm, int64(ids), semconv.ConnectionEvents.Name,
		append(leakedID, semconv.ConnectionEventKey.String(semconv.ConnectionEventExpired))...)
	for _, k := range []int{0, ids / 2, ids - 1} {
		if err := leaks.Used("leaked-" + strconv.Itoa(k)); !errors.Is(err, conn.ErrUnknownConnection) {
			t.Errorf("Used of an expired ID: %v, want ErrUnknownConnection", err)
		}
	}
	if err := leaks.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	expiryTook := time.Since(phase)
	afterExpiry := liveHeap()
	checkWarnedOnce("at the end")

	t.Logf("scale %g: %d names of each kind in %v, %d users in %v, %d leaked IDs in %v, expired %v after the clock moved; %v in all",
		scale, names, namesTook.Round(time.Millisecond), users, usersTook.Round(time.Millisecond),
		ids, idsTook.Round(time.Millisecond), expiryTook.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	t.Logf("live heap: baseline %s, after the names %s, after the users %s, with the IDs open %s (%d bytes per ID), after expiry %s; sampled peak, garbage included, %s",
		mib(base), mib(afterNames), mib(afterUsers), mib(withIDs), perID(withIDs, afterUsers, ids), mib(afterExpiry), mib(peakSampled.Load()))
	t.Logf("unique users: estimated %d of %d (%+.2f%%)", fs.UniqueUsers, users, 100*(float64(fs.UniqueUsers)/float64(users)-1))
	handledMu.Lock()
	for _, err := range handled {
		t.Logf("otel.Handle: %v", err)
	}
	handledMu.Unlock()

	if grown := heapDiff(afterUsers, base); grown > stateBound {
		t.Errorf("names and users grew the heap by %s, over the bound of %s", mib(grown), mib(stateBound))
	}
	if grown, bound := heapDiff(withIDs, afterUsers), uint64(ids)*perIDBound; grown > bound {
		t.Errorf("%d open IDs grew the heap by %s, over the bound of %s (%d bytes each)", ids, mib(grown), mib(bound), perIDBound)
	}
	if grown := heapDiff(afterExpiry, afterUsers); grown > expiredSlack {
		t.Errorf("after expiry the heap is %s above where it was before the IDs, over %s", mib(grown), mib(expiredSlack))
	}
}

// heapDiff returns a-b, or 0 when b is larger.
func heapDiff(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// perID returns the heap growth per ID, 0 without IDs.
func perID(with, without uint64, ids int) uint64 {
	if ids == 0 {
		return 0
	}
	return heapDiff(with, without) / uint64(ids)
}

// seriesOf returns the number of points of metric name.
func seriesOf(rm metricdata.ResourceMetrics, name string) int {
	m, ok := findMetric(rm, name)
	if !ok {
		return 0
	}
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		return len(d.DataPoints)
	case metricdata.Sum[int64]:
		return len(d.DataPoints)
	}
	return 0
}

// fakeClock is a clock that moves only when told; its methods are safe for
// concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the fake's time.
func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fake's time forward by d.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}
