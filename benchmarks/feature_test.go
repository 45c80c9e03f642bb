package benchmarks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"hash/maphash"
	"math"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/siphash"
	"github.com/otelvitals/vitals/semconv"
)

// featureFixture is feature analytics on a provider configured as
// vitals.Start configures its own when it builds every reader.
type featureFixture struct {
	a      *feature.Analytics
	f      *feature.Feature
	reader *sdkmetric.ManualReader
}

func newFeatureFixture(tb testing.TB, opts ...feature.Option) *featureFixture {
	tb.Helper()
	fast := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(fast))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
	)
	a, err := feature.New(append([]feature.Option{feature.WithMeterProvider(mp), feature.WithProducer(fast)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = a.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return &featureFixture{a: a, f: a.Feature(feature.TypeAPIEndpoint, "/search"), reader: reader}
}

func (f *featureFixture) uses(tb testing.TB) uint64 {
	tb.Helper()
	return uint64(f.a.Snapshot().Features[0].Uses)
}

// users is a table of distinct user identifiers, so that no row builds
// strings in its loop.
var users = func() []string {
	u := make([]string, 1<<16)
	for i := range u {
		u[i] = "user-" + strconv.Itoa(i)
	}
	return u
}()

// BenchmarkFeatureRecord compares Feature.Record, with a user and a
// duration (hashing and the unique-user sketch included), with one raw OTel
// histogram record and with the same work by hand on the raw SDK (a counter
// add and a histogram record; no distinct users at all).
func BenchmarkFeatureRecord(b *testing.B) {
	ctx := context.Background()
	record := func(fresh bool, opts ...feature.Option) func(b *testing.B) {
		return func(b *testing.B) {
			f := newFeatureFixture(b, opts...)
			i := 0
			for b.Loop() {
				u := users[0]
				if fresh {
					u = users[i&(len(users)-1)]
				}
				f.f.Record(ctx, u, feature.PatternDirectCall, time.Duration(latency(i)*1e9), true)
				i++
			}
			checkCount(b, f.uses(b))
		}
	}
	runRows(b, []row{
		{"otel-kept-set", func(b *testing.B) {
			h := newOTelHistogram(b)
			i := 0
			for b.Loop() {
				h.recordKeptSet(ctx, latency(i))
				i++
			}
			checkCount(b, h.count(b))
		}},
		{"otel-by-hand", func(b *testing.B) {
			c := newOTelCounter(b)
			h := newOTelHistogram(b)
			i := 0
			for b.Loop() {
				c.addKeptSet(ctx)
				h.recordKeptSet(ctx, latency(i))
				i++
			}
			checkCount(b, h.count(b))
		}},
		{"vitals-record-fresh-user", record(true)},
		{"vitals-record-same-user", record(false)},
		{"vitals-record-fresh-user-keyed", record(true, feature.WithUserHashKey([]byte("0123456789abcdef-key")))},
		{"vitals-record-1-user", recordUsers(1)},
		{"vitals-record-1k-users", recordUsers(1_000)},
		{"vitals-record-100k-users", recordUsers(100_000)},
		{"vitals-start-end", func(b *testing.B) {
			f := newFeatureFixture(b)
			i := 0
			for b.Loop() {
				op := f.f.Start(ctx, users[i&(len(users)-1)], feature.PatternDirectCall)
				op.End(nil)
				i++
			}
			checkCount(b, f.uses(b))
		}},
	})
}

// manyUsers is a table of 100,000 distinct user identifiers, for the rows
// that hold the unique-user sketch at a given size.
var manyUsers = func() []string {
	u := make([]string, 100_000)
	for i := range u {
		u[i] = "user-" + strconv.Itoa(i)
	}
	return u
}()

// recordUsers returns the row of Feature.Record with n distinct users: it
// records each of them once before the timed loop, so that the sketch is
// at that size (exact and sparse for 1, dense for 1,000 and 100,000), then
// records uses by the same n users in turn, and checks the unique users
// afterwards.
func recordUsers(n int) func(b *testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		f := newFeatureFixture(b)
		for _, u := range manyUsers[:n] {
			f.f.Record(ctx, u, feature.PatternDirectCall, time.Millisecond, true)
		}
		i, j := 0, 0
		for b.Loop() {
			f.f.Record(ctx, manyUsers[j], feature.PatternDirectCall, time.Duration(latency(i)*1e9), true)
			i++
			if j++; j == n {
				j = 0
			}
		}
		checkCount(b, f.uses(b)-uint64(n))
		checkUsers(b, f.a, 1, n)
	}
}

// checkUsers fails tb unless every feature of a reports n unique users in
// its snapshot (each of features): exactly for n ≤ 100, within 3%, 3.7
// standard errors of the sketch, above.
func checkUsers(tb testing.TB, a *feature.Analytics, features, n int) {
	tb.Helper()
	s := a.Snapshot()
	if len(s.Features) != features {
		tb.Fatalf("%d features, want %d", len(s.Features), features)
	}
	for _, f := range s.Features {
		if got, want := float64(f.UniqueUsers), float64(n); n <= 100 && got != want || math.Abs(got-want) > 0.03*want {
			tb.Fatalf("%s: %d unique users, want %d", f.Name, f.UniqueUsers, n)
		}
	}
}

// collectFeatures is the number of features of BenchmarkFeatureCollect.
const collectFeatures = 1_000

// BenchmarkFeatureCollect is one ManualReader.Collect of analytics with
// 1,000 features used by 1 and by 20,000 distinct users each (the same
// users in every feature), beside one Collect of 1,000 series of a raw OTel
// observable gauge, observed by one callback on kept options: the floor of
// what any collection of 1,000 series costs. A vitals feature reports more
// than one series (usage, users, success ratio, duration), so the ratio
// to otel-kept-set is the price per feature, and the two vitals rows
// should cost the same: the unique users are read in O(1).
func BenchmarkFeatureCollect(b *testing.B) {
	collect := func(users int) func(b *testing.B) {
		return func(b *testing.B) {
			ctx := context.Background()
			fx := newFeatureFixture(b)
			features := []*feature.Feature{fx.f}
			for i := 1; i < collectFeatures; i++ {
				features = append(features, fx.a.Feature(feature.TypeAPIEndpoint, "/endpoint-"+strconv.Itoa(i)))
			}
			for _, f := range features {
				for _, u := range manyUsers[:users] {
					f.Record(ctx, u, feature.PatternDirectCall, time.Millisecond, true)
				}
			}
			var rm metricdata.ResourceMetrics
			for b.Loop() {
				if err := fx.reader.Collect(ctx, &rm); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if got := countPoints(rm, semconv.FeatureUsers.Name); got != collectFeatures {
				b.Fatalf("%d %s points, want %d", got, semconv.FeatureUsers.Name, collectFeatures)
			}
			checkUsers(b, fx.a, collectFeatures, users)
		}
	}
	runRows(b, []row{
		{"otel-kept-set", func(b *testing.B) {
			ctx := context.Background()
			meter, reader := newOTelMeter(b)
			gauge, err := meter.Int64ObservableGauge(semconv.FeatureUsers.Name)
			if err != nil {
				b.Fatal(err)
			}
			opts := make([][]metric.ObserveOption, collectFeatures)
			for i := range opts {
				opts[i] = []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(
					semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint),
					semconv.FeatureNameKey.String("/endpoint-"+strconv.Itoa(i))))}
			}
			if _, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				for i := range opts {
					o.ObserveInt64(gauge, 1, opts[i]...)
				}
				return nil
			}, gauge); err != nil {
				b.Fatal(err)
			}
			var rm metricdata.ResourceMetrics
			for b.Loop() {
				if err := reader.Collect(ctx, &rm); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if got := countPoints(rm, semconv.FeatureUsers.Name); got != collectFeatures {
				b.Fatalf("%d points, want %d", got, collectFeatures)
			}
		}},
		{"vitals-1k-features-1-user", collect(1)},
		{"vitals-1k-features-20k-users", collect(20_000)},
	})
}

// countPoints returns the number of data points of the metric name in rm.
func countPoints(rm metricdata.ResourceMetrics, name string) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			if g, ok := m.Data.(metricdata.Gauge[int64]); ok {
				n += len(g.DataPoints)
			}
		}
	}
	return n
}

// BenchmarkFeatureRecordParallel is Feature.Record with fresh users from
// every goroutine at once.
func BenchmarkFeatureRecordParallel(b *testing.B) {
	runRows(b, []row{
		{"otel-kept-set", func(b *testing.B) {
			h := newOTelHistogram(b)
			ctx := context.Background()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					h.recordKeptSet(ctx, latency(i))
					i++
				}
			})
			b.StopTimer()
			checkCount(b, h.count(b))
		}},
		{"vitals-record-fresh-user", func(b *testing.B) {
			f := newFeatureFixture(b)
			ctx := context.Background()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					f.f.Record(ctx, users[i&(len(users)-1)], feature.PatternDirectCall, time.Millisecond, true)
					i++
				}
			})
			b.StopTimer()
			checkCount(b, f.uses(b))
		}},
	})
}

var hashSink uint64

// BenchmarkUserHash measures the user hashing alone: the default
// maphash, SipHash-2-4 under a configured key (what the analytics use), and
// HMAC-SHA256 under the key, what they used before, for comparison.
func BenchmarkUserHash(b *testing.B) {
	runRows(b, []row{
		{"maphash", func(b *testing.B) {
			seed := maphash.MakeSeed()
			i := 0
			for b.Loop() {
				hashSink += maphash.String(seed, users[i&(len(users)-1)])
				i++
			}
		}},
		{"siphash", func(b *testing.B) {
			k := siphash.NewKey([16]byte([]byte("0123456789abcdef")))
			i := 0
			for b.Loop() {
				hashSink += k.String(users[i&(len(users)-1)])
				i++
			}
		}},
		{"hmac-sha256", func(b *testing.B) {
			// As the analytics do: one MAC under the key, reset per user.
			mac := hmac.New(sha256.New, []byte("0123456789abcdef-key"))
			sum := make([]byte, 0, sha256.Size)
			buf := make([]byte, 0, 64)
			i := 0
			for b.Loop() {
				mac.Reset()
				buf = append(buf[:0], users[i&(len(users)-1)]...)
				mac.Write(buf)
				hashSink += uint64(mac.Sum(sum[:0])[0])
				i++
			}
		}},
	})
}

// TestFeatureRecordAllocations checks that Record allocates nothing once
// its sketch is dense.
func TestFeatureRecordAllocations(t *testing.T) {
	f := newFeatureFixture(t)
	ctx := context.Background()
	for _, u := range users { // past the sparse representation
		f.f.Record(ctx, u, feature.PatternDirectCall, time.Millisecond, true)
	}
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		f.f.Record(ctx, users[i&(len(users)-1)], feature.PatternDirectCall, time.Millisecond, true)
		i++
	}); n != 0 {
		t.Errorf("Record: %v allocs, want 0", n)
	}
	if got := f.uses(t); got != uint64(len(users))+1001 {
		t.Fatalf("%d uses, want %d", got, len(users)+1001)
	}
}
