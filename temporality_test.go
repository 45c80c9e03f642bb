package vitals_test

import (
	"context"
	"testing"
	"time"

	"github.com/otelvitals/vitals/internal/testbackend"
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
			var got int64
			var points []testbackend.Point
			for {
				all, err := col.Points()
				if err != nil {
					t.Fatal(err)
				}
				got, points = 0, points[:0]
				for _, p := range all {
					if p.Metric != e.metric || !contains(p.Resource, from) || !contains(p.Attrs, e.attrs) {
						continue
					}
					points = append(points, p)
					if e.count {
						got += int64(p.Count)
					} else {
						got += p.Int
					}
				}
				if got >= e.want || ctx.Err() != nil {
					break
				}
				time.Sleep(50 * time.Millisecond) // the collector writes its file as exports arrive
			}
			if got != e.want {
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

// contains reports whether have holds every pair of want.
func contains(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
