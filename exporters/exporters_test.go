package exporters

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// clearEnv unsets every variable the package reads, for the test's span.
func clearEnv(t *testing.T) {
	for _, k := range []string{
		"OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
		"OTEL_EXPORTER_PROMETHEUS_HOST", "OTEL_EXPORTER_PROMETHEUS_PORT",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
		"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
		"OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
		"OTEL_SDK_DISABLED", "OTEL_METRICS_EXEMPLAR_FILTER", "OTEL_METRICS_PRODUCERS",
		"OTEL_CONFIG_FILE", "OTEL_EXPERIMENTAL_CONFIG_FILE",
	} {
		t.Setenv(k, "")
	}
	// otelconf/x reads this one even when set empty: unset it, for
	// t.Setenv's cleanup to restore.
	os.Unsetenv("OTEL_EXPERIMENTAL_CONFIG_FILE")
}

func TestExporterNames(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		opt     []string
		want    []string
		wantErr error
	}{
		{name: "default is otlp", want: []string{OTLP}},
		{name: "blank env is otlp", env: "  ", want: []string{OTLP}},
		{name: "one name", env: "prometheus", want: []string{Prometheus}},
		{name: "a list, trimmed and lower-cased", env: " OTLP , Prometheus ,console", want: []string{OTLP, Prometheus, Console}},
		{name: "duplicates dropped", env: "prometheus,prometheus,otlp", want: []string{Prometheus, OTLP}},
		{name: "none means no reader", env: "none", want: nil},
		{name: "option overrides env", env: "console", opt: []string{Prometheus}, want: []string{Prometheus}},
		{name: "unknown name in option", opt: []string{"jaeger"}, wantErr: ErrUnknownExporter},
		{name: "empty name in option", opt: []string{"otlp", ""}, wantErr: ErrUnknownExporter},
		{name: "none with another in option", opt: []string{"none", "otlp"}, wantErr: ErrUnknownExporter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTEL_METRICS_EXPORTER", tt.env)
			got, err := newConfig([]Option{WithExporters(tt.opt...)}).exporterNames()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOTLPProtocol(t *testing.T) {
	tests := []struct {
		name, generic, metrics, opt string
		want                        string
		wantErr                     bool
	}{
		{name: "default", want: ProtocolHTTPProtobuf},
		{name: "generic env", generic: "grpc", want: ProtocolGRPC},
		{name: "metrics env wins", generic: "grpc", metrics: "http/protobuf", want: ProtocolHTTPProtobuf},
		{name: "option wins", metrics: "http/protobuf", opt: "grpc", want: ProtocolGRPC},
		{name: "enum is case-insensitive", generic: " GRPC ", want: ProtocolGRPC},
		{name: "garbage option", opt: "carrier-pigeon", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", tt.generic)
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", tt.metrics)
			got, err := newConfig([]Option{WithOTLPProtocol(tt.opt)}).otlpProtocol()
			if tt.wantErr {
				if !errors.Is(err, ErrUnsupportedProtocol) {
					t.Fatalf("err %v, want ErrUnsupportedProtocol", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestPrometheusAddress(t *testing.T) {
	tests := []struct {
		name, host, port, opt string
		want                  string
		wantErr               bool
	}{
		{name: "default is loopback 9464", want: "127.0.0.1:9464"},
		{name: "env host and port", host: "0.0.0.0", port: "9999", want: "0.0.0.0:9999"},
		{name: "env port only", port: "0", want: "127.0.0.1:0"},
		{name: "IPv6 host", host: "::1", want: "[::1]:9464"},
		{name: "option wins", port: "9999", opt: "127.0.0.1:7000", want: "127.0.0.1:7000"},
		{name: "bad option", opt: "no-port", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTEL_EXPORTER_PROMETHEUS_HOST", tt.host)
			t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", tt.port)
			got, err := newConfig([]Option{WithPrometheusAddress(tt.opt)}).prometheusAddress()
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidSetting) {
					t.Fatalf("err %v, want ErrInvalidSetting", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestNewBuildsEachReader(t *testing.T) {
	clearEnv(t)
	readers, err := New(context.Background(),
		WithExporters(OTLP, Prometheus, Console),
		WithOTLPEndpoint("http://127.0.0.1:4318"),
		WithPrometheusAddress("127.0.0.1:0"),
		WithConsoleWriter(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if len(readers) != 3 {
		t.Fatalf("%d readers, want 3", len(readers))
	}
	if _, ok := readers[0].(*sdkmetric.PeriodicReader); !ok {
		t.Errorf("otlp reader is %T, want a periodic reader", readers[0])
	}
	if _, ok := readers[1].(*PrometheusReader); !ok {
		t.Errorf("prometheus reader is %T", readers[1])
	}
	for _, r := range readers {
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("%T: %v", r, err)
		}
	}
}

func TestNewNone(t *testing.T) {
	readers, err := New(context.Background(), WithExporters(None))
	if err != nil || len(readers) != 0 {
		t.Fatalf("got %v, %v; want no readers, no error", readers, err)
	}
}

func TestInvalidOTLPEndpoint(t *testing.T) {
	for _, u := range []string{"127.0.0.1:4317", "ftp://x:1", "http://", "http://[::1"} {
		_, err := New(context.Background(), WithExporters(OTLP), WithOTLPEndpoint(u))
		if !errors.Is(err, ErrInvalidSetting) {
			t.Errorf("%q: err %v, want ErrInvalidSetting", u, err)
		}
	}
}

// TestNewReleasesReadersOnError checks that when a later exporter fails,
// the readers built before it are shut down: the Prometheus port is free
// again.
func TestNewReleasesReadersOnError(t *testing.T) {
	clearEnv(t)
	addr := freeAddr(t)
	_, err := New(context.Background(),
		WithExporters(Prometheus, OTLP),
		WithPrometheusAddress(addr),
		WithOTLPProtocol("http/json"))
	if !errors.Is(err, ErrUnsupportedProtocol) {
		t.Fatalf("err %v, want ErrUnsupportedProtocol", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the Prometheus port %s is still taken: %v", addr, err)
	}
	l.Close()
}

func TestPrometheusPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = NewPrometheus(WithPrometheusAddress(l.Addr().String()))
	if err == nil || !strings.Contains(err.Error(), l.Addr().String()) {
		t.Fatalf("err %v, want a listen error naming %s", err, l.Addr())
	}
	if !errors.Is(err, ErrAddressInUse) {
		t.Errorf("err %v, want ErrAddressInUse", err)
	}
	want := "prometheus exporter: listening on " + l.Addr().String() + ": listen tcp " + l.Addr().String() + ": "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err %q, want it to start with %q", err, want)
	}
	// An address that is not this host's is another failure.
	if _, err := NewPrometheus(WithPrometheusAddress("192.0.2.1:0")); err == nil || errors.Is(err, ErrAddressInUse) {
		t.Errorf("listening on a TEST-NET-1 address: err %v, want a listen error that is not ErrAddressInUse", err)
	}
}

// TestPrometheusGolden records a counter and a histogram and compares what
// the endpoint serves with testdata/prometheus.golden (go test -update
// rewrites it).
func TestPrometheusGolden(t *testing.T) {
	r, err := NewPrometheus(WithPrometheusAddress("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(r),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "golden"))),
	)
	defer func() {
		if err := mp.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("second Shutdown: %v", err)
		}
	}()
	m := mp.Meter("github.com/otelvitals/vitals/exporters/test")
	ctx := context.Background()
	c, _ := m.Int64Counter("vitals.cache.operations", metric.WithUnit("{operation}"), metric.WithDescription("Cache lookups."))
	h, _ := m.Float64Histogram("vitals.cache.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Lookup duration."), metric.WithExplicitBucketBoundaries(0.001, 0.01, 0.1))
	attrs := metric.WithAttributes(attribute.String("vitals.cache.name", "users"), attribute.String("vitals.cache.result", "hit"))
	c.Add(ctx, 41, attrs)
	c.Add(ctx, 1, attrs)
	for _, v := range []float64{0.0005, 0.002, 0.002, 0.5} {
		h.Record(ctx, v, attrs)
	}

	resp, err := http.Get(r.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "prometheus.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("endpoint output differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestOTLPDefaultEndpointIsPlainHTTP checks that, with no endpoint given
// in the environment or the options, OTLP over HTTP goes to the
// specification's default, http://localhost:4318 (the Go SDK's own default
// is the same port over TLS, which a local collector does not speak).
func TestOTLPDefaultEndpointIsPlainHTTP(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "")
	lis, err := net.Listen("tcp", "127.0.0.1:4318")
	if err != nil {
		t.Skipf("127.0.0.1:4318, the default endpoint, is taken: %v", err)
	}
	var posts atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/metrics" && r.TLS == nil {
			posts.Add(1)
		}
	})}
	go srv.Serve(lis)
	defer srv.Close()
	readers, err := New(context.Background(), WithExporters(OTLP), WithOTLPProtocol(ProtocolHTTPProtobuf))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(readers[0]))
	c, _ := mp.Meter("t").Int64Counter("default.endpoint")
	c.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if posts.Load() == 0 {
		t.Fatal("nothing reached http://localhost:4318/v1/metrics")
	}
}
