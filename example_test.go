package vitals_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
)

// Start vitals as a service does: the exporters come from
// OTEL_METRICS_EXPORTER and its sibling variables (OTLP over HTTP to
// localhost:4318 by default), and Shutdown flushes. (Not run: where it
// exports depends on the environment.)
func Example() {
	ctx := context.Background()
	sys, err := vitals.Start(ctx) // exporters from OTEL_METRICS_EXPORTER & co.
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx) // flushes

	users := sys.Caches().Cache(cache.TypeApplication, "users")
	users.Hit(200 * time.Microsecond)
	fmt.Println(sys.Snapshot().Caches.Caches[0].Hits)
}

// Start vitals with a Prometheus endpoint, record cache hits, and read the
// endpoint. Without options, the exporters come from OTEL_METRICS_EXPORTER
// and its sibling variables.
func ExampleStart() {
	ctx := context.Background()
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.Prometheus),
		exporters.WithPrometheusAddress("127.0.0.1:0"), // any free port; the default is 127.0.0.1:9464
	))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)

	// A tracker made by hand reaches the same readers the same way as the
	// system's own: through its provider and its producer.
	caches, _ := cache.New(cache.WithMeterProvider(sys.MeterProvider()), cache.WithProducer(sys.Producer()))
	defer caches.Shutdown(context.Background())
	users := caches.Cache(cache.TypeApplication, "users")
	for range 3 {
		users.CountHit()
	}

	prom := sys.Readers()[0].(*exporters.PrometheusReader)
	resp, err := http.Get(prom.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "vitals_cache_operations_total{") && strings.Contains(line, `vitals_cache_result="hit"`) {
			fmt.Println("hits:", line[strings.LastIndex(line, " ")+1:])
		}
	}
	// Output: hits: 3
}

// Read metrics back in process with a ManualReader, and no exporter.
func ExampleWithReader() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	sys, err := vitals.Start(ctx,
		vitals.WithReader(reader),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)

	caches, _ := cache.New(cache.WithMeterProvider(sys.MeterProvider()))
	defer caches.Shutdown(context.Background())
	caches.Cache(cache.TypeSession, "sessions").Set(5)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "vitals.cache.sets" {
				fmt.Println(m.Name, m.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
			}
		}
	}
	// Output: vitals.cache.sets 5
}

// Drop vitals into a service that already has a MeterProvider: vitals
// records into it and builds no exporters of its own.
func ExampleWithMeterProvider() {
	ctx := context.Background()
	mp := sdkmetric.NewMeterProvider() // the service's own pipeline
	defer mp.Shutdown(ctx)

	sys, err := vitals.Start(ctx, vitals.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx) // leaves mp running

	fmt.Println(sys.MeterProvider() == mp, len(sys.Readers()))
	// Output: true 0
}

// Put vitals' producer on a reader of your own, so that the trackers reach
// it on their fast path: points straight from the trackers' state, read
// once per collection, and histograms with their min and max.
func ExampleNewProducer() {
	ctx := context.Background()
	p := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	sys, err := vitals.Start(ctx, vitals.WithMeterProvider(mp), vitals.WithProducer(p))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)

	users := sys.Caches().Cache(cache.TypeApplication, "users")
	users.Hit(2 * time.Millisecond)
	users.Miss(40 * time.Millisecond)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "vitals.cache.operation.duration" {
				for _, dp := range h.DataPoints {
					result, _ := dp.Attributes.Value("vitals.cache.result")
					lo, _ := dp.Min.Value()
					hi, _ := dp.Max.Value()
					fmt.Printf("%s: %d lookup, min %gs, max %gs\n", result.AsString(), dp.Count, lo, hi)
				}
			}
		}
	}
	// Output:
	// hit: 1 lookup, min 0.002s, max 0.002s
	// miss: 1 lookup, min 0.04s, max 0.04s
}

// Install vitals' bucket boundaries explicitly on a MeterProvider of your
// own, so that no other view of it changes them.
func ExampleViews() {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithView(vitals.Views()...))
	defer mp.Shutdown(context.Background())
	fmt.Println(len(vitals.Views()), "histogram views")
	// Output: 7 histogram views
}

// Validate names the field, the value and the allowed range.
func ExampleConfig_Validate() {
	cfg := vitals.Config{CollectionBudget: 2 * time.Minute}
	fmt.Println(cfg.Validate())
	// Output: vitals: Config.CollectionBudget = 2m0s: allowed 1ms to 1m0s (0 means the default)
}
