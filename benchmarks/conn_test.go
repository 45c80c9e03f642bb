package benchmarks

import (
	"context"
	"strconv"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/instrument/conn"
)

// connFixture is a connection tracker on a MeterProvider configured as
// vitals.Start configures its own when it builds every reader: exemplars
// off, and the fast histogram path's producer on the reader. One pool.
type connFixture struct {
	reader *sdkmetric.ManualReader
	tr     *conn.Tracker
	pool   *conn.Pool
}

func newConnFixture(tb testing.TB) *connFixture {
	tb.Helper()
	fast := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(fast))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
	)
	tr, err := conn.New(conn.WithMeterProvider(mp), conn.WithProducer(fast))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = tr.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return &connFixture{reader: reader, tr: tr, pool: tr.Pool("database", "primary")}
}

// pool0 returns the snapshot of the fixture's pool.
func (f *connFixture) pool0(tb testing.TB) conn.Entry {
	tb.Helper()
	s := f.tr.Snapshot()
	if len(s.Pools) != 1 {
		tb.Fatalf("%d pools, want 1", len(s.Pools))
	}
	return s.Pools[0]
}

// vitalsConnUse is the vitals-conn-use row of the counter groups: Conn.Use,
// one reuse counted on a handle.
func vitalsConnUse(parallel bool) row {
	return row{"vitals-conn-use", func(b *testing.B) {
		f := newConnFixture(b)
		c := f.pool.Open()
		b.ResetTimer()
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.Use()
				}
			})
		} else {
			for b.Loop() {
				c.Use()
			}
		}
		b.StopTimer()
		checkCount(b, uint64(f.pool0(b).Reused))
	}}
}

func init() {
	counterAddRows = append(counterAddRows, vitalsConnUse(false))
	counterAddParallelRows = append(counterAddParallelRows, vitalsConnUse(true))
}

// BenchmarkConnOpenClose compares a connection's whole tracked life, Open
// then Close (which records its lifetime in a histogram), with one raw OTel
// histogram Record on a kept option slice, the cost of recording that
// lifetime by hand.
func BenchmarkConnOpenClose(b *testing.B) {
	runRows(b, []row{
		{"otel-kept-set", func(b *testing.B) {
			h := newOTelHistogram(b)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				h.recordKeptSet(ctx, latency(i))
				i++
			}
			checkCount(b, h.count(b))
		}},
		{"vitals-open-close", func(b *testing.B) {
			f := newConnFixture(b)
			for b.Loop() {
				f.pool.Open().Close()
			}
			checkCount(b, uint64(f.pool0(b).Destroyed))
		}},
	})
}

// BenchmarkConnLife compares one connection life (open, use, close) through
// the handle API with the same through the keyed API, and with what
// recording it by hand on the raw OTel SDK takes: three counter adds
// (created, reused, destroyed) and a lifetime record, on kept options.
func BenchmarkConnLife(b *testing.B) {
	runRows(b, []row{
		{"otel-kept-set", func(b *testing.B) {
			c := newOTelCounter(b)
			h := newOTelHistogram(b)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				c.addKeptSet(ctx)
				c.addKeptSet(ctx)
				c.addKeptSet(ctx)
				h.recordKeptSet(ctx, latency(i))
				i++
			}
			checkCount(b, h.count(b))
		}},
		{"vitals-handle", func(b *testing.B) {
			f := newConnFixture(b)
			for b.Loop() {
				c := f.pool.Open()
				c.Use()
				c.Close()
			}
			checkCount(b, uint64(f.pool0(b).Destroyed))
		}},
		{"vitals-keyed", func(b *testing.B) {
			f := newConnFixture(b)
			ids := make([]string, 1024)
			for i := range ids {
				ids[i] = "conn_" + strconv.Itoa(i)
			}
			i := 0
			for b.Loop() {
				id := ids[i&1023]
				i++
				if f.tr.Created(id, "database", "primary") != nil || f.tr.Used(id) != nil || f.tr.Destroyed(id) != nil {
					b.Fatal("keyed API failed")
				}
			}
			checkCount(b, uint64(f.pool0(b).Destroyed))
		}},
	})
}

// BenchmarkConnCollect measures one collection of a tracker with 1,000 and
// with 1,000,000 open connections: its cost must not grow with them.
func BenchmarkConnCollect(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run("impl=vitals-open-"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			f := newConnFixture(b)
			for range n {
				f.pool.Open()
			}
			b.ResetTimer()
			for b.Loop() {
				collectMetric(b, f.reader, "vitals.connection.count")
			}
			b.StopTimer()
			if got := f.pool0(b).Open; got != int64(n) {
				b.Fatalf("%d open, want %d", got, n)
			}
		})
	}
}

// TestConnHandleAllocations checks the allocation budget of the handle
// API: none for a use, one (the handle) for a whole open and close.
func TestConnHandleAllocations(t *testing.T) {
	f := newConnFixture(t)
	c := f.pool.Open()
	if n := testing.AllocsPerRun(1000, c.Use); n != 0 {
		t.Errorf("Conn.Use: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { f.pool.Open().Close() }); n > 1 {
		t.Errorf("Open+Close: %v allocs, want at most 1", n)
	}
	s := f.pool0(t)
	if s.Reused != 1001 || s.Destroyed != 1001 || s.Open != 1 {
		t.Fatalf("the measured calls did not all count: %+v", s)
	}
}
