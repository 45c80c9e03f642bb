package declarative_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/exporters"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	collmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// otlpSums is an OTLP/HTTP receiver that keeps, per export, every sum
// point as "service.name metric value".
type otlpSums struct {
	mu     sync.Mutex
	points []string
	URL    string
}

func startOTLPSums(t *testing.T) *otlpSums {
	t.Helper()
	r := &otlpSums{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var msg collmetricpb.ExportMetricsServiceRequest
		if req.URL.Path != "/v1/metrics" || proto.Unmarshal(body, &msg) != nil {
			http.Error(w, "not an OTLP export", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, rm := range msg.GetResourceMetrics() {
			service := ""
			for _, kv := range rm.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					service = kv.GetValue().GetStringValue()
				}
			}
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					for _, dp := range m.GetSum().GetDataPoints() {
						r.points = append(r.points, fmt.Sprintf("%s %s %d", service, m.GetName(), dp.GetAsInt()))
					}
				}
			}
		}
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *otlpSums) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.points...)
}

// scrapeLine returns the line of the Prometheus text at url that starts
// with prefix, or "".
func scrapeLine(t *testing.T, url, prefix string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestDeclarativeFile builds the SDK of testdata/declarative.yaml, an
// OTLP/HTTP exporter and a Prometheus pull exporter whose endpoint and port
// come from environment substitution, and checks that both carry a
// counter exactly, that the options given reach its provider (a
// ManualReader), that the other OTEL_* variables are ignored (the OTLP
// endpoint of the environment receives nothing), and that Shutdown frees
// the Prometheus port.
func TestDeclarativeFile(t *testing.T) {
	clearEnv(t)
	got := warnings(t)
	file := startOTLPSums(t)
	fromEnv := startOTLPSums(t)
	promAddr := freeAddr(t)
	_, port, _ := net.SplitHostPort(promAddr)
	t.Setenv("OTEL_CONFIG_FILE", filepath.Join("testdata", "declarative.yaml"))
	t.Setenv("VITALS_DECLARATIVE_OTLP", file.URL)
	t.Setenv("VITALS_DECLARATIVE_PROMETHEUS_PORT", port)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", fromEnv.URL)
	t.Setenv("OTEL_SERVICE_NAME", "from-the-environment")
	t.Setenv("OTEL_METRICS_EXPORTER", "bogus")

	manual := sdkmetric.NewManualReader()
	d, err := exporters.NewDeclarative(context.Background(), sdkmetric.WithReader(manual))
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := d.Resource().Set().Value(semconv.ServiceNameKey); name.AsString() != "vitals-declarative" {
		t.Errorf("service.name %q, want the file's vitals-declarative", name.AsString())
	}
	// The file names no instance: vitals' own ID keeps replicas apart.
	if id, _ := d.Resource().Set().Value(semconv.ServiceInstanceIDKey); !uuid4.MatchString(id.AsString()) {
		t.Errorf("service.instance.id %q, want a generated version 4 UUID", id.AsString())
	}
	c, err := d.MeterProvider().Meter("declarative").Int64Counter("declarative.jobs")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 5)

	if line := scrapeLine(t, "http://"+promAddr+"/metrics", "declarative_jobs_total{"); !strings.HasSuffix(line, "} 5") {
		t.Errorf("scrape line %q, want declarative_jobs_total 5", line)
	}
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if n := len(rm.ScopeMetrics); n != 1 || rm.ScopeMetrics[0].Metrics[0].Name != "declarative.jobs" {
		t.Errorf("the manual reader got %+v, want declarative.jobs", rm.ScopeMetrics)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if pts := strings.Join(file.got(), ";"); pts != "vitals-declarative declarative.jobs 5" {
		t.Errorf("the file's OTLP endpoint got %q, want the counter once", pts)
	}
	if pts := fromEnv.got(); len(pts) != 0 {
		t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT got %q, want nothing", pts)
	}
	l, err := net.Listen("tcp", promAddr)
	if err != nil {
		t.Fatalf("the Prometheus port is still taken after Shutdown: %v", err)
	}
	l.Close()
	checkWarnings(t, got(), nil)
}

func TestDeclarativeErrors(t *testing.T) {
	dir := t.TempDir()
	badFilter := filepath.Join(dir, "filter.yaml")
	if err := os.WriteFile(badFilter, []byte("file_format: \"1.0\"\nmeter_provider:\n  exemplar_filter: sometimes\n  readers: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badYAML := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badYAML, []byte("meter_provider: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noExporter := filepath.Join(dir, "none.yaml")
	if err := os.WriteFile(noExporter, []byte("file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - pull:\n        exporter: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, want string
	}{
		{name: "unset", file: "", want: "exporters: invalid setting: OTEL_CONFIG_FILE is not set"},
		{name: "missing file", file: filepath.Join(dir, "missing.yaml"), want: "exporters: invalid setting: OTEL_CONFIG_FILE: open " + filepath.Join(dir, "missing.yaml") + ": no such file or directory"},
		{name: "bad exemplar filter", file: badFilter, want: "exporters: invalid setting: OTEL_CONFIG_FILE " + badFilter + `: meter_provider.exemplar_filter "sometimes": want always_on, always_off or trace_based`},
		{name: "not YAML", file: badYAML},
		{name: "no exporter", file: noExporter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTEL_CONFIG_FILE", tt.file)
			d, err := exporters.NewDeclarative(context.Background())
			if d != nil || !errors.Is(err, exporters.ErrInvalidSetting) || (tt.want != "" && err.Error() != tt.want) {
				t.Errorf("got %v, %v; want no SDK and %q (exporters.ErrInvalidSetting)", d, err, tt.want)
			}
		})
	}
}

// TestConfigFileDeprecatedName checks that OTEL_EXPERIMENTAL_CONFIG_FILE,
// the name otelconf/x reads, is used with a warning, and that beside
// OTEL_CONFIG_FILE naming another file it is an error rather than the
// silent winner.
func TestConfigFileDeprecatedName(t *testing.T) {
	clearEnv(t)
	got := warnings(t)
	t.Setenv("OTEL_EXPERIMENTAL_CONFIG_FILE", "old.yaml")
	if f := exporters.ConfigFile(); f != "old.yaml" {
		t.Errorf("ConfigFile() = %q, want old.yaml", f)
	}
	checkWarnings(t, got(), []string{
		`exporters: invalid setting: OTEL_EXPERIMENTAL_CONFIG_FILE="old.yaml": want OTEL_CONFIG_FILE, the variable's current name; used, but deprecated`,
	})
	t.Setenv("OTEL_CONFIG_FILE", filepath.Join("testdata", "declarative.yaml"))
	d, err := exporters.NewDeclarative(context.Background())
	want := `exporters: invalid setting: OTEL_EXPERIMENTAL_CONFIG_FILE="old.yaml" beside OTEL_CONFIG_FILE="testdata/declarative.yaml": otelconf would read the former; unset it`
	if d != nil || err == nil || err.Error() != want {
		t.Errorf("got %v, %v; want %s", d, err, want)
	}
}

// clearEnv blanks the variables the declarative builder and the exporters
// read, for the test's span.
func clearEnv(t *testing.T) {
	for _, k := range []string{
		"OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_SDK_DISABLED", "OTEL_METRICS_EXEMPLAR_FILTER", "OTEL_SERVICE_NAME",
		"OTEL_CONFIG_FILE", "OTEL_EXPERIMENTAL_CONFIG_FILE",
	} {
		t.Setenv(k, "")
	}
	// otelconf/x reads this one even when set empty: unset it, for
	// t.Setenv's cleanup to restore.
	os.Unsetenv("OTEL_EXPERIMENTAL_CONFIG_FILE")
}

// handled is where otel.Handle's errors go while a test captures them.
var handled atomic.Pointer[func(error)]

func init() {
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if f := handled.Load(); f != nil {
			(*f)(err)
		}
	}))
}

// warnings captures what reaches otel.Handle for the test's span.
func warnings(t *testing.T) func() []string {
	t.Helper()
	var (
		mu  sync.Mutex
		got []string
	)
	f := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, err.Error())
	}
	handled.Store(&f)
	t.Cleanup(func() { handled.Store(nil) })
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

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// uuid4 matches a version 4, RFC 4122 variant UUID.
var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestDeclarativeKeepsTheFilesInstanceID checks that a
// service.instance.id the file gives, in its attributes or its
// attributes_list, is kept.
func TestDeclarativeKeepsTheFilesInstanceID(t *testing.T) {
	dir := t.TempDir()
	for name, res := range map[string]string{
		"attributes":      "  attributes:\n    - name: service.instance.id\n      value: pod-7\n",
		"attributes_list": "  attributes_list: service.instance.id=pod-7,team=a\n",
	} {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			file := filepath.Join(dir, name+".yaml")
			if err := os.WriteFile(file, []byte("file_format: \"1.0\"\nresource:\n"+res+"meter_provider:\n  readers: []\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("OTEL_CONFIG_FILE", file)
			d, err := exporters.NewDeclarative(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer d.Shutdown(context.Background())
			if id, _ := d.Resource().Set().Value(semconv.ServiceInstanceIDKey); id.AsString() != "pod-7" {
				t.Errorf("service.instance.id %q, want the file's pod-7", id.AsString())
			}
		})
	}
}
