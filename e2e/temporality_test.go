package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/otelvitals/vitals/e2e/internal/testbackend"
)

// TestDeltaTemporality exports under
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta to the real
// collector: every counter and histogram, the fast histograms included,
// arrives as delta, and the deltas of each series add up to the totals
// recorded, over three exports.
func TestDeltaTemporality(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta")
	eachProtocol(t, func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string) {
		w := startWorkload(t, ctx, col, proto, t.Name(), time.Hour)
		w.batch(100)
		if err := w.sys.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		w.batch(40)
		if err := w.sys.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		w.batch(8)
		if err := w.sys.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}

		from := map[string]string{runKey: w.run}
		for _, e := range w.expectations() {
			sum := func(points []testbackend.Point) (got int64) {
				for _, p := range points {
					if e.count {
						got += int64(p.Count)
					} else {
						got += p.Int
					}
				}
				return got
			}
			// The collector writes its file as exports arrive.
			points, err := col.WaitAllFrom(ctx, e.metric, e.attrs, from, func(pts []testbackend.Point) bool { return sum(pts) >= e.want })
			if err != nil && ctx.Err() == nil {
				t.Fatal(err) // the collector's file could not be read
			}
			if got := sum(points); got != e.want {
				t.Errorf("%s %v: deltas add up to %d over %d points, want %d", e.metric, e.attrs, got, len(points), e.want)
			}
			for _, p := range points {
				if p.Cumulative {
					t.Errorf("%s %v: a cumulative %s point under delta preference", e.metric, e.attrs, p.Type)
					break
				}
			}
			if len(points) != 3 {
				t.Errorf("%s %v: %d points, want one per export (3)", e.metric, e.attrs, len(points))
			}
		}
	})
}
