package vitals

import (
	"context"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/produce"
)

// Producer is the fast path from vitals' trackers to a reader, in the
// manner of contrib runtime's NewProducer: a metric producer that emits
// OpenTelemetry metric data straight from the trackers' state, read once
// per collection, with histograms kept in lock-free buckets and exported
// with their min and max.
//
// [Start] makes one and puts it on every reader it builds. To use it with
// readers of your own, make one, add it to each reader with
// sdkmetric.WithProducer, and give it to Start with [WithProducer], or to
// trackers you make with their WithProducer option:
//
//	p := vitals.NewProducer()
//	reader := sdkmetric.NewPeriodicReader(exporter, sdkmetric.WithProducer(p))
//	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
//	caches, _ := cache.New(cache.WithMeterProvider(mp), cache.WithProducer(p))
//
// A tracker given a producer reports through it only: its observable
// instruments are not made, and its histograms are the producer's. A
// tracker without one reports through its MeterProvider's instruments, with
// its durations in the SDK's histograms as they happen. Views do not apply
// to what a producer emits; Start therefore gives its trackers no producer
// when [WithView] is used.
//
// One Producer may serve several readers; each collection of any of them
// reads every tracker at most once per cycle (see package
// [github.com/otelvitals/vitals/instrument]). Its sums and histograms are
// cumulative. [Producer.ForReader] gives one reader a view that reuses its
// buffers, and [Producer.ForTemporality] one that gives deltas, as the
// exporters Start builds get. A Producer is safe for concurrent use.
type Producer struct {
	hub *core.Hub
	p   *produce.Producer
}

var (
	_ sdkmetric.Producer  = (*Producer)(nil)
	_ instrument.Producer = (*Producer)(nil)
)

// NewProducer returns a producer with no tracker yet: trackers given it
// (with their WithProducer option, or through [WithProducer]) join it
// when they are made and leave it at their Shutdown.
func NewProducer() *Producer {
	hub := core.NewHub()
	return &Producer{hub: hub, p: produce.New(hub)}
}

// Produce returns the metrics of every tracker of p, grouped by
// instrumentation scope. On a nil Producer it returns nothing.
func (p *Producer) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	if p == nil {
		return nil, nil
	}
	return p.p.Produce(ctx)
}

// ForReader returns a view of p for one reader of your own, cumulative:
// it reuses its buffers from one collection to the next, so that a
// collection allocates next to nothing, and the data it returns is valid
// until its next Produce (as the SDK's periodic reader and the Prometheus
// exporter use it). The readers Start builds get such views. p itself, on
// the contrary, returns fresh data at every Produce, and may be put on
// several readers at once.
func (p *Producer) ForReader() sdkmetric.Producer {
	return p.ForTemporality(sdkmetric.DefaultTemporalitySelector)
}

// ForTemporality is [Producer.ForReader] for a reader whose sums and
// histograms take the temporality sel gives their instrument kind: the
// view keeps what it reported last, to give deltas.
func (p *Producer) ForTemporality(sel sdkmetric.TemporalitySelector) sdkmetric.Producer {
	if p == nil {
		return (*Producer)(nil)
	}
	return p.p.WithTemporality(sel)
}

// Hub is the producer's collection of trackers, for vitals' own use; it is
// what makes a Producer an [instrument.Producer].
func (p *Producer) Hub() *core.Hub {
	if p == nil {
		return nil
	}
	return p.hub
}
