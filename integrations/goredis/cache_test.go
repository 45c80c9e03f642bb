package goredis_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/integrations/goredis"
	"github.com/otelvitals/vitals/semconv"
)

// The workload of the hit-and-miss tests: setKeys of keys keys hold a
// value, and lookups cycle over all of them.
const (
	keys     = 100
	setKeys  = 50
	lookups  = 1000
	wantHits = lookups * setKeys / keys
	wantMiss = lookups - wantHits
)

// monitored is a cache monitor whose metrics are read through a
// ManualReader, with one cache.
type monitored struct {
	m      *cache.Monitor
	c      *cache.Cache
	reader *sdkmetric.ManualReader
}

func newMonitored(t *testing.T) *monitored {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	m, err := cache.New(cache.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return &monitored{m: m, c: m.Cache(cache.TypeApplication, "users"), reader: reader}
}

// snapshot returns the snapshot of the monitor's only cache.
func (k *monitored) snapshot(t *testing.T) cache.Entry {
	t.Helper()
	caches := k.m.Snapshot().Caches
	if len(caches) != 1 {
		t.Fatalf("monitor has %d caches, want 1", len(caches))
	}
	return caches[0]
}

// lookupCounts are the counts of a cache's metrics, by result.
type lookupCounts struct {
	hits, misses     int64  // vitals.cache.operations
	timedH, timedM   uint64 // vitals.cache.operation.duration counts
	hitRatio         float64
	hasRatio, hasEff bool
}

// counts collects the reader and reads the cache metrics of cache users.
func (k *monitored) counts(t *testing.T) lookupCounts {
	t.Helper()
	rm := collect(t, k.reader)
	var got lookupCounts
	if m, ok := find(rm, semconv.CacheOperations.Name); ok {
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			switch result(t, dp.Attributes) {
			case semconv.CacheResultHit:
				got.hits = dp.Value
			case semconv.CacheResultMiss:
				got.misses = dp.Value
			}
		}
	}
	if m, ok := find(rm, semconv.CacheOperationDuration.Name); ok {
		for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
			switch result(t, dp.Attributes) {
			case semconv.CacheResultHit:
				got.timedH = dp.Count
			case semconv.CacheResultMiss:
				got.timedM = dp.Count
			}
		}
	}
	if m, ok := find(rm, semconv.CacheHitRatio.Name); ok {
		got.hitRatio, got.hasRatio = m.Data.(metricdata.Gauge[float64]).DataPoints[0].Value, true
	}
	_, got.hasEff = find(rm, semconv.CacheEfficiency.Name)
	return got
}

// result returns the vitals.cache.result of a point of cache users, and
// fails t for any other cache.
func result(t *testing.T, attrs attribute.Set) string {
	t.Helper()
	typ, _ := attrs.Value(semconv.CacheTypeKey)
	name, _ := attrs.Value(semconv.CacheNameKey)
	if typ.AsString() != cache.TypeApplication || name.AsString() != "users" {
		t.Errorf("a point of cache %s/%s", typ.AsString(), name.AsString())
	}
	r, _ := attrs.Value(semconv.CacheResultKey)
	return r.AsString()
}

// newClient returns a client of the server at addr, closed when t ends.
func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// fill sets setKeys of the keys k:0 to k:keys-1 (the even ones), and
// returns the value of k:i, "" for a key not set.
func fill(t *testing.T, ctx context.Context, rdb *redis.Client) func(i int) string {
	t.Helper()
	value := func(i int) string {
		if i%(keys/setKeys) != 0 {
			return ""
		}
		return fmt.Sprintf("value-%d", i)
	}
	for i := range keys {
		if v := value(i); v != "" {
			if err := rdb.Set(ctx, fmt.Sprintf("k:%d", i), v, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return value
}

// getAll runs the workload: lookups GETs cycling over the keys, checking
// each answer; it returns the hits and misses it saw.
func getAll(t *testing.T, ctx context.Context, rdb redis.Cmdable, c *cache.Cache, value func(int) string) (hits, misses int) {
	t.Helper()
	for i := range lookups {
		n := i % keys
		got, err := goredis.Get(ctx, rdb, c, fmt.Sprintf("k:%d", n))
		switch want := value(n); {
		case want == "" && err == redis.Nil: // unchanged, not wrapped
			misses++
		case want != "" && err == nil && got == want:
			hits++
		default:
			t.Fatalf("Get k:%d = %q, %v; want %q", n, got, err, want)
		}
	}
	return hits, misses
}

// TestGet looks 100 keys, 50 of them set, up 1,000 times against a real
// Redis server: exactly 500 hits and 500 misses, each timed, in the
// monitor's snapshot and in the metrics. Errors other than redis.Nil (a
// WRONGTYPE reply, a closed client, a cancelled context) are returned and
// counted as neither.
func TestGet(t *testing.T) {
	addr := startRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb := newClient(t, addr)
	k := newMonitored(t)
	value := fill(t, ctx, rdb)

	hits, misses := getAll(t, ctx, rdb, k.c, value)
	s := k.snapshot(t)
	got := k.counts(t)
	t.Logf("answers: %d values, %d redis.Nil; snapshot: %d hits, %d misses, window hit ratio %.3f, efficiency %.3f, mean hit %.1f µs, mean miss %.1f µs",
		hits, misses, s.Hits, s.Misses, s.WindowHitRatio, s.Efficiency, s.MeanHitSeconds*1e6, s.MeanMissSeconds*1e6)
	t.Logf("metrics: operations hit %d, miss %d; duration counts hit %d, miss %d; hit ratio %.3f",
		got.hits, got.misses, got.timedH, got.timedM, got.hitRatio)
	if hits != wantHits || misses != wantMiss {
		t.Fatalf("Get answered %d values and %d redis.Nil, want %d and %d", hits, misses, wantHits, wantMiss)
	}
	if s.Hits != wantHits || s.Misses != wantMiss || s.WindowLookups != lookups || s.WindowHitRatio != 0.5 {
		t.Errorf("snapshot: %d hits, %d misses, %d lookups in the window, window hit ratio %v; want %d, %d, %d, 0.5",
			s.Hits, s.Misses, s.WindowLookups, s.WindowHitRatio, wantHits, wantMiss, lookups)
	}
	if s.MeanHitSeconds <= 0 || s.MeanMissSeconds <= 0 {
		t.Errorf("lookups not timed: mean hit %v s, mean miss %v s", s.MeanHitSeconds, s.MeanMissSeconds)
	}
	want := lookupCounts{hits: wantHits, misses: wantMiss, timedH: wantHits, timedM: wantMiss,
		hitRatio: 0.5, hasRatio: true, hasEff: true}
	if got != want {
		t.Errorf("metrics %+v, want %+v", got, want)
	}

	// Errors that are not redis.Nil: returned, neither a hit nor a miss.
	if err := rdb.RPush(ctx, "list", "a").Err(); err != nil {
		t.Fatal(err)
	}
	v, err := goredis.Get(ctx, rdb, k.c, "list")
	t.Logf("GET on a list: %q, %v", v, err)
	if err == nil || errors.Is(err, redis.Nil) || !strings.HasPrefix(err.Error(), "WRONGTYPE") {
		t.Errorf("GET on a list returned %q, %v; want a WRONGTYPE error", v, err)
	}
	cancelled, stop := context.WithCancel(ctx)
	stop()
	if _, err := goredis.Get(cancelled, rdb, k.c, "k:0"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context returned %v", err)
	}
	closed := redis.NewClient(&redis.Options{Addr: addr})
	_ = closed.Close()
	if _, err := goredis.Get(ctx, closed, k.c, "k:0"); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Get on a closed client returned %v", err)
	}
	if s := k.snapshot(t); s.Hits != wantHits || s.Misses != wantMiss {
		t.Errorf("after three errors, snapshot: %d hits, %d misses; want %d, %d", s.Hits, s.Misses, wantHits, wantMiss)
	}
	if got := k.counts(t); got != want {
		t.Errorf("after three errors, metrics %+v, want %+v", got, want)
	}
}

// TestLookup records the commands Lookup fits, and those that fail, each in
// a fresh monitor.
func TestLookup(t *testing.T) {
	addr := startRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb := newClient(t, addr)
	for _, err := range []error{
		rdb.Set(ctx, "s", "v", 0).Err(),
		rdb.HSet(ctx, "h", "f", "v").Err(),
		rdb.RPush(ctx, "l", "a").Err(),
		rdb.ZAdd(ctx, "z", redis.Z{Score: 1.5, Member: "m"}).Err(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	type want struct{ hits, misses int64 }
	tests := []struct {
		name string
		fn   func(c *cache.Cache) error // returns the error Lookup's command gave
		want want
		// wantErr: the error is neither nil nor redis.Nil.
		wantErr bool
	}{
		{"GET hit", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.StringCmd { return rdb.Get(ctx, "s") }).Err()
		}, want{1, 0}, false},
		{"HGET hit, read as bytes", func(c *cache.Cache) error {
			b, err := goredis.Lookup(c, func() *redis.StringCmd { return rdb.HGet(ctx, "h", "f") }).Bytes()
			if err == nil && string(b) != "v" {
				return fmt.Errorf("HGET read %q", b)
			}
			return err
		}, want{1, 0}, false},
		{"HGET miss", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.StringCmd { return rdb.HGet(ctx, "h", "nope") }).Err()
		}, want{0, 1}, false},
		{"GETEX miss", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.StringCmd { return rdb.GetEx(ctx, "nope", time.Minute) }).Err()
		}, want{0, 1}, false},
		{"LINDEX miss", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.StringCmd { return rdb.LIndex(ctx, "l", 5) }).Err()
		}, want{0, 1}, false},
		{"ZSCORE hit", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.FloatCmd { return rdb.ZScore(ctx, "z", "m") }).Err()
		}, want{1, 0}, false},
		{"ZSCORE miss", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.FloatCmd { return rdb.ZScore(ctx, "z", "nope") }).Err()
		}, want{0, 1}, false},
		{"Do GET miss", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.Cmd { return rdb.Do(ctx, "GET", "nope") }).Err()
		}, want{0, 1}, false},
		{"HGET on a string: neither", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.StringCmd { return rdb.HGet(ctx, "s", "f") }).Err()
		}, want{0, 0}, true},
		{"unknown command: neither", func(c *cache.Cache) error {
			return goredis.Lookup(c, func() *redis.Cmd { return rdb.Do(ctx, "NOSUCHCOMMAND") }).Err()
		}, want{0, 0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newMonitored(t)
			err := tt.fn(k.c)
			if tt.wantErr != (err != nil && !errors.Is(err, redis.Nil)) {
				t.Fatalf("error %v, want an error other than redis.Nil: %v", err, tt.wantErr)
			}
			s := k.snapshot(t)
			if got := (want{s.Hits, s.Misses}); got != tt.want {
				t.Errorf("snapshot %+v, want %+v", got, tt.want)
			}
			got := k.counts(t)
			if got.hits != tt.want.hits || got.misses != tt.want.misses ||
				got.timedH != uint64(tt.want.hits) || got.timedM != uint64(tt.want.misses) {
				t.Errorf("metrics %+v, want %+v, each timed", got, tt.want)
			}
		})
	}
}

// TestLookupNilCache checks that a nil cache runs the command and records
// nothing.
func TestLookupNilCache(t *testing.T) {
	cmd := redis.NewStringResult("v", nil)
	calls := 0
	got := goredis.Lookup(nil, func() *redis.StringCmd { calls++; return cmd })
	if got != cmd || calls != 1 {
		t.Errorf("Lookup(nil, cmd) returned %p after %d calls, want %p after 1", got, calls, cmd)
	}
}

// TestLookupAllocs checks that Lookup allocates nothing of its own: not
// around a command made in advance, and not around GET against a real
// server, where it allocates what go-redis does.
func TestLookupAllocs(t *testing.T) {
	k := newMonitored(t)
	hit, miss := redis.NewStringResult("v", nil), redis.NewStringResult("", redis.Nil)
	failed := redis.NewStringResult("", errors.New("WRONGTYPE"))
	for _, cmd := range []*redis.StringCmd{hit, miss, failed} {
		if n := testing.AllocsPerRun(1000, func() {
			_ = goredis.Lookup(k.c, func() *redis.StringCmd { return cmd })
		}); n != 0 {
			t.Errorf("Lookup of %v: %v allocations, want 0", cmd, n)
		}
	}
	if s := k.snapshot(t); s.Hits != 1001 || s.Misses != 1001 {
		t.Errorf("snapshot: %d hits, %d misses; want 1001 each", s.Hits, s.Misses)
	}

	addr := startRedis(t)
	ctx := context.Background()
	rdb := newClient(t, addr)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"k", "nope"} {
		raw := testing.AllocsPerRun(1000, func() { _, _ = rdb.Get(ctx, key).Result() })
		got := testing.AllocsPerRun(1000, func() { _, _ = goredis.Get(ctx, rdb, k.c, key) })
		t.Logf("GET %s: go-redis %v allocations, goredis.Get %v", key, raw, got)
		if got > raw {
			t.Errorf("GET %s: goredis.Get allocates %v times, go-redis alone %v", key, got, raw)
		}
	}
}

// TestGetThroughCollector is TestGet's workload, 1,000 lookups over 100
// keys of which 50 are set, recorded through a MeterProvider built by
// vitals.Start that exports OTLP/gRPC to a real OpenTelemetry Collector,
// and read back from what the collector wrote: the last points must count
// exactly 500 hits and 500 misses, each timed.
func TestGetThroughCollector(t *testing.T) {
	addr := startRedis(t)
	col := startCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rdb := newClient(t, addr)
	value := fill(t, ctx, rdb)

	// Cumulative, as by default, so that the last points count everything.
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "cumulative")
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint(col.endpoint),
	))
	if err != nil {
		t.Fatal(err)
	}
	m, err := cache.New(cache.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	users := m.Cache(cache.TypeApplication, "users")
	hits, misses := getAll(t, ctx, rdb, users, value)
	t.Logf("answers: %d values, %d redis.Nil", hits, misses)

	// Shutdown exports the final values; the monitor is closed after it,
	// so that they are still reported then.
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	reqs := col.requests(t)
	last := map[string]*metricpb.Metric{} // the last metric of each name
	ops := map[string]int64{}             // the last point of each result
	durations := map[string]uint64{}      // the last histogram count of each result
	for _, req := range reqs {
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				if sm.GetScope().GetName() != cache.ScopeName {
					continue
				}
				for _, mt := range sm.GetMetrics() {
					last[mt.GetName()] = mt
					switch mt.GetName() {
					case semconv.CacheOperations.Name:
						for _, dp := range mt.GetSum().GetDataPoints() {
							ops[otlpResult(t, dp.GetAttributes())] = dp.GetAsInt()
						}
					case semconv.CacheOperationDuration.Name:
						for _, dp := range mt.GetHistogram().GetDataPoints() {
							durations[otlpResult(t, dp.GetAttributes())] = dp.GetCount()
						}
					}
				}
			}
		}
	}
	t.Logf("the collector received %d requests; last vitals.cache.operations %v, last duration counts %v", len(reqs), ops, durations)
	wantOps := map[string]int64{semconv.CacheResultHit: wantHits, semconv.CacheResultMiss: wantMiss}
	wantCounts := map[string]uint64{semconv.CacheResultHit: wantHits, semconv.CacheResultMiss: wantMiss}
	if !maps.Equal(ops, wantOps) {
		t.Errorf("%s: %v, want %v", semconv.CacheOperations.Name, ops, wantOps)
	}
	if !maps.Equal(durations, wantCounts) {
		t.Errorf("%s counts: %v, want %v", semconv.CacheOperationDuration.Name, durations, wantCounts)
	}
	if sum := last[semconv.CacheOperations.Name].GetSum(); !sum.GetIsMonotonic() ||
		sum.GetAggregationTemporality() != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE {
		t.Errorf("%s is not a cumulative monotonic sum: %v", semconv.CacheOperations.Name, sum)
	}
	for _, name := range []string{semconv.CacheHitRatio.Name, semconv.CacheEfficiency.Name} {
		pts := last[name].GetGauge().GetDataPoints()
		if len(pts) != 1 {
			t.Errorf("%s: %d points, want 1", name, len(pts))
			continue
		}
		t.Logf("%s = %v", name, pts[0].GetAsDouble())
		if name == semconv.CacheHitRatio.Name && pts[0].GetAsDouble() != 0.5 {
			t.Errorf("%s = %v, want 0.5", name, pts[0].GetAsDouble())
		}
	}
}

// otlpResult returns the vitals.cache.result of an OTLP point of cache
// users, and fails t for any other cache.
func otlpResult(t *testing.T, kvs []*commonpb.KeyValue) string {
	t.Helper()
	attrs := map[string]string{}
	for _, kv := range kvs {
		attrs[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	if attrs[string(semconv.CacheTypeKey)] != cache.TypeApplication || attrs[string(semconv.CacheNameKey)] != "users" {
		t.Errorf("a point of cache %v", attrs)
	}
	return attrs[string(semconv.CacheResultKey)]
}
