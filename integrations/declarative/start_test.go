package declarative_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	_ "github.com/otelvitals/vitals/integrations/declarative"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestStartDeclarative is vitals.Start's side of declarative
// configuration, which only a program that imports this package has.

// TestStartDeclarative checks Start under OTEL_CONFIG_FILE: the
// MeterProvider is the file's (an OTLP/HTTP and a Prometheus pull
// exporter, from exporters/testdata/declarative.yaml), the other OTEL_*
// variables and the exporter options are ignored (OTEL_SDK_DISABLED
// included, as the specification says), WithReader's reader is added to
// it, the trackers report through its instruments, and Shutdown shuts the
// file's SDK down.
func TestStartDeclarative(t *testing.T) {
	clearEnv(t)
	got := warnings(t)
	var otlp []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		otlp = append(otlp, r.URL.Path)
	}))
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(promAddr)
	t.Setenv("OTEL_CONFIG_FILE", filepath.Join("testdata", "declarative.yaml"))
	t.Setenv("VITALS_DECLARATIVE_OTLP", srv.URL)
	t.Setenv("VITALS_DECLARATIVE_PROMETHEUS_PORT", port)
	t.Setenv("OTEL_SDK_DISABLED", "true")
	t.Setenv("OTEL_METRICS_EXPORTER", "bogus")
	t.Setenv("OTEL_SERVICE_NAME", "from-the-environment")

	var console strings.Builder
	manual := sdkmetric.NewManualReader()
	sys, err := vitals.Start(context.Background(), vitals.WithReader(manual),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.Console), exporters.WithConsoleWriter(&lockedWriter{w: &console})))
	if err != nil {
		t.Fatal(err)
	}
	if sys.Producer() != nil {
		t.Error("the trackers got a producer, which the file's readers cannot carry")
	}
	if name, _ := sys.Resource().Set().Value("service.name"); name.AsString() != "vitals-declarative" {
		t.Errorf("service.name %q, want the file's", name.AsString())
	}
	sys.Caches().Cache("application", "declarative").Hit(time.Millisecond)
	c, _ := sys.MeterProvider().Meter("declarative").Int64Counter("declarative.jobs")
	c.Add(context.Background(), 5)

	resp, err := http.Get("http://" + promAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var jobs string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "declarative_jobs_total{") {
			jobs = line
		}
	}
	if !strings.HasSuffix(jobs, "} 5") || !strings.Contains(string(body), `otel_scope_name="`+cache.ScopeName+`"`) {
		t.Errorf("the file's Prometheus endpoint serves %q and no cache metric:\n%s", jobs, body)
	}
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var scopes []string
	for _, sm := range rm.ScopeMetrics {
		scopes = append(scopes, sm.Scope.Name)
	}
	if s := strings.Join(scopes, " "); !strings.Contains(s, cache.ScopeName) || !strings.Contains(s, "declarative") {
		t.Errorf("WithReader's reader got scopes %s, want the cache tracker's and declarative", s)
	}
	if err := sys.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if p := strings.Join(otlp, " "); p != "/v1/metrics /v1/metrics" {
		t.Errorf("the file's OTLP endpoint got %q, want the flush and the final export", p)
	}
	mu.Unlock()
	if l, err := net.Listen("tcp", promAddr); err != nil {
		t.Errorf("the file's Prometheus port is still taken after Shutdown: %v", err)
	} else {
		l.Close()
	}
	if console.String() != "" {
		t.Errorf("the console exporter of the options printed %q", console.String())
	}
	checkWarnings(t, got(), nil)
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
