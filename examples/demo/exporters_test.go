package main

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/semconv"
)

func TestDefaultExporters(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing set", nil, []string{exporters.Prometheus}},
		{"an OTLP endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, []string{exporters.Prometheus, exporters.OTLP}},
		{"an OTLP metrics endpoint", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://127.0.0.1:4318/v1/metrics"}, []string{exporters.Prometheus, exporters.OTLP}},
		{"OTEL_METRICS_EXPORTER", map[string]string{"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}, nil},
		{"OTEL_METRICS_EXPORTER blank", map[string]string{"OTEL_METRICS_EXPORTER": " "}, []string{exporters.Prometheus}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := defaultExporters(func(k string) string { return tt.env[k] })
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// otlpReceiver is an OTLP/HTTP metrics receiver that keeps the names of
// the metrics it is sent.
type otlpReceiver struct {
	mu    sync.Mutex
	names map[string]bool
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/metrics" {
		http.NotFound(w, req)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	var msg colmetricpb.ExportMetricsServiceRequest
	if err == nil {
		err = proto.Unmarshal(b, &msg)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	for _, rm := range msg.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				r.names[m.Name] = true
			}
		}
	}
	r.mu.Unlock()
	resp, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

// TestDemoHonoursMetricsExporter runs the demo with OTEL_METRICS_EXPORTER=otlp,
// as the README's "ship to a collector" line does: it must ship OTLP to
// the endpoint and serve no Prometheus endpoint of its own.
func TestDemoHonoursMetricsExporter(t *testing.T) {
	recv := &otlpReceiver{names: map[string]bool{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	t.Setenv("OTEL_METRICS_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "")

	ready := make(chan [2]string, 1)
	var out strings.Builder
	err := run(context.Background(), options{
		addr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0",
		rate: 100, duration: time.Second, refresh: 500 * time.Millisecond,
	}, &syncWriter{w: &out}, ready)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if addrs := <-ready; addrs[1] != "" {
		t.Errorf("the demo served Prometheus on %s; OTEL_METRICS_EXPORTER=otlp names no prometheus", addrs[1])
	}
	if !strings.Contains(out.String(), "metrics not served") {
		t.Errorf("the summary does not say that no metrics endpoint is served:\n%s", out.String())
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for _, name := range []string{semconv.CacheOperations.Name, semconv.HealthScore.Name} {
		if !recv.names[name] {
			t.Errorf("the OTLP receiver got no %s; it got %v", name, recv.names)
		}
	}
}
