package queue

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	clock  *clock.Fake
	reader *metrictest.Reader
	m      *Monitor
}

// newFixture makes a monitor on a fake clock; with fast, under a provider
// that carries the fast histogram path, as vitals.Start's does.
func newFixture(t *testing.T, fast bool, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{clock: clock.NewFake(t0), reader: metrictest.NewReader(t, fast)}
	x, err := New(append([]Option{WithMeterProvider(f.reader.Provider), WithProducer(f.reader.Producer), WithClock(f.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })
	f.m = x
	return f
}

func (f *fixture) collect() metricdata.ResourceMetrics { return f.reader.Collect() }

var find = metrictest.Point

func want[T comparable](t *testing.T, rm metricdata.ResourceMetrics, w T, name string, kv ...attribute.KeyValue) {
	t.Helper()
	metrictest.Want(t, rm, w, name, kv...)
}

var (
	httpType = semconv.QueueTypeKey.String("http")
	reqName  = semconv.QueueNameKey.String("requests")
)

// TestPushedSamples feeds a queue of capacity 100 a scripted series of
// depths, oscillating around the 0.8 threshold, and reads every metric back
// exactly, on both histogram paths.
func TestPushedSamples(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(map[bool]string{false: "sdk", true: "fast"}[fast], func(t *testing.T) {
			f := newFixture(t, fast, WithWindow(30*time.Second))
			q := f.m.Queue(TypeHTTP, "requests", 100)
			// One sample a second. Overflow (>= 80) begins at 3s, ends at
			// 5s, begins at 6s, ends at 7s, begins at 9s and lasts.
			depths := []int{0, 10, 50, 80, 95, 79, 80, 30, 0, 100}
			for i, d := range depths {
				if i > 0 {
					f.clock.Advance(time.Second)
				}
				if err := q.Sample(d); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Advance(500 * time.Millisecond) // now 9.5s
			rm := f.collect()
			want(t, rm, int64(100), semconv.QueueDepth.Name, httpType, reqName)
			want(t, rm, int64(100), semconv.QueueCapacity.Name, httpType, reqName)
			want(t, rm, 1.0, semconv.QueueUtilization.Name, httpType, reqName)
			want(t, rm, int64(100), semconv.QueueMaxDepth.Name, httpType, reqName)
			want(t, rm, int64(3), semconv.QueueOverflows.Name, httpType, reqName)
			// 2s + 1s + 0.5s so far.
			want(t, rm, 3.5, semconv.QueueOverflowTime.Name, httpType, reqName)

			got, _ := find(rm, semconv.QueueSampledDepth.Name, httpType, reqName)
			h := got.(metricdata.HistogramDataPoint[float64])
			// Buckets 0,1,5,10,25,50,100,250,...: 0,0 | 10 | 50 | 80,95,79,80,30?
			wantCounts := make([]uint64, len(semconv.DepthBuckets())+1)
			for _, d := range depths {
				i, _ := slices.BinarySearch(semconv.DepthBuckets(), float64(d))
				wantCounts[i]++
			}
			if h.Count != 10 || h.Sum != 524 || !slices.Equal(h.BucketCounts, wantCounts) {
				t.Fatalf("depth histogram %+v, want 10 samples summing to 524 in %v", h, wantCounts)
			}

			s := f.m.Snapshot().Queues[0]
			if s.Samples != 10 || s.MinDepth != 0 || s.MaxDepth != 100 || s.MeanDepth != 52.4 || !s.Overflowing {
				t.Fatalf("snapshot %+v", s)
			}
		})
	}
}

// TestOverflowIndependentOfSampling checks that an Enter/Leave queue counts
// each crossing of the threshold once, however often it is sampled.
func TestOverflowIndependentOfSampling(t *testing.T) {
	f := newFixture(t, true)
	q := f.m.Queue(TypeHTTP, "requests", 10)
	var tickets []Ticket
	for cycle := range 5 {
		for range 8 { // depth 8 = 0.8: overflow
			tickets = append(tickets, q.Enter())
		}
		f.clock.Advance(time.Second)
		tickets[len(tickets)-1].Leave() // depth 7: out
		tickets = tickets[:len(tickets)-1]
		f.clock.Advance(time.Second)
		if cycle%2 == 0 {
			f.m.sampleAll() // sampling in some cycles changes nothing
		}
		for _, tk := range tickets {
			tk.Leave()
		}
		tickets = tickets[:0]
	}
	rm := f.collect()
	want(t, rm, int64(5), semconv.QueueOverflows.Name, httpType, reqName)
	want(t, rm, 5.0, semconv.QueueOverflowTime.Name, httpType, reqName)
	want(t, rm, int64(0), semconv.QueueDepth.Name, httpType, reqName)
	got, _ := find(rm, semconv.QueueWaitDuration.Name, httpType, reqName)
	h := got.(metricdata.HistogramDataPoint[float64])
	// Per cycle: one item waited 1s, seven waited 2s.
	if h.Count != 40 || h.Sum != 5*(1+7*2) {
		t.Fatalf("wait histogram count %d sum %v, want 40 and 75", h.Count, h.Sum)
	}
}

// TestCancelRejectAndCapacity checks the calls of an admission path: a
// cancelled ticket lowers the depth without a wait, Reject counts, a new
// capacity changes the utilization and the overflow, and a lower
// threshold makes the same depth an overflow.
func TestCancelRejectAndCapacity(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(map[bool]string{false: "sdk", true: "fast"}[fast], func(t *testing.T) {
			f := newFixture(t, fast, WithOverflowThreshold(0.5))
			q := f.m.Queue(TypeHTTP, "requests", 10)
			var held []Ticket
			for range 4 {
				held = append(held, q.Enter())
			}
			turned := q.Enter() // depth 5 = 0.5: an overflow at this threshold
			turned.Cancel()     // depth 4: over
			q.Reject()
			q.Reject()
			f.clock.Advance(time.Second)
			held[0].Leave() // waited 1 s

			rm := f.collect()
			want(t, rm, int64(3), semconv.QueueDepth.Name, httpType, reqName)
			want(t, rm, int64(2), semconv.QueueRejections.Name, httpType, reqName)
			want(t, rm, int64(1), semconv.QueueOverflows.Name, httpType, reqName)
			want(t, rm, 0.3, semconv.QueueUtilization.Name, httpType, reqName)
			got, _ := find(rm, semconv.QueueWaitDuration.Name, httpType, reqName)
			if h, ok := got.(metricdata.HistogramDataPoint[float64]); !ok || h.Count != 1 || h.Sum != 1 {
				t.Errorf("waits %+v, want the one Leave of 1 s (a Cancel has no wait)", got)
			}

			// Capacity 4 makes depth 3 an overflow (0.75); the next change
			// of depth notices.
			q.SetCapacity(4)
			held[1].Leave() // depth 2 = 0.5
			rm = f.collect()
			want(t, rm, int64(4), semconv.QueueCapacity.Name, httpType, reqName)
			want(t, rm, 0.5, semconv.QueueUtilization.Name, httpType, reqName)
			want(t, rm, int64(2), semconv.QueueOverflows.Name, httpType, reqName)
			if s := f.m.Snapshot().Queues[0]; s.Rejected != 2 || s.Depth != 2 || !s.Overflowing {
				t.Errorf("snapshot %+v, want 2 rejected, depth 2, overflowing", s)
			}
			held[2].Cancel()
			held[3].Cancel()
			Ticket{q: q}.Cancel() // one Cancel too many: counted, depth stays 0
			rm = f.collect()
			want(t, rm, int64(0), semconv.QueueDepth.Name, httpType, reqName)
			want(t, rm, int64(1), semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonLeaveWithoutEnter))
		})
	}
}

// TestWindowAndTrend moves a queue through a window and checks min, mean,
// max, the share in overflow and the trend.
func TestWindowAndTrend(t *testing.T) {
	f := newFixture(t, true, WithWindow(30*time.Second)) // buckets of 1s
	q := f.m.Queue(TypeDatabase, "waiters", 100)
	for i := range 30 { // one sample a second, rising 0, 3, 6, ... 87
		_ = q.Sample(3 * i)
		f.clock.Advance(time.Second)
	}
	f.clock.Advance(-time.Second + 500*time.Millisecond) // just after the last sample
	s := f.m.Snapshot().Queues[0]
	if s.Samples != 30 || s.MinDepth != 0 || s.MaxDepth != 87 || s.MeanDepth != 43.5 {
		t.Fatalf("window %+v", s)
	}
	if s.Trend != instrument.TrendGrowing {
		t.Errorf("trend %s, want growing", s.Trend)
	}
	// 27*3 = 81 >= 80 at 27s: in overflow from 27s to now (29.5s).
	if s.OverflowSeconds != 2.5 || math.Abs(s.WindowOverflowShare-2.5/30) > 1e-12 {
		t.Errorf("overflow %vs, share %v", s.OverflowSeconds, s.WindowOverflowShare)
	}

	// Falling: the old samples roll out of the window.
	for i := range 30 {
		f.clock.Advance(time.Second)
		_ = q.Sample(90 - 3*i)
	}
	s = f.m.Snapshot().Queues[0]
	if s.Trend != instrument.TrendDeclining || s.MaxDepth != 90 || s.MinDepth != 3 || s.Samples != 30 {
		t.Errorf("after falling: %+v", s)
	}
	// Flat.
	for range 30 {
		f.clock.Advance(time.Second)
		_ = q.Sample(40)
	}
	if s := f.m.Snapshot().Queues[0]; s.Trend != instrument.TrendStable || s.MinDepth != 40 || s.MaxDepth != 40 {
		t.Errorf("when flat: %+v", s)
	}
}

// TestChannelProbe samples a channel that fills and drains with the
// background sampler running, and sees its utilization cross the threshold
// and come back.
func TestChannelProbe(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	m, err := New(WithMeterProvider(mp), WithSampleInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan int, 10)
	q := m.Observe(TypeMLInference, "jobs", Chan(ch))
	if err := m.StartSampler(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())

	waitFor := func(what string, cond func(Entry) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond(m.Snapshot().Queues[0]) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %+v", what, m.Snapshot().Queues[0])
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i := range 9 { // the producer fills it
		ch <- i
	}
	waitFor("overflow", func(s Entry) bool { return s.Overflowing && s.Utilization == 0.9 })
	for range 9 { // the consumer drains it
		<-ch
	}
	waitFor("the end of the overflow", func(s Entry) bool { return !s.Overflowing && s.Depth == 0 })
	s := m.Snapshot().Queues[0]
	if s.Overflows != 1 || s.Capacity != 10 || s.MaxDepth != 9 || s.OverflowSeconds <= 0 {
		t.Fatalf("%+v", s)
	}
	_ = q
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, true)
	q := f.m.Queue(TypeHTTP, "requests", -5)
	if err := q.Sample(-1); !errors.Is(err, ErrNegativeDepth) {
		t.Errorf("Sample(-1): %v", err)
	}
	q.SetCapacity(10)
	_ = q.Sample(12) // kept, counted
	Ticket{}.Leave() // no-op
	q2 := f.m.Queue(TypeHTTP, "owned", 10)
	q2.Enter().Leave()
	Ticket{q: q2}.Leave() // one Leave too many
	rm := f.collect()
	rej := func(reason string) attribute.KeyValue { return semconv.ErrorTypeKey.String(reason) }
	want(t, rm, int64(1), semconv.InputRejections.Name, rej(reasonNegativeDepth))
	want(t, rm, int64(1), semconv.InputRejections.Name, rej(reasonNegativeCapacity))
	want(t, rm, int64(1), semconv.InputRejections.Name, rej(reasonDepthAboveCapacity))
	want(t, rm, int64(1), semconv.InputRejections.Name, rej(reasonLeaveWithoutEnter))
	want(t, rm, 1.2, semconv.QueueUtilization.Name, httpType, reqName)
	want(t, rm, int64(0), semconv.QueueDepth.Name, httpType, semconv.QueueNameKey.String("owned"))
}

func TestQueueLimit(t *testing.T) {
	var warnings []error
	restore := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { warnings = append(warnings, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(restore) })
	f := newFixture(t, true, WithMaxQueues(1))
	a := f.m.Queue(TypeHTTP, "a", 10)
	b := f.m.Queue(TypeHTTP, "b", 10)
	c := f.m.Queue(TypeRedis, "c", 10)
	if a == b || b != c || !b.overflow {
		t.Fatal("queues past the limit must share the overflow queue")
	}
	_ = b.Sample(3)
	want(t, f.collect(), int64(3), semconv.QueueDepth.Name, semconv.Overflow)
	if len(warnings) != 1 || !errors.Is(warnings[0], ErrQueueLimit) {
		t.Fatalf("warnings %v, want one ErrQueueLimit", warnings)
	}
}

// TestShutdownUnregisters checks that after Shutdown nothing is reported.
func TestShutdownUnregisters(t *testing.T) {
	f := newFixture(t, true)
	q := f.m.Queue(TypeHTTP, "requests", 10)
	_ = q.Sample(1)
	q.Enter().Leave()
	if _, ok := find(f.collect(), semconv.QueueDepth.Name); !ok {
		t.Fatal("nothing reported before Shutdown")
	}
	if err := f.m.StartSampler(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	rm := f.collect()
	for _, name := range []string{semconv.QueueDepth.Name, semconv.QueueSampledDepth.Name, semconv.QueueWaitDuration.Name} {
		if _, ok := find(rm, name); ok {
			t.Errorf("%s still reported after Shutdown", name)
		}
	}
	if err := f.m.StartSampler(context.Background()); err == nil {
		t.Error("Start after Shutdown succeeded")
	}
}

// TestConcurrentSafe runs Enter/Leave, samples and collections at once.
func TestConcurrentSafe(t *testing.T) {
	f := newFixture(t, true)
	q := f.m.Queue(TypeHTTP, "requests", 1000)
	const workers, ops = 8, 20000
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range ops {
				q.Enter().Leave()
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			f.m.sampleAll()
			f.collect()
		}
	}()
	wg.Wait()
	<-done
	rm := f.collect()
	got, _ := find(rm, semconv.QueueWaitDuration.Name, httpType, reqName)
	if h := got.(metricdata.HistogramDataPoint[float64]); h.Count != workers*ops {
		t.Fatalf("%d waits, want %d", h.Count, workers*ops)
	}
	want(t, rm, int64(0), semconv.QueueDepth.Name, httpType, reqName)
}
