package goredis_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/integrations/goredis"
	"github.com/otelvitals/vitals/semconv"
)

// officialPoints returns the value of each official metric
// RegisterPoolStats added beside count and max, -1 for one not reported.
func officialPoints(t *testing.T, rm metricdata.ResourceMetrics) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	for _, name := range []string{
		semconv.DBClientConnectionPendingRequests.Name,
		semconv.DBClientConnectionTimeouts.Name,
		semconv.DBClientConnectionIdleMin.Name,
		semconv.DBClientConnectionIdleMax.Name,
	} {
		got[name] = -1
		m, ok := find(rm, name)
		if !ok {
			continue
		}
		dps := m.Data.(metricdata.Sum[int64]).DataPoints
		if len(dps) != 1 {
			t.Fatalf("%s: %d points, want 1", name, len(dps))
		}
		if pool, _ := dps[0].Attributes.Value(semconv.DBClientConnectionPoolNameKey); pool.AsString() != "p" || dps[0].Attributes.Len() != 1 {
			t.Errorf("%s: attributes %v, want only the pool name p", name, dps[0].Attributes.ToSlice())
		}
		got[name] = dps[0].Value
	}
	return got
}

// TestRegisterPoolStatsOfficial reads the pending requests, the timeouts
// and the idle bounds of fake clients exactly.
func TestRegisterPoolStatsOfficial(t *testing.T) {
	type want struct{ pending, timeouts, idleMin, idleMax int64 }
	stats := &redis.PoolStats{PendingRequests: 3, Timeouts: 5, TotalConns: 4}
	withOpts := func(opt *redis.Options) fakeWithOptions {
		return fakeWithOptions{fakeStats{stats: stats, opt: opt}}
	}
	tests := []struct {
		name   string
		client interface{ PoolStats() *redis.PoolStats }
		opts   []goredis.Option
		want   want
	}{
		{"no options: no idle bounds", fakeStats{stats: stats}, nil, want{3, 5, -1, -1}},
		{"nil stats", fakeStats{}, nil, want{0, 0, -1, -1}},
		{"defaults: minimum 0, no maximum", withOpts(&redis.Options{PoolSize: 10}), nil, want{3, 5, 0, -1}},
		{"both bounds", withOpts(&redis.Options{PoolSize: 10, MinIdleConns: 2, MaxIdleConns: 6}), nil, want{3, 5, 2, 6}},
		{"bounds above the pool size", withOpts(&redis.Options{PoolSize: 4, MinIdleConns: 8, MaxIdleConns: 9}), nil, want{3, 5, 4, 4}},
		{"bounds above WithPoolSize", withOpts(&redis.Options{PoolSize: 10, MinIdleConns: 5, MaxIdleConns: 8}),
			[]goredis.Option{goredis.WithPoolSize(3)}, want{3, 5, 3, 3}},
		{"negative bounds keep nothing idle", withOpts(&redis.Options{PoolSize: 10, MinIdleConns: -1, MaxIdleConns: -1}), nil, want{3, 5, 0, 0}},
		{"nil options", withOpts(nil), nil, want{3, 5, -1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			reg, err := goredis.RegisterPoolStats(tt.client, "p", append(tt.opts, goredis.WithMeterProvider(mp))...)
			if err != nil {
				t.Fatal(err)
			}
			defer reg.Unregister()
			p := officialPoints(t, collect(t, reader))
			got := want{
				p[semconv.DBClientConnectionPendingRequests.Name],
				p[semconv.DBClientConnectionTimeouts.Name],
				p[semconv.DBClientConnectionIdleMin.Name],
				p[semconv.DBClientConnectionIdleMax.Name],
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// stepClock returns the clock of a fixed step: each reading is step after
// the one before.
func stepClock(step time.Duration) func() time.Time {
	var n atomic.Int64
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * step) }
}

// TestRecordCreateTime opens three connections, one after another, through
// a client dialing a real Redis server, with a clock that moves 250 ms at
// each reading: db.client.connection.create_time must hold exactly three
// dials of 250 ms. A client whose dials fail records nothing.
func TestRecordCreateTime(t *testing.T) {
	addr := startRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 3})
	defer rdb.Close()
	if err := goredis.RecordCreateTime(rdb, "p", goredis.WithMeterProvider(mp), goredis.WithClock(stepClock(250*time.Millisecond))); err != nil {
		t.Fatal(err)
	}
	var conns []*redis.Conn
	for range 3 {
		c := rdb.Conn() // holds its connection, so the next one dials
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// A refused dial is no connection: nothing is recorded for it.
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer down.Close()
	if err := goredis.RecordCreateTime(down, "down", goredis.WithMeterProvider(mp)); err != nil {
		t.Fatal(err)
	}
	if err := down.Ping(ctx).Err(); err == nil {
		t.Fatal("ping of a closed port succeeded")
	}

	m, ok := find(collect(t, reader), semconv.DBClientConnectionCreateTime.Name)
	if !ok {
		t.Fatal("no create time recorded")
	}
	bounds := semconv.LatencyBuckets()
	counts := make([]uint64, len(bounds)+1)
	counts[slices.Index(bounds, 0.25)] = 3 // 0.25 s is in the bucket (0.1, 0.25]
	want := metricdata.Metrics{
		Name:        semconv.DBClientConnectionCreateTime.Name,
		Description: semconv.DBClientConnectionCreateTime.Description,
		Unit:        "s",
		Data: metricdata.Histogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints: []metricdata.HistogramDataPoint[float64]{{
				Attributes:   *poolSet("p"),
				Count:        3,
				Sum:          0.75,
				Bounds:       bounds,
				BucketCounts: counts,
				Min:          metricdata.NewExtrema(0.25),
				Max:          metricdata.NewExtrema(0.25),
			}},
		},
	}
	metricdatatest.AssertEqual(t, want, m, metricdatatest.IgnoreTimestamp())
}

// TestRecordCreateTimeNil checks that a nil client is a no-op.
func TestRecordCreateTimeNil(t *testing.T) {
	var c *redis.Client
	if err := goredis.RecordCreateTime(c, "p"); err != nil {
		t.Fatal(err)
	}
	if err := goredis.RecordCreateTime(nil, "p"); err != nil {
		t.Fatal(err)
	}
}

// TestPoolTimeoutsThroughCollector runs against a real Redis server a
// client with a pool of 2 connections, at least 1 and at most 2 idle,
// whose callers wait at most 300 ms for a connection and are not retried.
// With both connections held, three callers wait at once, then give up:
// through a MeterProvider built by vitals.Start exporting OTLP/gRPC to a
// real OpenTelemetry Collector, the collector must read 3 pending requests
// while they wait, then 0 pending and exactly 3 timeouts, the idle bounds
// 1 and 2, the maximum 2, and one create time for each connection the
// client dialed after the hook was added.
func TestPoolTimeoutsThroughCollector(t *testing.T) {
	addr := startRedis(t)
	col := startCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "cumulative")
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint(col.endpoint),
		exporters.WithExportInterval(time.Hour), // only the flushes below export
	))
	if err != nil {
		t.Fatal(err)
	}
	var dials countingDialer
	rdb := redis.NewClient(&redis.Options{
		Addr: addr, PoolSize: 2, MinIdleConns: 1, MaxIdleConns: 2,
		PoolTimeout: time.Second, MaxRetries: -1, Dialer: dials.dial,
	})
	defer rdb.Close()
	// go-redis dials the one idle connection of MinIdleConns as the client
	// is made, before a hook can be added: wait for it, so that every
	// later dial is timed.
	deadline := time.Now().Add(10 * time.Second)
	for dials.n.Load() != 1 || rdb.PoolStats().IdleConns != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d dials, %d idle, want the 1 of MinIdleConns", dials.n.Load(), rdb.PoolStats().IdleConns)
		}
		time.Sleep(time.Millisecond)
	}
	mp := goredis.WithMeterProvider(sys.MeterProvider())
	if err := goredis.RecordCreateTime(rdb, "cache", mp); err != nil {
		t.Fatal(err)
	}
	reg, err := goredis.RegisterPoolStats(rdb, "cache", mp)
	if err != nil {
		t.Fatal(err)
	}

	held := []*redis.Conn{rdb.Conn(), rdb.Conn()}
	for _, c := range held {
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() { errs <- rdb.Get(ctx, "k").Err() })
	}
	deadline = time.Now().Add(10 * time.Second)
	for rdb.PoolStats().PendingRequests != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("pending requests %d, want 3", rdb.PoolStats().PendingRequests)
		}
		time.Sleep(time.Millisecond)
	}
	// Export while the three wait: the collector reads them pending,
	// unless one already gave up (the collection would have to take 1 s).
	if err := sys.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, redis.ErrPoolTimeout) {
			t.Errorf("a waiting caller got %v, want %v", err, redis.ErrPoolTimeout)
		}
	}
	for _, c := range held {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	stats := *rdb.PoolStats()
	if err := sys.Shutdown(ctx); err != nil { // the final export
		t.Fatal(err)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	t.Logf("PoolStats: %+v; %d dials", stats, dials.n.Load())
	if stats.Timeouts != 3 {
		t.Fatalf("go-redis counted %d timeouts, want 3", stats.Timeouts)
	}

	var pending []int64        // every pending_requests point, in order
	last := map[string]int64{} // the last point of each gauge and sum
	var createCount uint64     // the last create time count
	for _, req := range col.requests(t) {
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				if sm.GetScope().GetName() != goredis.ScopeName {
					continue
				}
				for _, mt := range sm.GetMetrics() {
					if mt.GetName() == semconv.DBClientConnectionCreateTime.Name {
						for _, dp := range mt.GetHistogram().GetDataPoints() {
							otlpPool(t, mt.GetName(), dp.GetAttributes())
							createCount = dp.GetCount()
						}
						continue
					}
					sum := mt.GetSum()
					if sum == nil {
						continue
					}
					for _, dp := range sum.GetDataPoints() {
						if mt.GetName() == semconv.DBClientConnectionCount.Name {
							continue
						}
						otlpPool(t, mt.GetName(), dp.GetAttributes())
						last[mt.GetName()] = dp.GetAsInt()
						if mt.GetName() == semconv.DBClientConnectionPendingRequests.Name {
							pending = append(pending, dp.GetAsInt())
						}
					}
					if mt.GetName() == semconv.DBClientConnectionTimeouts.Name &&
						(!sum.GetIsMonotonic() || sum.GetAggregationTemporality() != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE) {
						t.Errorf("%s is not a cumulative monotonic sum", mt.GetName())
					}
				}
			}
		}
	}
	t.Logf("collector: pending requests %v, last %v, create time count %d", pending, last, createCount)
	if !slices.Equal(pending, []int64{3, 0}) {
		t.Errorf("%s points %v, want [3 0]", semconv.DBClientConnectionPendingRequests.Name, pending)
	}
	want := map[string]int64{
		semconv.DBClientConnectionPendingRequests.Name: 0,
		semconv.DBClientConnectionTimeouts.Name:        3,
		semconv.DBClientConnectionIdleMin.Name:         1,
		semconv.DBClientConnectionIdleMax.Name:         2,
		semconv.DBClientConnectionMax.Name:             2,
	}
	for name, v := range want {
		if got, ok := last[name]; !ok || got != v {
			t.Errorf("%s = %d (reported %v), want %d", name, got, ok, v)
		}
	}
	if n := dials.n.Load(); createCount != uint64(n-1) || createCount < 1 {
		t.Errorf("%s count %d, want one for each of the %d dials after the first (at least 1)",
			semconv.DBClientConnectionCreateTime.Name, createCount, n)
	}
}

// poolSet returns the attribute set of pool name.
func poolSet(name string) *attribute.Set {
	s := attribute.NewSet(semconv.DBClientConnectionPoolNameKey.String(name))
	return &s
}

// otlpPool fails t unless an OTLP point of metric carries only the pool
// name "cache".
func otlpPool(t *testing.T, metric string, kvs []*commonpb.KeyValue) {
	t.Helper()
	if len(kvs) != 1 || kvs[0].GetKey() != string(semconv.DBClientConnectionPoolNameKey) || kvs[0].GetValue().GetStringValue() != "cache" {
		t.Errorf("%s: a point with attributes %v, want only the pool name cache", metric, kvs)
	}
}
