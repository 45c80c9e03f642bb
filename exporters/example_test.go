package exporters_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/exporters"
)

// Build the readers of several exporters at once, as
// OTEL_METRICS_EXPORTER=otlp,prometheus would, and give them to one
// MeterProvider.
func ExampleNew() {
	ctx := context.Background()
	readers, err := exporters.New(ctx,
		exporters.WithExporters(exporters.OTLP, exporters.Prometheus),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint("http://127.0.0.1:4317"),
		exporters.WithPrometheusAddress("127.0.0.1:0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	var opts []sdkmetric.Option
	for _, r := range readers {
		opts = append(opts, sdkmetric.WithReader(r))
	}
	mp := sdkmetric.NewMeterProvider(opts...)
	// Shutting the provider down stops every reader; with no collector on
	// 127.0.0.1:4317 the final OTLP export fails, and Shutdown says so.
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_ = mp.Shutdown(ctx)
	fmt.Println(len(readers), "readers")
	// Output: 2 readers
}

// Serve a MeterProvider's metrics on a Prometheus /metrics endpoint.
func ExampleNewPrometheus() {
	reader, err := exporters.NewPrometheus(exporters.WithPrometheusAddress("127.0.0.1:0"))
	if err != nil {
		log.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	resp, err := http.Get(reader.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), "target_info"))
	// Output: 200 true
}

// Keep the final export of a service whose collector is down when it
// stops, and deliver it at the next start. The directory must survive
// restarts and belong to this one process.
func ExampleWithSpoolDir() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "vitals-spool")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	reader, err := exporters.NewOTLP(ctx,
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint("http://127.0.0.1:4317"),
		exporters.WithSpoolDir(dir),
		exporters.WithOTLPBackoff(2*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	counter, _ := mp.Meter("example").Int64Counter("jobs.done")
	counter.Add(ctx, 42)

	// With nothing listening on 127.0.0.1:4317, Shutdown tries until its
	// deadline, then spools the export.
	stopCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := mp.Shutdown(stopCtx); err != nil {
		entries, _ := os.ReadDir(dir)
		fmt.Println("final export not delivered; spooled files:", len(entries))
	}
	// Output: final export not delivered; spooled files: 1
}
