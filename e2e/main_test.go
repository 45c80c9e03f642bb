package e2e_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testCounter is the plain synchronous counter the pipeline tests record
// through: what they check is the pipeline, not a tracker.
var testCounter = semconv.Int64Counter{Metric: semconv.Metric{
	Name: "test.requests", Unit: "{request}", Description: "Requests.", Kind: semconv.KindInt64Counter,
}}

// startManual starts a System that builds no exporter and is read through
// a ManualReader of its own, shut down when t ends.
func startManual(t *testing.T, opts ...vitals.Option) (*vitals.System, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	noExporters := vitals.WithExporterOptions(exporters.WithExporters(exporters.None))
	sys, err := vitals.Start(context.Background(), append([]vitals.Option{noExporters, vitals.WithReader(reader)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Shutdown(context.Background()) })
	return sys, reader
}

// collect collects reader once, failing t on error.
func collect(t *testing.T, reader *sdkmetric.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// findMetric returns the metric of rm named name.
func findMetric(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// httpGet returns the body at url, failing t on error.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
