package queue

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

// TestProbeSampledOncePerRead checks that a probed queue is sampled once
// per read of the monitor, not once per consumer: collections, Snapshot
// calls and health checks within a read's life share its one sample, and
// the next sample comes with the next fresh read, once the staleness has
// passed.
func TestProbeSampledOncePerRead(t *testing.T) {
	for _, fast := range []bool{true, false} {
		f := newFixture(t, fast)
		jobs := make(chan int, 10)
		jobs <- 1
		jobs <- 2
		f.m.Observe(TypeMLInference, "jobs", Chan(jobs))
		for range 3 {
			f.collect()
			_ = f.m.Snapshot()
		}
		if s := f.m.Snapshot().Queues[0]; s.Samples != 1 || s.Depth != 2 {
			t.Fatalf("fast=%v: %d samples (depth %d) after three collections and snapshots in one read, want 1 (2)", fast, s.Samples, s.Depth)
		}
		if fast {
			p, ok := find(f.collect(), semconv.QueueSampledDepth.Name)
			if h, isHist := p.(metricdata.HistogramDataPoint[float64]); !ok || !isHist || h.Count != 1 {
				t.Fatalf("depth histogram %v, want one sample", p)
			}
		}
		f.clock.Advance(2 * time.Second)
		jobs <- 3
		if s := f.m.Snapshot().Queues[0]; s.Samples != 2 || s.Depth != 3 {
			t.Errorf("fast=%v: after the staleness, %d samples (depth %d), want 2 (3)", fast, s.Samples, s.Depth)
		}
	}
}
