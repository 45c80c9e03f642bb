package core

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/otelvitals/vitals/semconv"
)

// Hub holds the sources a producer collects. Its methods are safe for
// concurrent use.
type Hub struct {
	mu      sync.Mutex
	sources []*attached
	list    []Source // the sources, rebuilt at each change: a collection copies nothing

	// cycle is the number of the collection in progress, 0 between
	// collections: within one, every source's read is pinned, so that a
	// source read by its own Collect and again by another's (the health
	// score's) is read once.
	cycle   atomic.Uint64
	cycles  atomic.Uint64
	collect sync.Mutex // one collection at a time

	// sdkHistograms, when set, names the histogram metrics left to the
	// SDK's histograms rather than the fast path.
	sdkHistograms func(m semconv.Metric, traced bool) bool
}

type attached struct{ src Source }

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{} }

// LeaveToSDK makes the histograms f matches (given the metric and whether
// it is recorded with the caller's trace context) go through the SDK's
// histograms instead of the fast path, for trackers attached after the
// call: those a user's view matches, so that the view applies, and, with
// exemplars on, the traced ones.
func (h *Hub) LeaveToSDK(f func(m semconv.Metric, traced bool) bool) { h.sdkHistograms = f }

// fast reports whether the histogram metric m takes the fast path. A base-2
// exponential aggregation asked for by
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION is the SDK's to
// make, so it leaves every histogram to the SDK.
func (h *Hub) fast(m semconv.Metric, traced bool) bool {
	if h == nil {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION")), "base2_exponential_bucket_histogram") {
		return false
	}
	return h.sdkHistograms == nil || !h.sdkHistograms(m, traced)
}

// Attach adds src and returns the function that removes it, which is
// idempotent.
func (h *Hub) Attach(src Source) (detach func()) {
	a := &attached{src: src}
	h.mu.Lock()
	h.sources = append(h.sources, a)
	h.relist()
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			for i, s := range h.sources {
				if s == a {
					h.sources = append(h.sources[:i:i], h.sources[i+1:]...)
					h.relist()
					return
				}
			}
		})
	}
}

// Collect runs one collection: every source attached, in the order they
// were attached, emits to the sink sink returns for it. Collections run one
// at a time.
func (h *Hub) Collect(sink func(Source) Sink) {
	h.collect.Lock()
	defer h.collect.Unlock()
	h.mu.Lock()
	list := h.list // never changed in place, only replaced
	h.mu.Unlock()
	h.cycle.Store(h.cycles.Add(1))
	defer h.cycle.Store(0)
	for _, src := range list {
		src.Collect(sink(src))
	}
}

// relist replaces the list of sources; the caller holds h.mu.
func (h *Hub) relist() {
	list := make([]Source, len(h.sources))
	for i, a := range h.sources {
		list[i] = a.src
	}
	h.list = list
}

// Len returns the number of sources attached.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sources)
}
