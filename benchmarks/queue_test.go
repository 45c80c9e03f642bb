package benchmarks

import (
	"context"
	"strconv"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/instrument/queue"
)

// queueFixture is a queue monitor on a provider configured as vitals.Start
// configures its own when it builds every reader, with one queue.
type queueFixture struct {
	reader *sdkmetric.ManualReader
	m      *queue.Monitor
	q      *queue.Queue
}

func newQueueFixture(tb testing.TB) *queueFixture {
	tb.Helper()
	fast := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(fast))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
	)
	m, err := queue.New(queue.WithMeterProvider(mp), queue.WithProducer(fast), queue.WithMaxQueues(2000))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = m.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return &queueFixture{reader: reader, m: m, q: m.Queue(queue.TypeHTTP, "requests", 1000)}
}

// samples returns the number of depth samples the queue has in its window.
func (f *queueFixture) samples(tb testing.TB) uint64 {
	tb.Helper()
	return uint64(f.m.Snapshot().Queues[0].Samples)
}

// BenchmarkQueueSample compares a pushed depth sample with one raw OTel
// histogram record on kept options, what recording the depth histogram by
// hand costs.
func BenchmarkQueueSample(b *testing.B) {
	runRows(b, []row{
		{"otel-kept-set", func(b *testing.B) {
			h := newOTelHistogram(b)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				h.recordKeptSet(ctx, float64(i&1023))
				i++
			}
			checkCount(b, h.count(b))
		}},
		{"vitals-queue-sample", func(b *testing.B) {
			f := newQueueFixture(b)
			i := 0
			for b.Loop() {
				_ = f.q.Sample(i % 1000)
				i++
			}
			checkCount(b, f.samples(b))
		}},
	})
}

// BenchmarkQueueEnterLeave compares an item's enter and leave, which
// records its wait, with one raw OTel histogram record on kept options.
func BenchmarkQueueEnterLeave(b *testing.B) {
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
		{"vitals-queue-enter-leave", func(b *testing.B) {
			f := newQueueFixture(b)
			for b.Loop() {
				f.q.Enter().Leave()
			}
			b.StopTimer()
			checkCount(b, waitCount(b, f))
		}},
	})
}

// waitCount returns the number of waits the fixture's queue recorded.
func waitCount(tb testing.TB, f *queueFixture) uint64 {
	tb.Helper()
	m := collectMetric(tb, f.reader, "vitals.queue.wait.duration")
	return histogramCount(tb, m)
}

// BenchmarkQueueCollect measures one collection of a monitor with 1,000
// probed queues, each probe a channel's length and capacity.
func BenchmarkQueueCollect(b *testing.B) {
	runRows(b, []row{
		{"vitals-probes-1000", func(b *testing.B) {
			f := newQueueFixture(b)
			chans := make([]chan int, 1000)
			for i := range chans {
				chans[i] = make(chan int, 10)
				f.m.Observe(queue.TypeMLInference, "jobs-"+strconv.Itoa(i), queue.Chan(chans[i]))
			}
			for b.Loop() {
				collectMetric(b, f.reader, "vitals.queue.depth")
			}
			b.StopTimer()
			if n := len(f.m.Snapshot().Queues); n != 1001 {
				b.Fatalf("%d queues, want 1001", n)
			}
		}},
	})
}

// TestQueueHandleAllocations checks that Sample and Enter+Leave allocate
// nothing.
func TestQueueHandleAllocations(t *testing.T) {
	f := newQueueFixture(t)
	if n := testing.AllocsPerRun(1000, func() { _ = f.q.Sample(5) }); n != 0 {
		t.Errorf("Sample: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { f.q.Enter().Leave() }); n != 0 {
		t.Errorf("Enter+Leave: %v allocs, want 0", n)
	}
	if got := waitCount(t, f); got != 1001 {
		t.Fatalf("%d waits recorded, want 1001", got)
	}
}

// histogramCount returns the count of the single series of a histogram.
func histogramCount(tb testing.TB, m metricdata.Metrics) uint64 {
	tb.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok || len(h.DataPoints) != 1 {
		tb.Fatalf("%s: want one histogram series, got %+v", m.Name, m.Data)
	}
	return h.DataPoints[0].Count
}
