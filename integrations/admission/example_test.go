package admission_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/admission"
	"github.com/otelvitals/vitals/semconv"
)

// Limit a server's requests, reported through the pipeline vitals.Start
// built: the monitor records into Start's provider and reports through its
// producer. (A reader takes the place of Start's exporters here, to print
// what they would export, and a test server that of 127.0.0.1:8080.)
func Example() {
	ctx := context.Background()
	p := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	sys, err := vitals.Start(ctx, vitals.WithReader(reader), vitals.WithProducer(p),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") })

	m, err := queue.New(queue.WithMeterProvider(sys.MeterProvider()), queue.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown(ctx)
	limit := admission.New(m, "api", admission.Config{Limit: 4, QueueLength: 50, Timeout: time.Second})
	srv := httptest.NewServer(limit.Handler(mux)) // http.ListenAndServe("127.0.0.1:8080", limit.Handler(mux))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/hello")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	printExported(ctx, reader, semconv.QueueCapacity.Name)
	printExported(ctx, reader, semconv.QueueDepth.Name)
	// Output:
	// 200 hello
	// api http: 50
	// api http: 0
	// api_in_flight http: 0
}

// printExported collects reader and prints the points of the metric
// named name, sorted: the values of their attributes, then the point's
// value (a histogram's count).
func printExported(ctx context.Context, reader sdkmetric.Reader, name string) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	var lines []string
	add := func(attrs attribute.Set, v any) {
		var vals []string
		for _, kv := range attrs.ToSlice() {
			vals = append(vals, kv.Value.String())
		}
		lines = append(lines, fmt.Sprintf("%s: %v", strings.Join(vals, " "), v))
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					add(p.Attributes, p.Value)
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					add(p.Attributes, p.Value)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					add(p.Attributes, p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					add(p.Attributes, p.Value)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					add(p.Attributes, p.Count)
				}
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
}
