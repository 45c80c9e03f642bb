package vitals_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/semconv"
)

// TestExemplarsOnFeatureDurations records feature uses with a sampled
// trace through a System whose exporters vitals builds, and reads the
// console export: with exemplars asked for, by Config or by
// OTEL_METRICS_EXEMPLAR_FILTER, the feature durations carry one; without,
// none.
func TestExemplarsOnFeatureDurations(t *testing.T) {
	for _, tc := range exemplarCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", tc.env)
			var console bytes.Buffer
			ctx := context.Background()
			sys, err := vitals.Start(ctx, vitals.WithConfig(tc.config),
				vitals.WithExporterOptions(exporters.WithExporters(exporters.Console), exporters.WithConsoleWriter(&console)))
			if err != nil {
				t.Fatal(err)
			}
			f := sys.Features().Feature("endpoint", "search")
			f.Record(sampledContext(), "u", "api", time.Millisecond, true)
			sys.Caches().Cache("local", "users").Hit(time.Millisecond)
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			m := exportedMetrics(t, console.Bytes())
			got := m[semconv.FeatureUseDuration.Name]
			if got.points != 1 || (got.exemplars > 0) != tc.want {
				t.Errorf("%s: %d points, %d exemplars; want 1 point, exemplars %v", semconv.FeatureUseDuration.Name, got.points, got.exemplars, tc.want)
			}
			if c := m[semconv.CacheOperationDuration.Name]; c.points == 0 {
				t.Errorf("%s not exported", semconv.CacheOperationDuration.Name)
			}
		})
	}
}
