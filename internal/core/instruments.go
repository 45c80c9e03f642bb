package core

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/internal/fasthist"
	"github.com/otelvitals/vitals/semconv"
)

// Instruments are a tracker's instruments, made once from its metric
// table: the observable ones when no hub collects the tracker, and the
// SDK's histograms for the histogram metrics that do not take the fast
// path.
type Instruments struct {
	metrics []semconv.Metric
	ints    []metric.Int64Observable   // by metric index; nil where none
	floats  []metric.Float64Observable // by metric index; nil where none
	hists   []metric.Float64Histogram  // by metric index; nil: the fast path
	all     []metric.Observable
}

// newInstruments makes the instruments of metrics with meter: observable
// ones when observable is set, and a histogram for each histogram metric
// sdkHistogram accepts. Each instrument that fails is left out (a
// histogram becomes a no-op); the errors are joined.
func newInstruments(meter metric.Meter, metrics []semconv.Metric, observable bool, sdkHistogram func(semconv.Metric) bool) (Instruments, error) {
	in := Instruments{
		metrics: metrics,
		ints:    make([]metric.Int64Observable, len(metrics)),
		floats:  make([]metric.Float64Observable, len(metrics)),
		hists:   make([]metric.Float64Histogram, len(metrics)),
	}
	var errs []error
	for i, m := range metrics {
		if m.Kind == semconv.KindFloat64Histogram {
			if sdkHistogram(m) {
				h, err := semconv.Float64Histogram{Metric: m}.New(meter)
				errs = append(errs, err)
				in.hists[i] = h
			}
			continue
		}
		if !observable {
			continue
		}
		unit, desc := metric.WithUnit(m.Unit), metric.WithDescription(m.Description)
		var (
			io  metric.Int64Observable
			fo  metric.Float64Observable
			err error
		)
		switch m.Kind {
		case semconv.KindInt64ObservableCounter:
			io, err = meter.Int64ObservableCounter(m.Name, unit, desc)
		case semconv.KindInt64ObservableUpDownCounter:
			io, err = meter.Int64ObservableUpDownCounter(m.Name, unit, desc)
		case semconv.KindInt64ObservableGauge:
			io, err = meter.Int64ObservableGauge(m.Name, unit, desc)
		case semconv.KindFloat64ObservableCounter:
			fo, err = meter.Float64ObservableCounter(m.Name, unit, desc)
		case semconv.KindFloat64ObservableGauge:
			fo, err = meter.Float64ObservableGauge(m.Name, unit, desc)
		default:
			err = fmt.Errorf("vitals: metric %s: kind %v is not reported at collection", m.Name, m.Kind)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if io != nil {
			in.ints[i] = io
			in.all = append(in.all, io)
		}
		if fo != nil {
			in.floats[i] = fo
			in.all = append(in.all, fo)
		}
	}
	return in, errors.Join(errs...)
}

// register registers cb as the one callback of every observable
// instrument.
func (in *Instruments) register(meter metric.Meter, cb metric.Callback) (metric.Registration, error) {
	if len(in.all) == 0 {
		return nil, nil
	}
	return meter.RegisterCallback(cb, in.all...)
}

// sink returns the sink that observes into o.
func (in *Instruments) sink(o metric.Observer) Sink { return observerSink{in: in, o: o} }

type observerSink struct {
	in *Instruments
	o  metric.Observer
}

func (s observerSink) Int64(m int, a *Attrs, v int64) {
	if i := s.in.ints[m]; i != nil {
		s.o.ObserveInt64(i, v, a.Observe...)
	}
}

func (s observerSink) Float64(m int, a *Attrs, v float64) {
	if f := s.in.floats[m]; f != nil {
		s.o.ObserveFloat64(f, v, a.Observe...)
	}
}

// Histogram does nothing: without a hub, histograms go through the SDK.
func (observerSink) Histogram(int, *Attrs, *fasthist.Snapshot) {}

// hist returns the histogram series of metric m with attributes a.
func (in *Instruments) hist(m int, a *Attrs) *Hist {
	h := &Hist{attrs: a}
	if sdk := in.hists[m]; sdk != nil {
		h.sdk = sdk
	} else {
		h.fast = fasthist.NewHistogram(in.metrics[m].Buckets)
	}
	return h
}

// Hist is one histogram series: on the fast path (lock-free buckets a
// producer emits) or the SDK's. Its methods are safe for concurrent use;
// a nil Hist records nothing.
type Hist struct {
	fast  *fasthist.Histogram
	sdk   metric.Float64Histogram
	attrs *Attrs
}

// Record adds v; ctx carries the trace an exemplar would point to, and is
// used only by the SDK's histograms.
func (h *Hist) Record(ctx context.Context, v float64) {
	if h == nil {
		return
	}
	if h.fast != nil {
		h.fast.Record(v)
		return
	}
	h.sdk.Record(ctx, v, h.attrs.Record...)
}

// Fast reports whether the series is on the fast path.
func (h *Hist) Fast() bool { return h != nil && h.fast != nil }

// Read returns the state of a series on the fast path, its counts cut
// from slab, and false for one the SDK holds.
func (h *Hist) Read(slab *Slab) (fasthist.Snapshot, bool) {
	if !h.Fast() {
		return fasthist.Snapshot{}, false
	}
	return h.fast.Read(slab.take(len(h.fast.Bounds()) + 1)), true
}

// Slab cuts the bucket counts of one read's histograms from a few large
// allocations instead of one each. Its zero value is ready; a Slab is
// used by one goroutine at a time.
type Slab struct{ buf []uint64 }

// take returns room for n counts.
func (s *Slab) take(n int) []uint64 {
	if len(s.buf)+n > cap(s.buf) {
		s.buf = make([]uint64, 0, max(2*cap(s.buf), 4*n))
	}
	c := s.buf[len(s.buf) : len(s.buf)+n : len(s.buf)+n]
	s.buf = s.buf[:len(s.buf)+n]
	return c
}

// HistRead is a histogram series as one read found it, to emit.
type HistRead struct {
	attrs *Attrs
	snap  fasthist.Snapshot
}

// ReadInto appends the state of h, when it is on the fast path and holds
// something, to reads.
func (h *Hist) ReadInto(reads []HistRead, slab *Slab) []HistRead {
	if s, ok := h.Read(slab); ok && s.Count > 0 {
		reads = append(reads, HistRead{attrs: h.attrs, snap: s})
	}
	return reads
}

// Held returns s, a read of h, as a HistRead to emit.
func (h *Hist) Held(s fasthist.Snapshot) HistRead { return HistRead{attrs: h.attrs, snap: s} }

// EmitHists reports reads to out as metric m.
func EmitHists(out Sink, m int, reads []HistRead) {
	for i := range reads {
		out.Histogram(m, reads[i].attrs, &reads[i].snap)
	}
}
