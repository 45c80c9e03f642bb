package admission_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/admission"
	"github.com/otelvitals/vitals/internal/metrictest"
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

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported
