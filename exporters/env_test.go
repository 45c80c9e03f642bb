package exporters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// capture is where dispatcher sends what reaches otel.Handle while a
// test captures it.
var capture atomic.Pointer[func(error)]

// dispatcher is the error handler warnings installs. The first handler
// ever set stays the delegate of the SDK's default handler for good, so
// it must not hold a test that has ended: it forwards to capture, or logs.
type dispatcher struct{}

func (dispatcher) Handle(err error) {
	if f := capture.Load(); f != nil {
		(*f)(err)
		return
	}
	log.Print(err)
}

// warnings captures what reaches otel.Handle for the test's span. Each
// warning of this package must wrap ErrInvalidSetting.
func warnings(t *testing.T) func() []string {
	t.Helper()
	var (
		mu  sync.Mutex
		got []string
	)
	prev := otel.GetErrorHandler()
	f := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if !errors.Is(err, ErrInvalidSetting) {
			t.Errorf("warning %v does not wrap ErrInvalidSetting", err)
		}
		got = append(got, err.Error())
	}
	capture.Store(&f)
	otel.SetErrorHandler(dispatcher{})
	t.Cleanup(func() {
		capture.Store(nil)
		otel.SetErrorHandler(prev)
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// checkWarnings fails t unless got is want, in order.
func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const exporterWant = "want a list of otlp, prometheus, console or none"

// TestEnvExporterNamesWarnAndDefault checks the specification's rule for
// an enum variable: a value vitals does not know is reported once and
// ignored, and the default applies where nothing is left.
func TestEnvExporterNamesWarnAndDefault(t *testing.T) {
	tests := []struct {
		env  string
		want []string
		warn []string
	}{
		{env: "bogus", want: []string{OTLP}, warn: []string{
			`exporters: invalid setting: OTEL_METRICS_EXPORTER="bogus": ` + exporterWant + `; the member "bogus" is ignored; using the default, otlp`,
		}},
		{env: "logging", want: []string{OTLP}, warn: []string{
			`exporters: invalid setting: OTEL_METRICS_EXPORTER="logging": ` + exporterWant + `; the member "logging" is ignored; using the default, otlp`,
		}},
		{env: "prometheus,zipkin,zipkin", want: []string{Prometheus}, warn: []string{
			`exporters: invalid setting: OTEL_METRICS_EXPORTER="prometheus,zipkin,zipkin": ` + exporterWant + `; the member "zipkin" is ignored`,
		}},
		{env: "console,,prometheus", want: []string{Console, Prometheus}, warn: []string{
			`exporters: invalid setting: OTEL_METRICS_EXPORTER="console,,prometheus": ` + exporterWant + `; the member "" is ignored`,
		}},
		{env: "none,otlp", want: []string{OTLP}, warn: []string{
			`exporters: invalid setting: OTEL_METRICS_EXPORTER="none,otlp": want none alone or a list of other names; none is ignored`,
		}},
		{env: "None", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			clearEnv(t)
			got := warnings(t)
			t.Setenv("OTEL_METRICS_EXPORTER", tt.env)
			names, err := newConfig(nil).exporterNames()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.want) {
				t.Errorf("names %v, want %v", names, tt.want)
			}
			checkWarnings(t, got(), tt.warn)
		})
	}
}

func TestEnvProtocolWarnAndDefault(t *testing.T) {
	tests := []struct {
		name, generic, metrics string
		want                   string
		warn                   []string
	}{
		{name: "unknown generic", generic: "http/json", want: ProtocolHTTPProtobuf, warn: []string{
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_PROTOCOL="http/json": want grpc, http/protobuf; ignored, using http/protobuf`,
		}},
		{name: "unknown metrics-specific, generic applies", generic: "grpc", metrics: "thrift", want: ProtocolGRPC, warn: []string{
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="thrift": want grpc, http/protobuf; ignored, using OTEL_EXPORTER_OTLP_PROTOCOL's or http/protobuf`,
		}},
		{name: "both unknown", generic: "udp", metrics: "tcp", want: ProtocolHTTPProtobuf, warn: []string{
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="tcp": want grpc, http/protobuf; ignored, using OTEL_EXPORTER_OTLP_PROTOCOL's or http/protobuf`,
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_PROTOCOL="udp": want grpc, http/protobuf; ignored, using http/protobuf`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			got := warnings(t)
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", tt.generic)
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", tt.metrics)
			p, err := newConfig(nil).otlpProtocol()
			if err != nil || p != tt.want {
				t.Errorf("got %q, %v; want %q", p, err, tt.want)
			}
			checkWarnings(t, got(), tt.warn)
		})
	}
}

func TestEnvPrometheusPortWarnAndDefault(t *testing.T) {
	for _, port := range []string{"ninety", "70000", "-1"} {
		t.Run(port, func(t *testing.T) {
			clearEnv(t)
			got := warnings(t)
			t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", port)
			addr, err := newConfig(nil).prometheusAddress()
			if err != nil || addr != "127.0.0.1:9464" {
				t.Errorf("got %q, %v; want 127.0.0.1:9464", addr, err)
			}
			checkWarnings(t, got(), []string{fmt.Sprintf(
				"exporters: invalid setting: OTEL_EXPORTER_PROMETHEUS_PORT=%q: want a port number 0-65535; ignored, using 9464", port)})
		})
	}
}

func TestEnvOTLPChecks(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		gzip bool
		warn []string
	}{
		{name: "nothing set"},
		{name: "gzip read by the SDK itself", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}},
		{name: "upper-case gzip", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP"}, gzip: true},
		{name: "bad metrics-specific over good generic",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "zstd"},
			gzip: true,
			warn: []string{`exporters: invalid setting: OTEL_EXPORTER_OTLP_METRICS_COMPRESSION="zstd": want gzip, none; ignored, using OTEL_EXPORTER_OTLP_COMPRESSION's or none`}},
		{name: "none over gzip", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "none"}},
		{name: "bad enums and booleans", env: map[string]string{
			"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE":        "weekly",
			"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "t-digest",
			"OTEL_EXPORTER_OTLP_INSECURE":                              "yes",
			"OTEL_EXPORTER_OTLP_METRICS_INSECURE":                      "TRUE",
			"OTEL_EXPORTER_OTLP_COMPRESSION":                           "brotli",
		}, warn: []string{
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="weekly": want cumulative, delta, lowmemory; ignored, using cumulative`,
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION="t-digest": want explicit_bucket_histogram, base2_exponential_bucket_histogram; ignored, using explicit_bucket_histogram`,
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_INSECURE="yes": want true or false; taken as false`,
			`exporters: invalid setting: OTEL_EXPORTER_OTLP_COMPRESSION="brotli": want gzip, none; ignored, using none`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			got := warnings(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if e := readOTLPEnv(); e.gzip != tt.gzip {
				t.Errorf("gzip %v, want %v", e.gzip, tt.gzip)
			}
			checkWarnings(t, got(), tt.warn)
		})
	}
}

// TestEnvCompressionReachesTheWire checks that the compression the
// specification reads is the one sent: OTEL_EXPORTER_OTLP_COMPRESSION=GZIP,
// which the SDK alone would take for none, gzips the export.
func TestEnvCompressionReachesTheWire(t *testing.T) {
	clearEnv(t)
	got := warnings(t)
	encodings := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		encodings <- r.Header.Get("Content-Encoding")
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP")
	readers, err := New(context.Background(), WithExporters(OTLP), WithOTLPProtocol(ProtocolHTTPProtobuf),
		WithOTLPEndpoint(srv.URL), WithExportInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(readers[0]))
	c, _ := mp.Meter("env").Int64Counter("n")
	c.Add(context.Background(), 1)
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if enc := <-encodings; enc != "gzip" {
		t.Errorf("Content-Encoding %q, want gzip", enc)
	}
	checkWarnings(t, got(), nil)
}

func TestSDKDisabled(t *testing.T) {
	tests := []struct {
		env  string
		want bool
		warn []string
	}{
		{env: "", want: false},
		{env: "true", want: true},
		{env: " TRUE ", want: true},
		{env: "False", want: false},
		{env: "1", want: false, warn: []string{`exporters: invalid setting: OTEL_SDK_DISABLED="1": want true or false; taken as false`}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			clearEnv(t)
			got := warnings(t)
			t.Setenv("OTEL_SDK_DISABLED", tt.env)
			if d := SDKDisabled(); d != tt.want {
				t.Errorf("SDKDisabled() = %v, want %v", d, tt.want)
			}
			checkWarnings(t, got(), tt.warn)
		})
	}
}

func TestEnvExemplarFilter(t *testing.T) {
	tests := []struct {
		env, want string
		warn      []string
	}{
		{env: "", want: ""},
		{env: "Always_On", want: "always_on"},
		{env: "trace_based", want: "trace_based"},
		{env: "sometimes", want: "", warn: []string{
			`exporters: invalid setting: OTEL_METRICS_EXEMPLAR_FILTER="sometimes": want always_on, always_off, trace_based; ignored, as if unset`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			clearEnv(t)
			got := warnings(t)
			t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", tt.env)
			if f := EnvExemplarFilter(); f != tt.want {
				t.Errorf("EnvExemplarFilter() = %q, want %q", f, tt.want)
			}
			checkWarnings(t, got(), tt.warn)
		})
	}
}

// TestEnvProducersBridgeClientGolang checks OTEL_METRICS_PRODUCERS=prometheus:
// a counter of the client_golang default registry reaches every reader
// New builds, read back exactly from the console's JSON (through the
// bridge) and from a scrape of the Prometheus endpoint (which serves the
// default registry beside its own).
func TestEnvProducersBridgeClientGolang(t *testing.T) {
	clearEnv(t)
	got := warnings(t)
	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "bridged_jobs_total", Help: "Jobs done, from client_golang."})
	if err := prometheus.DefaultRegisterer.Register(counter); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prometheus.DefaultRegisterer.Unregister(counter) })
	counter.Add(7)

	t.Setenv("OTEL_METRICS_PRODUCERS", "Prometheus")
	var console strings.Builder
	readers, err := New(context.Background(), WithExporters(Console, Prometheus),
		WithConsoleWriter(&console), WithPrometheusAddress("127.0.0.1:0"), WithExportInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(readers[0]), sdkmetric.WithReader(readers[1]))
	defer func() { _ = mp.Shutdown(context.Background()) }()

	resp, err := http.Get(readers[1].(*PrometheusReader).URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var line string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "bridged_jobs_total") {
			line = l
		}
	}
	if line != "bridged_jobs_total 7" {
		t.Errorf("scrape line %q, want the default registry's bridged_jobs_total 7\n%s", line, body)
	}

	if err := mp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rm struct {
		ScopeMetrics []struct {
			Scope   struct{ Name string }
			Metrics []struct {
				Name string
				Data struct {
					DataPoints  []struct{ Value float64 }
					IsMonotonic bool
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(console.String()), &rm); err != nil {
		t.Fatalf("console output: %v\n%s", err, console.String())
	}
	var values []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "bridged_jobs_total" {
				for _, dp := range m.Data.DataPoints {
					values = append(values, fmt.Sprintf("%s %v %v", sm.Scope.Name, dp.Value, m.Data.IsMonotonic))
				}
			}
		}
	}
	if want := "go.opentelemetry.io/contrib/bridges/prometheus 7 true"; strings.Join(values, ";") != want {
		t.Errorf("console has %q, want %q", values, want)
	}
	checkWarnings(t, got(), nil)
}

func TestEnvProducersWarnAndIgnore(t *testing.T) {
	tests := []struct {
		env  string
		want int
		warn []string
	}{
		{env: "none", want: 0},
		{env: "opencensus", want: 0, warn: []string{
			`exporters: invalid setting: OTEL_METRICS_PRODUCERS="opencensus": want a list of prometheus or none; the member "opencensus" is ignored`,
		}},
		{env: "prometheus,none", want: 1, warn: []string{
			`exporters: invalid setting: OTEL_METRICS_PRODUCERS="prometheus,none": want none alone or a list of other names; none is ignored`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			clearEnv(t)
			got := warnings(t)
			t.Setenv("OTEL_METRICS_PRODUCERS", tt.env)
			n := 0
			if newConfig(nil).bridge != nil {
				n = 1
			}
			if n != tt.want {
				t.Errorf("%d producers, want %d", n, tt.want)
			}
			checkWarnings(t, got(), tt.warn)
		})
	}
}
