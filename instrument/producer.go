package instrument

import "github.com/otelvitals/vitals/internal/core"

// Producer is a metric producer trackers report to instead of their
// MeterProvider's observable instruments: *vitals.Producer is the one.
// Only vitals can implement it.
type Producer interface {
	// Hub is the producer's collection of trackers, for vitals' own use.
	Hub() *core.Hub
}

// HubOf returns p's hub, nil for a nil p.
func HubOf(p Producer) *core.Hub {
	if p == nil {
		return nil
	}
	return p.Hub()
}
