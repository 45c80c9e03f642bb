package vitals_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
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

// noExporters makes Start build no exporter, so that tests read metrics back
// through a ManualReader only.
var noExporters = vitals.WithExporterOptions(exporters.WithExporters(exporters.None))

func startManual(t *testing.T, opts ...vitals.Option) (*vitals.System, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	sys, err := vitals.Start(context.Background(), append([]vitals.Option{noExporters, vitals.WithReader(reader)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Shutdown(context.Background()) })
	return sys, reader
}

func collect(t *testing.T, reader sdkmetric.Reader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.(interface {
		Collect(context.Context, *metricdata.ResourceMetrics) error
	}).Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

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

func TestStartRecordsThroughItsProvider(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "checkout")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "team=payments")
	sys, reader := startManual(t, vitals.WithResource(resource.NewSchemaless(attribute.String("region", "eu"))))

	c, err := testCounter.New(sys.MeterProvider().Meter("test"))
	if err != nil {
		t.Fatal(err)
	}
	opt := metric.WithAttributeSet(attribute.NewSet(semconv.CacheResultKey.String(semconv.CacheResultHit)))
	for range 5 {
		c.Add(context.Background(), 2, opt)
	}
	rm := collect(t, reader)
	m, ok := findMetric(rm, testCounter.Name)
	if !ok {
		t.Fatal("metric not collected")
	}
	sum := m.Data.(metricdata.Sum[int64])
	if len(sum.DataPoints) != 1 || sum.DataPoints[0].Value != 10 {
		t.Fatalf("points %+v, want one of 10", sum.DataPoints)
	}
	for key, want := range map[string]string{"service.name": "checkout", "team": "payments", "region": "eu"} {
		v, ok := rm.Resource.Set().Value(attribute.Key(key))
		if !ok || v.AsString() != want {
			t.Errorf("resource %s = %q, want %q", key, v.AsString(), want)
		}
	}
	if _, ok := rm.Resource.Set().Value("host.name"); !ok {
		t.Error("resource lacks host.name from the host detector")
	}
	if sys.Resource() == nil || len(sys.Readers()) != 1 {
		t.Errorf("Resource %v, Readers %v", sys.Resource(), sys.Readers())
	}
}

// TestStartAppliesViews checks that a histogram created without advice gets
// vitals' buckets from the views Start installs.
func TestStartAppliesViews(t *testing.T) {
	sys, reader := startManual(t)
	h, err := sys.MeterProvider().Meter("test").Float64Histogram(semconv.ConnectionDuration.Name)
	if err != nil {
		t.Fatal(err)
	}
	h.Record(context.Background(), 100)
	m, _ := findMetric(collect(t, reader), semconv.ConnectionDuration.Name)
	got := m.Data.(metricdata.Histogram[float64]).DataPoints[0].Bounds
	if want := semconv.AgeBuckets(); !equalFloats(got, want) {
		t.Fatalf("bounds %v, want %v", got, want)
	}
}

// sampledContext returns a context with a sampled span, which the SDK's
// trace-based exemplar filter would record an exemplar for.
func sampledContext() context.Context {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1},
		SpanID:     trace.SpanID{2},
		TraceFlags: trace.FlagsSampled,
	})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

// exemplarCases are the ways exemplars are asked for or not, and whether
// a sampled trace then gets one.
var exemplarCases = []struct {
	name   string
	config vitals.Config
	env    string // OTEL_METRICS_EXEMPLAR_FILTER
	want   bool
}{
	{"off by default", vitals.Config{}, "", false},
	{"on when configured", vitals.Config{Exemplars: true}, "", true},
	{"environment wins", vitals.Config{}, "always_on", true},
	{"on from the environment", vitals.Config{}, "trace_based", true},
	{"off from the environment", vitals.Config{Exemplars: true}, "always_off", false},
}

func TestExemplars(t *testing.T) {
	for _, tt := range exemplarCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", tt.env)
			sys, reader := startManual(t, vitals.WithConfig(tt.config))
			h, err := semconv.CacheOperationDuration.New(sys.MeterProvider().Meter("test"))
			if err != nil {
				t.Fatal(err)
			}
			h.Record(sampledContext(), 0.01)
			m, _ := findMetric(collect(t, reader), semconv.CacheOperationDuration.Name)
			got := len(m.Data.(metricdata.Histogram[float64]).DataPoints[0].Exemplars) > 0
			if got != tt.want {
				t.Fatalf("exemplars recorded: %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCardinalityLimit checks that the provider keeps Config.CardinalityLimit
// series per instrument and folds the rest into the SDK's overflow series.
func TestCardinalityLimit(t *testing.T) {
	cfg := vitals.Config{CardinalityLimit: 40}
	sys, reader := startManual(t, vitals.WithConfig(cfg))
	c, _ := testCounter.New(sys.MeterProvider().Meter("test"))
	for i := range 50 {
		c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("i", i)))
	}
	m, _ := findMetric(collect(t, reader), testCounter.Name)
	pts := m.Data.(metricdata.Sum[int64]).DataPoints
	if len(pts) != 40 {
		t.Fatalf("%d series, want the limit 40", len(pts))
	}
	var total, overflow int64
	for _, p := range pts {
		total += p.Value
		if v, ok := p.Attributes.Value("otel.metric.overflow"); ok && v.AsBool() {
			overflow = p.Value
		}
	}
	if total != 50 || overflow != 11 {
		t.Fatalf("total %d overflow %d, want 50 and 11", total, overflow)
	}
}

func TestWithMeterProvider(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus") // must be ignored: no exporter is built
	sys, err := vitals.Start(context.Background(), vitals.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	if sys.MeterProvider() != mp || sys.Resource() != nil || len(sys.Readers()) != 0 {
		t.Fatalf("provider %v resource %v readers %v: want the user's provider and nothing built", sys.MeterProvider(), sys.Resource(), sys.Readers())
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The user's provider is still running after vitals' Shutdown.
	c, _ := testCounter.New(mp.Meter("test"))
	c.Add(context.Background(), 3)
	m, ok := findMetric(collect(t, reader), testCounter.Name)
	if !ok || m.Data.(metricdata.Sum[int64]).DataPoints[0].Value != 3 {
		t.Fatalf("the user's provider stopped recording: %+v", m)
	}
}

func TestWithMeterProviderNilKeepsDefault(t *testing.T) {
	sys, _ := startManual(t, vitals.WithMeterProvider(nil))
	if sys.Resource() == nil {
		t.Fatal("WithMeterProvider(nil) replaced vitals' own provider")
	}
}

func TestStartRejectsInvalidConfig(t *testing.T) {
	sys, err := vitals.Start(context.Background(), vitals.WithConfig(vitals.Config{CardinalityLimit: -3}))
	if !errors.Is(err, vitals.ErrInvalidConfig) || sys != nil {
		t.Fatalf("got %v, %v; want ErrInvalidConfig and no System", sys, err)
	}
}

func TestStartRejectsUnknownExporterOption(t *testing.T) {
	_, err := vitals.Start(context.Background(), vitals.WithExporterOptions(exporters.WithExporters("otlp", "zipkin")))
	if !errors.Is(err, exporters.ErrUnknownExporter) || !strings.Contains(err.Error(), "zipkin") {
		t.Fatalf("got %v, want ErrUnknownExporter naming zipkin", err)
	}
}

func TestShutdownIsIdempotent(t *testing.T) {
	sys, reader := startManual(t)
	c, _ := testCounter.New(sys.MeterProvider().Meter("test"))
	first := sys.Shutdown(context.Background())
	if second := sys.Shutdown(context.Background()); !errors.Is(second, first) && second != first {
		t.Fatalf("second Shutdown %v, first %v", second, first)
	}
	c.Add(context.Background(), 1) // recording after Shutdown is a no-op, not a panic
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err == nil {
		t.Fatal("the reader still collects after Shutdown")
	}
}

// TestSeveralExporters runs a console and a Prometheus exporter at once, as
// OTEL_METRICS_EXPORTER=console,prometheus asks, and checks that each carries
// the metric.
func TestSeveralExporters(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXPORTER", "console,prometheus")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0")
	var console syncBuffer
	sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(exporters.WithConsoleWriter(&console)))
	if err != nil {
		t.Fatal(err)
	}
	readers := sys.Readers()
	if len(readers) != 2 {
		t.Fatalf("%d readers, want 2", len(readers))
	}
	prom, ok := readers[1].(*exporters.PrometheusReader)
	if !ok {
		t.Fatalf("second reader is %T, want the Prometheus one", readers[1])
	}
	c, _ := testCounter.New(sys.MeterProvider().Meter("test"))
	c.Add(context.Background(), 4)

	body := httpGet(t, prom.URL())
	if !strings.Contains(body, "test_requests_total") || !strings.Contains(body, "} 4") {
		t.Errorf("Prometheus endpoint lacks the counter:\n%s", body)
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out := console.String(); !strings.Contains(out, `"Name":"test.requests"`) {
		t.Errorf("console output lacks the counter:\n%s", out)
	}
	if _, err := net.DialTimeout("tcp", prom.Addr().String(), time.Second); err == nil {
		t.Error("the Prometheus endpoint still listens after Shutdown")
	}
}

// TestUnreachableOTLPEndpoint points the OTLP exporter at a closed port and
// checks that recording goes on, exact, that the export errors reach the
// OTel error handler, and that Shutdown returns by its context's deadline.
func TestUnreachableOTLPEndpoint(t *testing.T) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			errs := make(chan error, 100)
			restore := otel.GetErrorHandler()
			otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
				select {
				case errs <- err:
				default:
				}
			}))
			t.Cleanup(func() { otel.SetErrorHandler(restore) })

			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", proto)
			manual := sdkmetric.NewManualReader()
			sys, err := vitals.Start(context.Background(),
				vitals.WithReader(manual),
				vitals.WithExporterOptions(
					exporters.WithExporters(exporters.OTLP),
					exporters.WithOTLPEndpoint("http://"+closedAddr(t)),
					exporters.WithExportInterval(50*time.Millisecond),
					exporters.WithExportTimeout(300*time.Millisecond),
				))
			if err != nil {
				t.Fatal(err)
			}
			c, _ := testCounter.New(sys.MeterProvider().Meter("test"))
			const n = 20000
			for i := range n {
				c.Add(context.Background(), 1)
				if i%5000 == 0 {
					time.Sleep(60 * time.Millisecond) // let periodic exports run and fail meanwhile
				}
			}
			m, _ := findMetric(collect(t, manual), testCounter.Name)
			if got := m.Data.(metricdata.Sum[int64]).DataPoints[0].Value; got != n {
				t.Fatalf("recorded %d, want %d", got, n)
			}
			select {
			case err := <-errs:
				t.Logf("error handler got: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("no export error reached the OTel error handler")
			}

			const deadline = time.Second
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			err = sys.Shutdown(ctx)
			elapsed := time.Since(start)
			if err == nil {
				t.Error("Shutdown reported success although the final export cannot be delivered")
			}
			// Generous slack for a loaded machine: the point is that it does
			// not hang on the unreachable endpoint.
			if elapsed > deadline+2*time.Second {
				t.Errorf("Shutdown took %v with a %v deadline", elapsed, deadline)
			}
		})
	}
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

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// syncBuffer is a bytes.Buffer safe for the console exporter's goroutine
// and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
