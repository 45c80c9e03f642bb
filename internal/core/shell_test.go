package core

import (
	"context"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/fasthist"
	"github.com/otelvitals/vitals/semconv"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var defs = []semconv.Metric{
	{Name: "n", Unit: "{n}", Kind: semconv.KindInt64ObservableCounter},
	{Name: "d", Unit: "s", Kind: semconv.KindFloat64Histogram, Buckets: []float64{1}},
}

// tracker is the smallest tracker on a Shell: one counter, one histogram.
type tracker struct {
	shell Shell[int64]
	n     int64
	reads int
	attrs *Attrs
	hist  *Hist
}

func (x *tracker) emit(n *int64, s Sink) {
	s.Int64(0, x.attrs, *n)
	var slab Slab
	EmitHists(s, 1, x.hist.ReadInto(nil, &slab))
}

func newTracker(t *testing.T, fake *clock.Fake, hub *Hub, mp *sdkmetric.MeterProvider) *tracker {
	t.Helper()
	x := &tracker{attrs: NewAttrs()}
	err := x.shell.Init(Setup{Provider: mp, Hub: hub, Now: fake.Now, Scope: t.Name(), Metrics: defs}, func(int64) *int64 {
		x.reads++
		n := x.n
		return &n
	}, x.emit)
	if err != nil {
		t.Fatal(err)
	}
	x.hist = x.shell.Hist(1, x.attrs)
	return x
}

func (x *tracker) add() {
	if x.shell.Live() {
		x.n++
		x.shell.Touch()
	}
}

// TestReadIsShared checks when a read is reused: while nothing is recorded
// and it is younger than the staleness; a record, or the staleness passing,
// makes the next read fresh.
func TestReadIsShared(t *testing.T) {
	fake := clock.NewFake(t0)
	x := newTracker(t, fake, NewHub(), sdkmetric.NewMeterProvider())
	x.add()
	if v := *x.shell.Read(); v != 1 || x.reads != 1 {
		t.Fatalf("first read %d after %d reads, want 1 after 1", v, x.reads)
	}
	x.shell.Read()
	fake.Advance(DefaultStaleness - time.Nanosecond)
	x.shell.Read()
	if x.reads != 1 {
		t.Errorf("%d reads with nothing recorded within the staleness, want 1", x.reads)
	}
	x.add()
	if v := *x.shell.Read(); v != 2 || x.reads != 2 {
		t.Errorf("read after a record: %d after %d reads, want 2 after 2", v, x.reads)
	}
	fake.Advance(DefaultStaleness)
	x.shell.Read()
	if x.reads != 3 {
		t.Errorf("%d reads once the staleness passed, want 3", x.reads)
	}
}

// TestCollectionPinsReads checks that within one hub collection a tracker
// is read once, even when something is recorded between two of its reads.
func TestCollectionPinsReads(t *testing.T) {
	fake := clock.NewFake(t0)
	hub := NewHub()
	x := newTracker(t, fake, hub, sdkmetric.NewMeterProvider())
	hub.Collect(func(Source) Sink {
		x.shell.Read()
		x.add()
		return discard{}
	})
	if x.reads != 1 {
		t.Errorf("%d reads in one collection, want 1", x.reads)
	}
	x.shell.Read()
	if x.reads != 2 {
		t.Errorf("%d reads after the collection and a record, want 2", x.reads)
	}
}

// TestShutdownFreezes checks the lifecycle: after Shutdown nothing is
// recorded, Read answers the state at Shutdown, the tracker leaves the
// hub, and a tracker without a hub has its callback unregistered.
func TestShutdownFreezes(t *testing.T) {
	fake := clock.NewFake(t0)
	hub := NewHub()
	x := newTracker(t, fake, hub, sdkmetric.NewMeterProvider())
	x.add()
	if err := x.shell.Shutdown(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	x.add()
	fake.Advance(time.Hour)
	if v := *x.shell.Read(); v != 1 {
		t.Errorf("read after Shutdown %d, want the 1 at Shutdown", v)
	}
	if hub.Len() != 0 {
		t.Errorf("%d sources left in the hub", hub.Len())
	}

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	y := newTracker(t, fake, nil, mp)
	y.add()
	y.hist.Record(context.Background(), 0.5)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil || len(rm.ScopeMetrics) != 1 || len(rm.ScopeMetrics[0].Metrics) != 2 {
		t.Fatalf("before Shutdown: %v, %+v; want the counter and the SDK's histogram", err, rm.ScopeMetrics)
	}
	if err := y.shell.Shutdown(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "n" {
				t.Errorf("the observable counter is still reported after Shutdown")
			}
		}
	}
}

type discard struct{}

func (discard) Int64(int, *Attrs, int64)                  {}
func (discard) Float64(int, *Attrs, float64)              {}
func (discard) Histogram(int, *Attrs, *fasthist.Snapshot) {}
