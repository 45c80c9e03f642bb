package benchmarks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"hash/maphash"
	"strconv"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/fasthist"
)

// featureFixture is feature analytics on a provider configured as
// vitals.Start configures its own when it builds every reader.
type featureFixture struct {
	a *feature.Analytics
	f *feature.Feature
}

func newFeatureFixture(tb testing.TB, opts ...feature.Option) *featureFixture {
	tb.Helper()
	fast := fasthist.NewRegistry()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(fast))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
	)
	a, err := feature.New(append([]feature.Option{feature.WithMeterProvider(fasthist.NewProvider(mp, fast))}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = a.Close()
		_ = mp.Shutdown(context.Background())
	})
	return &featureFixture{a: a, f: a.Feature(feature.TypeAPIEndpoint, "/search")}
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
		{"vitals-record-fresh-user-hmac", record(true, feature.WithUserHashKey([]byte("0123456789abcdef-key")))},
		{"vitals-start-done", func(b *testing.B) {
			f := newFeatureFixture(b)
			i := 0
			for b.Loop() {
				f.f.Start(ctx, users[i&(len(users)-1)], feature.PatternDirectCall)(nil)
				i++
			}
			checkCount(b, f.uses(b))
		}},
	})
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

// BenchmarkUserHash measures the user hashing alone: the default keyed
// maphash, and HMAC-SHA256 under a configured key.
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
