package goredis_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/integrations/goredis"
	"github.com/otelvitals/vitals/semconv"
)

// fleetInstance is one process of a fleet: its analytics, its FleetUsers on
// the shared Redis, and a reader of its fleet gauge.
type fleetInstance struct {
	a      *feature.Analytics
	fu     *goredis.FleetUsers
	f      *feature.Feature
	reader *sdkmetric.ManualReader
}

// newFleetInstance makes an instance with the fleet's key on Redis at addr.
// The background rounds are an hour apart: the test sends and reads with
// Flush.
func newFleetInstance(t *testing.T, addr string, key []byte) *fleetInstance {
	t.Helper()
	ctx := context.Background()
	a, err := feature.New(feature.WithMeterProvider(noop.NewMeterProvider()), feature.WithUserHashKey(key))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	fu, err := goredis.NewFleetUsers(rdb, a, goredis.WithFleetMeterProvider(mp),
		goredis.WithFleetFlushInterval(time.Hour), goredis.WithFleetRefreshInterval(time.Hour), goredis.WithFleetTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = fu.Shutdown(ctx)
		_ = errors.Join(a.Shutdown(ctx), rdb.Close(), mp.Shutdown(ctx))
	})
	return &fleetInstance{a: a, fu: fu, f: a.Feature(feature.TypeAPIEndpoint, "/checkout"), reader: reader}
}

// record records one use by each of the users user-from to user-to-1.
func (in *fleetInstance) record(from, to int) {
	for n := from; n < to; n++ {
		in.f.Record(context.Background(), fmt.Sprintf("user-%d", n), feature.PatternDirectCall, time.Millisecond, true)
	}
}

// localUsers is the instance's own estimate, vitals.feature.users.
func (in *fleetInstance) localUsers() int64 { return int64(in.a.Snapshot().Features[0].UniqueUsers) }

// gauge returns the fleet gauge the instance exports for its feature, and
// whether it exports one.
func (in *fleetInstance) gauge(t *testing.T) (int64, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := in.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != semconv.FeatureFleetUsers.Name {
				continue
			}
			for _, p := range m.Data.(metricdata.Gauge[int64]).DataPoints {
				if v, _ := p.Attributes.Value(semconv.FeatureNameKey); v.AsString() == "/checkout" {
					return p.Value, true
				}
			}
		}
	}
	return 0, false
}

// within reports whether got is within 2% of want.
func within(got, want int64) bool { return math.Abs(float64(got-want)) <= 0.02*float64(want) }

// TestFleetUsersAcrossInstances runs three instances on one real Redis,
// with overlapping users of a known union: each instance's fleet gauge
// comes within 2% of the union, where the sum of their own estimates
// counts the overlap twice. Then Redis stops: recording goes on, the fleet
// gauge is absent, the error is reported once; and when Redis is back
// (empty, as it runs without persistence), the users buffered meanwhile
// reach it, and the fleet count never reads below the instance's own.
func TestFleetUsersAcrossInstances(t *testing.T) {
	srv := startRedisServer(t)
	var mu sync.Mutex
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, err)
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	key := []byte("one user hash key for the fleet.")
	ctx := context.Background()
	fleet := []*fleetInstance{newFleetInstance(t, srv.addr, key), newFleetInstance(t, srv.addr, key), newFleetInstance(t, srv.addr, key)}
	// Users 0-19999, 10000-29999 and 20000-39999: 40000 in all, of whom
	// 20000 were seen by two instances.
	const union = 40000
	for i, in := range fleet {
		in.record(i*10000, i*10000+20000)
	}
	for _, in := range fleet { // send everything, then read
		if err := in.fu.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var sum int64
	for i, in := range fleet {
		if err := in.fu.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		got, ok := in.fu.Users(in.f)
		g, exported := in.gauge(t)
		if !ok || !exported || g != got || !within(got, union) {
			t.Errorf("instance %d: fleet users %d (known %v), gauge %d (exported %v); want within 2%% of %d", i, got, ok, g, exported, union)
		}
		t.Logf("instance %d: fleet %d (%+.2f%%), local %d", i, got, 100*float64(got-union)/union, in.localUsers())
		sum += in.localUsers()
	}
	if !within(sum, 3*20000) {
		t.Errorf("the local estimates sum to %d, want about 60000: the overlap counted twice", sum)
	}

	// Redis goes away.
	srv.stop()
	in := fleet[0]
	before := in.localUsers()
	in.record(100000, 105000)
	if got := in.localUsers() - before; !within(got, 5000) {
		t.Errorf("while Redis is down, %d new local users, want about 5000", got)
	}
	for range 2 {
		if err := in.fu.Flush(ctx); err == nil {
			t.Error("Flush with Redis down returned no error")
		}
	}
	if _, ok := in.gauge(t); ok {
		t.Error("the fleet gauge is still exported with Redis down")
	}
	mu.Lock()
	n := 0
	for _, err := range handled {
		if strings.Contains(err.Error(), "fleet users") {
			n++
		}
	}
	mu.Unlock()
	if n != 1 {
		t.Errorf("%d fleet errors went to otel.Handle, want 1: %v", n, handled)
	}

	// Redis is back, empty: the buffered users reach it.
	srv.start()
	var err error
	for range 3 { // the client's first commands may still meet the old connections
		if err = in.fu.Flush(ctx); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Flush after Redis returned: %v", err)
	}
	// Redis holds the 5000 users buffered while it was away; the fleet
	// count, which it alone would put far below what this instance saw,
	// reads the instance's own estimate instead.
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr})
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, goredis.DefaultFleetKeyPrefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rdb.PFCount(ctx, keys...).Result(); err != nil || !within(n, 5000) {
		t.Errorf("Redis counts %d users (%v) in %d keys, want within 2%% of the 5000 buffered", n, err, len(keys))
	}
	got, ok := in.fu.Users(in.f)
	if g, exported := in.gauge(t); !ok || !exported || g != got || got != in.localUsers() {
		t.Errorf("after Redis returned: fleet users %d (known %v), gauge %d (exported %v); want the instance's own %d", got, ok, g, exported, in.localUsers())
	}
	if d := in.fu.Dropped(); d != 0 {
		t.Errorf("%d users dropped, want 0", d)
	}
}

// TestFleetUsersNeedsSharedKey checks that analytics without a hash key
// are refused, since their per-process hashes cannot be counted together,
// and that nil arguments are refused.
func TestFleetUsersNeedsSharedKey(t *testing.T) {
	ctx := context.Background()
	a, _ := feature.New(feature.WithMeterProvider(noop.NewMeterProvider()))
	defer a.Shutdown(ctx)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	if fu, err := goredis.NewFleetUsers(rdb, a); fu != nil || !errors.Is(err, feature.ErrNoHashKey) {
		t.Errorf("without a key: %v, %v; want ErrNoHashKey", fu, err)
	}
	if _, err := goredis.NewFleetUsers(nil, a); !errors.Is(err, goredis.ErrNilClient) {
		t.Errorf("nil client: %v", err)
	}
	if _, err := goredis.NewFleetUsers(rdb, nil); !errors.Is(err, goredis.ErrNilAnalytics) {
		t.Errorf("nil analytics: %v", err)
	}
}

// TestFleetUsersBoundedBuffer checks that the buffer holds at most
// WithFleetMaxPending users while Redis cannot take them, drops and counts
// the rest, and reports the overflow once.
func TestFleetUsersBoundedBuffer(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, err)
	}))
	defer otel.SetErrorHandler(prev)
	a, _ := feature.New(feature.WithMeterProvider(noop.NewMeterProvider()), feature.WithUserHashKey([]byte("0123456789abcdef")))
	defer a.Shutdown(ctx)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}) // nothing listens there
	defer rdb.Close()
	fu, err := goredis.NewFleetUsers(rdb, a, goredis.WithFleetMaxPending(100),
		goredis.WithFleetFlushInterval(time.Hour), goredis.WithFleetRefreshInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f := a.Feature(feature.TypeAPIEndpoint, "/x")
	for n := range 250 {
		f.Record(ctx, fmt.Sprintf("u%d", n), "", 0, true)
	}
	if err := fu.Flush(ctx); err == nil {
		t.Error("Flush to a closed port returned no error")
	}
	if d := fu.Dropped(); d != 150 {
		t.Errorf("dropped %d, want 150", d)
	}
	if got := a.Snapshot().Features[0].UniqueUsers; got != 250 {
		t.Errorf("local users %d, want 250: the fleet's buffer must not limit them", got)
	}
	mu.Lock()
	defer mu.Unlock()
	full := 0
	for _, err := range handled {
		if strings.Contains(err.Error(), "WithFleetMaxPending") {
			full++
		}
	}
	if full != 1 {
		t.Errorf("the full buffer was reported %d times, want once: %v", full, handled)
	}
	_ = fu.Shutdown(ctx)
}

// BenchmarkRecordWithFleet measures Feature.Record with a shared key, alone
// and with a FleetUsers taking the users' hashes (4096 users in turn,
// buffered between flushes: the buffer's lookup, and its insert the first
// time a user comes in a flush interval).
func BenchmarkRecordWithFleet(b *testing.B) {
	users := make([]string, 4096)
	for i := range users {
		users[i] = fmt.Sprintf("user-%d", i)
	}
	ctx := context.Background()
	for _, fleet := range []bool{false, true} {
		b.Run(map[bool]string{false: "keyed", true: "keyed-fleet"}[fleet], func(b *testing.B) {
			a, _ := feature.New(feature.WithMeterProvider(noop.NewMeterProvider()), feature.WithUserHashKey([]byte("0123456789abcdef")))
			defer a.Shutdown(ctx)
			if fleet {
				rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
				defer rdb.Close()
				fu, err := goredis.NewFleetUsers(rdb, a, goredis.WithFleetFlushInterval(time.Hour), goredis.WithFleetRefreshInterval(time.Hour))
				if err != nil {
					b.Fatal(err)
				}
				defer fu.Shutdown(ctx)
			}
			f := a.Feature(feature.TypeAPIEndpoint, "/x")
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				f.Record(ctx, users[i&4095], "", time.Millisecond, true)
				i++
			}
		})
	}
}
