package benchmarks

import (
	"context"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/instrument/cache"
)

// cacheFixture is a cache monitor on a provider configured as vitals.Start
// configures its own when it builds every reader, with the cache series
// every row records into.
type cacheFixture struct {
	m *cache.Monitor
	c *cache.Cache
}

func newCacheFixture(tb testing.TB) *cacheFixture {
	tb.Helper()
	fast := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(fast))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
	)
	m, err := cache.New(cache.WithMeterProvider(mp), cache.WithProducer(fast))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = m.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return &cacheFixture{m: m, c: m.Cache(cacheType, cacheName)}
}

// lookups returns the hits and misses the cache counted.
func (f *cacheFixture) lookups(tb testing.TB) uint64 {
	tb.Helper()
	s := f.m.Snapshot().Caches[0]
	return uint64(s.Hits + s.Misses)
}

// cacheDuration is the duration of the lookup of iteration i.
func cacheDuration(i int) time.Duration { return time.Duration(latency(i) * 1e9) }

func vitalsCacheHit(parallel bool) row {
	return row{"vitals-cache-hit", func(b *testing.B) {
		f := newCacheFixture(b)
		b.ResetTimer()
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					f.c.Hit(cacheDuration(i))
					i++
				}
			})
		} else {
			i := 0
			for b.Loop() {
				f.c.Hit(cacheDuration(i))
				i++
			}
		}
		b.StopTimer()
		checkCount(b, f.lookups(b))
	}}
}

func vitalsCacheCountHit(parallel bool) row {
	return row{"vitals-cache-count-hit", func(b *testing.B) {
		f := newCacheFixture(b)
		b.ResetTimer()
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					f.c.CountHit()
				}
			})
		} else {
			for b.Loop() {
				f.c.CountHit()
			}
		}
		b.StopTimer()
		checkCount(b, f.lookups(b))
	}}
}

func init() {
	counterAddRows = append(counterAddRows, vitalsCacheCountHit(false))
	counterAddParallelRows = append(counterAddParallelRows, vitalsCacheCountHit(true))
	histogramRecordRows = append(histogramRecordRows, vitalsCacheHit(false))
	histogramRecordParallelRows = append(histogramRecordParallelRows, vitalsCacheHit(true))
}

// BenchmarkCacheHit compares Cache.Hit with what recording a timed hit by
// hand on the raw OTel SDK takes: a counter add and a histogram record, on
// kept options.
func BenchmarkCacheHit(b *testing.B) {
	runRows(b, []row{
		{"otel-kept-set", func(b *testing.B) {
			c := newOTelCounter(b)
			h := newOTelHistogram(b)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				c.addKeptSet(ctx)
				h.recordKeptSet(ctx, latency(i))
				i++
			}
			checkCount(b, h.count(b))
		}},
		vitalsCacheHit(false),
		{"vitals-cache-op", func(b *testing.B) {
			f := newCacheFixture(b)
			i := 0
			for b.Loop() {
				op := f.c.Start()
				if i&1 == 0 {
					op.Hit()
				}
				op.End()
				i++
			}
			checkCount(b, f.lookups(b))
		}},
	})
}

// lockedMap is the simplest real cache: a map behind a mutex.
type lockedMap struct {
	mu sync.Mutex
	m  map[int]int
}

func (l *lockedMap) Get(k int) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.m[k]
	return v, ok
}

func newLockedMap() *lockedMap {
	l := &lockedMap{m: make(map[int]int, 512)}
	for i := range 512 {
		l.m[i] = i
	}
	return l
}

// BenchmarkCacheAdapter compares a Get on a map behind a mutex, bare and
// wrapped by cache.Wrap, which times each Get and records a hit or a miss.
func BenchmarkCacheAdapter(b *testing.B) {
	runRows(b, []row{
		{"map-get", func(b *testing.B) {
			l := newLockedMap()
			hits := 0
			i := 0
			for b.Loop() {
				if _, ok := l.Get(i & 1023); ok {
					hits++
				}
				i++
			}
			if hits == 0 {
				b.Fatal("no hits")
			}
		}},
		{"vitals-wrap-get", func(b *testing.B) {
			f := newCacheFixture(b)
			w := cache.Wrap[int, int](newLockedMap(), f.c)
			i := 0
			for b.Loop() {
				w.Get(i & 1023)
				i++
			}
			checkCount(b, f.lookups(b))
		}},
	})
}

// TestCacheHandleAllocations checks that the cache's recording calls
// allocate nothing.
func TestCacheHandleAllocations(t *testing.T) {
	f := newCacheFixture(t)
	w := cache.Wrap[int, int](newLockedMap(), f.c)
	for name, fn := range map[string]func(){
		"Hit":      func() { f.c.Hit(time.Millisecond) },
		"CountHit": f.c.CountHit,
		"Op":       func() { op := f.c.Start(); op.Hit(); op.End() },
		"Wrap.Get": func() { w.Get(7) },
	} {
		if n := testing.AllocsPerRun(1000, fn); n != 0 {
			t.Errorf("%s: %v allocs, want 0", name, n)
		}
	}
	if got := f.lookups(t); got != 4*1001 {
		t.Fatalf("%d lookups counted, want %d", got, 4*1001)
	}
}
