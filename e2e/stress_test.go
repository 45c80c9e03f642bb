package e2e_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

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

// The stress test's shape: stressWorkers goroutines each run the operations
// 0 to stressKinds-1 in turn (operation i%stressKinds at step i), so that
// every total is known exactly in advance.
const (
	stressWorkers = 16
	stressKinds   = 12
	// stressOpsDefault is the operations per goroutine without
	// VITALS_STRESS_OPS: enough to interleave every tracker thoroughly,
	// few enough for the race detector on a small machine.
	stressOpsDefault = 20_000
	// stressUsers is the number of distinct user IDs the feature
	// operations cycle through.
	stressUsers = 1000
)

// stressOps returns the operations per goroutine: VITALS_STRESS_OPS, or
// stressOpsDefault.
func stressOps(t *testing.T) int {
	t.Helper()
	s := os.Getenv("VITALS_STRESS_OPS")
	if s == "" {
		return stressOpsDefault
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < stressKinds {
		t.Fatalf("VITALS_STRESS_OPS=%q: want a whole number of at least %d", s, stressKinds)
	}
	return n
}

// stressPlan holds the handles one goroutine works on. Each goroutine looks
// them up itself, so that the lookups race as well.
type stressPlan struct {
	conns            *conn.Tracker
	primary, pooled  *conn.Pool
	sampled, owned   *queue.Queue
	users, configs   *cache.Cache
	search, flag     *feature.Feature
	variant, idStart string
}

func newStressPlan(sys *vitals.System, g int) *stressPlan {
	p := &stressPlan{
		conns:   sys.Connections(),
		primary: sys.Connections().Pool("database", "primary"),
		pooled:  sys.Connections().Pool("http", "upstream"),
		sampled: sys.Queues().Queue(queue.TypeHTTP, "sampled", 100),
		owned:   sys.Queues().Queue(queue.TypeDatabase, "owned", 1000),
		users:   sys.Caches().Cache(cache.TypeApplication, "users"),
		configs: sys.Caches().Cache(cache.TypeConfiguration, "flags"),
		search:  sys.Features().Feature(feature.TypeAPIEndpoint, "/search"),
		flag:    sys.Features().Feature(feature.TypeFeatureFlag, "new-ui"),
		variant: "on",
		idStart: "g" + strconv.Itoa(g) + "-",
	}
	if g%2 == 1 {
		p.variant = "off"
	}
	return p
}

// step runs operation i%stressKinds of goroutine g. The comment of each
// case is its exact effect, which TestStressConcurrentSafe adds up.
func (p *stressPlan) step(ctx context.Context, t *testing.T, g, i int, userIDs []string) {
	switch i % stressKinds {
	case 0: // database/primary: created 1, reused 2, destroyed 1
		c := p.primary.Open()
		c.Use()
		c.Use()
		c.Close()
	case 1: // http/upstream, stateful: created 1, reused 1, destroyed 1
		c := p.pooled.Open()
		c.Acquire()
		c.Release()
		c.Close()
	case 2: // redis/keyed: created 1, reused 1, destroyed 1; one unknown_id rejection
		id := p.idStart + strconv.Itoa(i)
		if err := p.conns.Created(id, "redis", "keyed"); err != nil {
			t.Error(err)
		}
		if err := p.conns.Used(id); err != nil {
			t.Error(err)
		}
		if err := p.conns.Destroyed(id); err != nil {
			t.Error(err)
		}
		if err := p.conns.Destroyed(id); !errors.Is(err, conn.ErrUnknownConnection) {
			t.Errorf("second Destroyed(%q) = %v, want ErrUnknownConnection", id, err)
		}
	case 3: // http/sampled: one depth sample of g
		if err := p.sampled.Sample(g); err != nil {
			t.Error(err)
		}
	case 4: // database/owned: one wait recorded, depth unchanged
		p.owned.Enter().Leave()
	case 5: // database/owned: one item rejected, depth unchanged
		p.owned.Enter().Cancel()
		p.owned.Reject()
	case 6: // application/users: one timed hit
		p.users.Hit(time.Microsecond)
	case 7: // application/users: one timed miss
		p.users.Miss(time.Millisecond)
	case 8: // configuration/flags: one timed hit
		cache.Lookup(p.configs, func() (int, bool) { return i, true })
	case 9: // configuration/flags: one timed miss
		op := p.configs.Start()
		op.End()
	case 10: // api_endpoint//search: one successful direct call
		p.search.Record(ctx, userIDs[(i/stressKinds)%len(userIDs)], feature.PatternDirectCall, time.Millisecond, true)
	case 11: // feature_flag/new-ui: one failed batch operation, variant on (even g) or off (odd g)
		p.flag.RecordVariant(ctx, userIDs[(i/stressKinds)%len(userIDs)], feature.PatternBatchOperation, p.variant, time.Millisecond, false)
	}
}

// TestStressConcurrentSafe runs 16 goroutines of VITALS_STRESS_OPS mixed
// operations each (20,000 by default; 1,000,000 for the long form) across
// all four trackers, handle and keyed APIs alike, while another goroutine
// takes snapshots, health reports and collections. Run under -race, it
// checks that nothing races, and afterwards that every total read back
// through the ManualReader is exact and that the Snapshot agrees with it.
func TestStressConcurrentSafe(t *testing.T) {
	n := stressOps(t)
	// Under the race detector a snapshot can take longer than the default
	// collection budget; that warning is not what this test checks.
	sys, reader := startManual(t, vitals.WithConfig(vitals.Config{CollectionBudget: time.Minute}))
	ctx := context.Background()
	userIDs := make([]string, stressUsers)
	for i := range userIDs {
		userIDs[i] = "user-" + strconv.Itoa(i)
	}

	start := time.Now()
	done := make(chan struct{})
	observed := make(chan int)
	go func() {
		rounds := 0
		for {
			select {
			case <-done:
				if rounds >= 3 {
					observed <- rounds
					return
				}
			default:
			}
			_ = sys.Snapshot()
			_ = sys.Health()
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				t.Error(err)
			}
			rounds++
			time.Sleep(10 * time.Millisecond)
		}
	}()

	var wg sync.WaitGroup
	for g := range stressWorkers {
		wg.Go(func() {
			p := newStressPlan(sys, g)
			// Left open to the end: one keyed connection and one queued
			// item per goroutine.
			if err := p.conns.Created(p.idStart+"open", "redis", "keyed"); err != nil {
				t.Error(err)
			}
			p.owned.Enter()
			for i := range n {
				p.step(ctx, t, g, i, userIDs)
			}
		})
	}
	wg.Wait()
	close(done)
	rounds := <-observed
	t.Logf("%d goroutines × %d operations in %v, with %d concurrent snapshot/health/collect rounds",
		stressWorkers, n, time.Since(start).Round(time.Millisecond), rounds)

	// times(k) is how many times the workers ran operation k in all.
	times := func(k int) int64 {
		per := n / stressKinds
		if k < n%stressKinds {
			per++
		}
		return int64(per * stressWorkers)
	}
	distinctUsers := func(k int) uint64 { return uint64(min(stressUsers, times(k)/stressWorkers)) }
	const sumG = stressWorkers * (stressWorkers - 1) / 2 // the depths sampled by one round of every goroutine

	rm := collect(t, reader)
	snap := sys.Snapshot()

	// Connections.
	type poolWant struct {
		typ, name                   string
		created, reused, destroyed  int64
		open, rejected, lifetimeCnt int64
	}
	pools := []poolWant{
		{"database", "primary", times(0), 2 * times(0), times(0), 0, 0, times(0)},
		{"http", "upstream", times(1), times(1), times(1), 0, 0, times(1)},
		{"redis", "keyed", times(2) + stressWorkers, times(2), times(2), stressWorkers, 0, times(2)},
	}
	for _, w := range pools {
		id := []attribute.KeyValue{semconv.ConnectionTypeKey.String(w.typ), semconv.ConnectionPoolNameKey.String(w.name)}
		for ev, want := range map[string]int64{
			semconv.ConnectionEventCreated:   w.created,
			semconv.ConnectionEventReused:    w.reused,
			semconv.ConnectionEventDestroyed: w.destroyed,
			semconv.ConnectionEventExpired:   0,
		} {
			wantInt(t, rm, want, semconv.ConnectionEvents.Name, append(id, semconv.ConnectionEventKey.String(ev))...)
		}
		if h := wantHist(t, rm, semconv.ConnectionDuration.Name, id...); int64(h.Count) != w.lifetimeCnt {
			t.Errorf("%s/%s: %d lifetimes recorded, want %d", w.typ, w.name, h.Count, w.lifetimeCnt)
		}
		ps, ok := findPool(snap.Connections, w.typ, w.name)
		if !ok {
			t.Errorf("snapshot lacks pool %s/%s", w.typ, w.name)
			continue
		}
		if ps.Created != w.created || ps.Reused != w.reused || ps.Destroyed != w.destroyed || ps.Expired != 0 || ps.Open != w.open {
			t.Errorf("snapshot of %s/%s: %+v, want created %d reused %d destroyed %d open %d",
				w.typ, w.name, ps, w.created, w.reused, w.destroyed, w.open)
		}
	}
	wantInt(t, rm, 0, semconv.ConnectionCount.Name, semconv.ConnectionPoolNameKey.String("primary"))
	wantInt(t, rm, 0, semconv.ConnectionCount.Name, semconv.ConnectionPoolNameKey.String("upstream"), semconv.ConnectionStateKey.String(semconv.ConnectionStateUsed))
	wantInt(t, rm, 0, semconv.ConnectionCount.Name, semconv.ConnectionPoolNameKey.String("upstream"), semconv.ConnectionStateKey.String(semconv.ConnectionStateIdle))
	wantInt(t, rm, stressWorkers, semconv.ConnectionCount.Name, semconv.ConnectionPoolNameKey.String("keyed"))

	// Rejected input: the second Destroyed of each keyed connection, and
	// nothing else.
	wantRejected := map[[2]string]int64{{semconv.SignalConnection, "unknown_id"}: times(2)}
	if m, ok := findMetric(rm, semconv.InputRejections.Name); ok {
		for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
			sig, _ := p.Attributes.Value(semconv.SignalKey)
			typ, _ := p.Attributes.Value(semconv.ErrorTypeKey)
			key := [2]string{sig.AsString(), typ.AsString()}
			if p.Value != wantRejected[key] {
				t.Errorf("%s %v = %d, want %d", semconv.InputRejections.Name, key, p.Value, wantRejected[key])
			}
			delete(wantRejected, key)
		}
	}
	for key, want := range wantRejected {
		t.Errorf("%s %v missing, want %d", semconv.InputRejections.Name, key, want)
	}

	// Queues.
	sampledID := []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("sampled")}
	ownedID := []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeDatabase), semconv.QueueNameKey.String("owned")}
	h := wantHist(t, rm, semconv.QueueSampledDepth.Name, sampledID...)
	if wantSum := float64(times(3) / stressWorkers * sumG); int64(h.Count) != times(3) || h.Sum != wantSum {
		t.Errorf("sampled depths: count %d sum %v, want %d and %v", h.Count, h.Sum, times(3), wantSum)
	}
	wantInt(t, rm, stressWorkers-1, semconv.QueueMaxDepth.Name, sampledID...)
	if h := wantHist(t, rm, semconv.QueueWaitDuration.Name, ownedID...); int64(h.Count) != times(4) {
		t.Errorf("%d waits recorded, want %d", h.Count, times(4))
	}
	wantInt(t, rm, stressWorkers, semconv.QueueDepth.Name, ownedID...)
	wantInt(t, rm, times(5), semconv.QueueRejections.Name, ownedID...)
	wantInt(t, rm, 0, semconv.QueueRejections.Name, sampledID...)
	wantInt(t, rm, 0, semconv.QueueOverflows.Name, ownedID...)
	wantInt(t, rm, 0, semconv.QueueOverflows.Name, sampledID...)
	if qs, ok := findQueue(snap.Queues, "owned"); !ok || qs.Depth != stressWorkers || qs.Rejected != times(5) || qs.Overflows != 0 {
		t.Errorf("snapshot of the owned queue: %+v, want depth %d, rejected %d, no overflow", qs, stressWorkers, times(5))
	}
	if qs, ok := findQueue(snap.Queues, "sampled"); !ok || qs.Rejected != 0 || qs.Overflows != 0 || qs.Depth < 0 || qs.Depth >= stressWorkers {
		t.Errorf("snapshot of the sampled queue: %+v, want a depth one goroutine sampled, no overflow", qs)
	}

	// Caches.
	caches := []struct {
		typ, name    string
		hits, misses int64
	}{
		{cache.TypeApplication, "users", times(6), times(7)},
		{cache.TypeConfiguration, "flags", times(8), times(9)},
	}
	for _, w := range caches {
		id := []attribute.KeyValue{semconv.CacheTypeKey.String(w.typ), semconv.CacheNameKey.String(w.name)}
		for result, want := range map[string]int64{semconv.CacheResultHit: w.hits, semconv.CacheResultMiss: w.misses} {
			kv := append(id, semconv.CacheResultKey.String(result))
			wantInt(t, rm, want, semconv.CacheOperations.Name, kv...)
			if h := wantHist(t, rm, semconv.CacheOperationDuration.Name, kv...); int64(h.Count) != want {
				t.Errorf("%s/%s: %d %s durations, want %d", w.typ, w.name, h.Count, result, want)
			}
		}
		cs, ok := findCache(snap.Caches, w.typ, w.name)
		if !ok || cs.Hits != w.hits || cs.Misses != w.misses {
			t.Errorf("snapshot of cache %s/%s: %+v, want %d hits and %d misses", w.typ, w.name, cs, w.hits, w.misses)
		}
	}

	// Features.
	features := []struct {
		typ, name, pattern, outcome string
		uses                        int64
		users                       uint64
		variants                    map[string]int64
	}{
		{feature.TypeAPIEndpoint, "/search", feature.PatternDirectCall, semconv.FeatureOutcomeSuccess, times(10), distinctUsers(10), nil},
		{feature.TypeFeatureFlag, "new-ui", feature.PatternBatchOperation, semconv.FeatureOutcomeFailure, times(11), distinctUsers(11),
			map[string]int64{"on": times(11) / 2, "off": times(11) / 2}},
	}
	for _, w := range features {
		id := []attribute.KeyValue{semconv.FeatureTypeKey.String(w.typ), semconv.FeatureNameKey.String(w.name)}
		wantInt(t, rm, w.uses, semconv.FeatureUses.Name,
			append(id, semconv.FeaturePatternKey.String(w.pattern), semconv.FeatureOutcomeKey.String(w.outcome))...)
		if h := wantHist(t, rm, semconv.FeatureUseDuration.Name, id...); int64(h.Count) != w.uses {
			t.Errorf("%s: %d durations, want %d", w.name, h.Count, w.uses)
		}
		for v, want := range w.variants {
			wantInt(t, rm, want, semconv.FeatureVariantUses.Name, append(id, semconv.FeatureVariantKey.String(v))...)
		}
		exported, _ := metrictest.Point(rm, semconv.FeatureUsers.Name, id...)
		fs, ok := findFeature(snap.Features, w.typ, w.name)
		if !ok {
			t.Errorf("snapshot lacks feature %s", w.name)
			continue
		}
		failures := int64(0)
		if w.outcome == semconv.FeatureOutcomeFailure {
			failures = w.uses
		}
		if fs.Uses != w.uses || fs.Failures != failures || fs.WindowUses != w.uses || fs.Patterns[w.pattern] != w.uses || len(fs.Patterns) != 1 {
			t.Errorf("snapshot of %s: %+v, want %d uses in pattern %s, %d failures", w.name, fs, w.uses, w.pattern, failures)
		}
		for v, want := range w.variants {
			if fs.Variants[v] != want {
				t.Errorf("snapshot of %s: variant %s used %d times, want %d", w.name, v, fs.Variants[v], want)
			}
		}
		if exported != int64(fs.UniqueUsers) || !within(fs.UniqueUsers, w.users, 0.02) {
			t.Errorf("%s: unique users %d in the snapshot, %v exported, want within 2%% of %d", w.name, fs.UniqueUsers, exported, w.users)
		}
	}
}

// wantInt fails t unless metric name has an int64 point with kv whose value
// is want.
func wantInt(t *testing.T, rm metricdata.ResourceMetrics, want int64, name string, kv ...attribute.KeyValue) {
	t.Helper()
	metrictest.Want(t, rm, want, name, kv...)
}

// wantHist returns the histogram point of metric name with kv, failing t
// without one.
func wantHist(t *testing.T, rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) metricdata.HistogramDataPoint[float64] {
	t.Helper()
	p, ok := metrictest.Point(rm, name, kv...)
	h, isHist := p.(metricdata.HistogramDataPoint[float64])
	if !ok || !isHist {
		t.Errorf("no histogram point of %s %v", name, kv)
	}
	return h
}

// within reports whether got is within frac of want.
func within(got, want uint64, frac float64) bool {
	d := float64(got) - float64(want)
	return d <= frac*float64(want) && -d <= frac*float64(want)
}

func findPool(s conn.Snapshot, typ, name string) (conn.Entry, bool) {
	for _, p := range s.Pools {
		if p.Type == typ && p.Name == name {
			return p, true
		}
	}
	return conn.Entry{}, false
}

func findQueue(s queue.Snapshot, name string) (queue.Entry, bool) {
	for _, q := range s.Queues {
		if q.Name == name {
			return q, true
		}
	}
	return queue.Entry{}, false
}

func findCache(s cache.Snapshot, typ, name string) (cache.Entry, bool) {
	for _, c := range s.Caches {
		if c.Type == typ && c.Name == name {
			return c, true
		}
	}
	return cache.Entry{}, false
}

func findFeature(s feature.Snapshot, typ, name string) (feature.Entry, bool) {
	for _, f := range s.Features {
		if f.Type == typ && f.Name == name {
			return f, true
		}
	}
	return feature.Entry{}, false
}
