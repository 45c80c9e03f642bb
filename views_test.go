package vitals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/semconv"
)

// exported is what the console exports held of one metric, at the last.
type exported struct {
	points    int
	bounds    []float64 // of the first point of a histogram
	exemplars int       // of every point
}

// exportedMetrics returns the metrics in console exports by name.
func exportedMetrics(t *testing.T, console []byte) map[string]exported {
	t.Helper()
	names := map[string]exported{}
	dec := json.NewDecoder(bytes.NewReader(console))
	for {
		var rm struct {
			ScopeMetrics []struct {
				Metrics []struct {
					Name string
					Data struct {
						DataPoints []struct {
							Bounds    []float64
							Exemplars []json.RawMessage
						}
					}
				}
			}
		}
		if err := dec.Decode(&rm); errors.Is(err, io.EOF) {
			return names
		} else if err != nil {
			t.Fatalf("console output: %v", err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				e := exported{points: len(m.Data.DataPoints)}
				if e.points > 0 {
					e.bounds = m.Data.DataPoints[0].Bounds
				}
				for _, p := range m.Data.DataPoints {
					e.exemplars += len(p.Exemplars)
				}
				names[m.Name] = e
			}
		}
	}
}

// TestViewsReachFastHistograms checks that WithView's views apply to
// vitals' histograms, which otherwise take a path views cannot reach, and
// take the place of the default stream: one view drops a histogram,
// another renames one (which keeps its advised boundaries), and the
// histograms no view matches are exported as before.
func TestViewsReachFastHistograms(t *testing.T) {
	var console bytes.Buffer
	ctx := context.Background()
	sys, err := vitals.Start(ctx,
		vitals.WithExporterOptions(exporters.WithExporters(exporters.Console), exporters.WithConsoleWriter(&console)),
		vitals.WithView(
			sdkmetric.NewView(sdkmetric.Instrument{Name: semconv.CacheOperationDuration.Name},
				sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}}),
			sdkmetric.NewView(sdkmetric.Instrument{Name: semconv.FeatureUseDuration.Name},
				sdkmetric.Stream{Name: "shop.feature.duration"}),
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	sys.Caches().Cache("local", "users").Hit(time.Millisecond)
	sys.Features().Feature("endpoint", "search").Record(ctx, "u", "api", time.Millisecond, true)
	c := sys.Connections().Pool("postgresql", "db").Open()
	c.Close()
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	names := exportedMetrics(t, console.Bytes())
	for name, want := range map[string]bool{
		semconv.CacheOperationDuration.Name: false, // dropped
		semconv.CacheOperations.Name:        true,
		semconv.FeatureUseDuration.Name:     false, // renamed
		"shop.feature.duration":             true,
		semconv.ConnectionDuration.Name:     true, // no view: the fast path
	} {
		if e, got := names[name]; got != want || (want && e.points == 0) {
			t.Errorf("%s exported %v with %d points, want exported %v", name, got, e.points, want)
		}
	}
	// The renamed stream keeps the boundaries the instrument advises.
	if got := names["shop.feature.duration"].bounds; !slices.Equal(got, semconv.FeatureUseDuration.Buckets) {
		t.Errorf("renamed histogram's bounds %v, want %v", got, semconv.FeatureUseDuration.Buckets)
	}
}

// TestViewsSetBuckets checks that Views gives the boundaries of its
// definition to each histogram created without any advice, and leaves its
// unit and description alone.
func TestViewsSetBuckets(t *testing.T) {
	ctx := context.Background()
	n := 0
	for _, d := range semconv.All() {
		if d.Kind != semconv.KindFloat64Histogram {
			continue
		}
		n++
		t.Run(d.Name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(vitals.Views()...))
			defer mp.Shutdown(ctx)
			h, err := mp.Meter("test").Float64Histogram(d.Name, metric.WithUnit(d.Unit), metric.WithDescription(d.Description))
			if err != nil {
				t.Fatal(err)
			}
			h.Record(ctx, 1)
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				t.Fatal(err)
			}
			if len(rm.ScopeMetrics) != 1 || len(rm.ScopeMetrics[0].Metrics) != 1 {
				t.Fatalf("collected %+v, want one metric", rm.ScopeMetrics)
			}
			got := rm.ScopeMetrics[0].Metrics[0]
			if b := got.Data.(metricdata.Histogram[float64]).DataPoints[0].Bounds; !slices.Equal(b, d.Buckets) {
				t.Fatalf("bounds %v, want %v", b, d.Buckets)
			}
			if got.Description != d.Description || got.Unit != d.Unit {
				t.Fatalf("the view changed unit or description: %q %q", got.Unit, got.Description)
			}
		})
	}
	if got := len(vitals.Views()); got != n {
		t.Errorf("%d views for %d histograms", got, n)
	}
}
