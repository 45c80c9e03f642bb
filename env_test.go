package vitals_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
)

// handled is where handleDispatcher sends what reaches otel.Handle while
// a test captures it.
var handled atomic.Pointer[func(error)]

// handleDispatcher is the error handler captureHandle installs. The first
// handler ever set stays the delegate of the SDK's default handler for
// good, so it must not hold a test that has ended: it forwards to
// handled, or logs.
type handleDispatcher struct{}

func (handleDispatcher) Handle(err error) {
	if f := handled.Load(); f != nil {
		(*f)(err)
		return
	}
	log.Print(err)
}

// captureHandle captures the messages that reach otel.Handle for the
// test's span.
func captureHandle(t *testing.T) func() []string {
	t.Helper()
	var (
		mu  sync.Mutex
		got []string
	)
	prev := otel.GetErrorHandler()
	f := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, err.Error())
	}
	handled.Store(&f)
	otel.SetErrorHandler(handleDispatcher{})
	t.Cleanup(func() {
		handled.Store(nil)
		otel.SetErrorHandler(prev)
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// checkHandled fails t unless got holds exactly want, in order.
func checkHandled(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("otel.Handle got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// otlpReceiver is a plain-HTTP server that OTEL_EXPORTER_OTLP_ENDPOINT
// points at for the test's span; it returns each request as its path and
// content type.
func otlpReceiver(t *testing.T) <-chan string {
	t.Helper()
	got := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got <- r.URL.Path + " " + r.Header.Get("Content-Type")
	}))
	t.Cleanup(srv.Close)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "")
	return got
}

// otlpEnvExport builds the OTLP reader the environment asks for, exports
// one counter through it at shutdown to an otlpReceiver, and fails t
// unless the request was want ("path content-type").
func otlpEnvExport(t *testing.T, want string) error {
	t.Helper()
	got := otlpReceiver(t)
	readers, err := exporters.New(context.Background(), exporters.WithExporters(exporters.OTLP), exporters.WithExportInterval(time.Hour))
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(readers[0]))
	c, _ := mp.Meter("env").Int64Counter("n")
	c.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := mp.Shutdown(ctx); err != nil {
		return err
	}
	if req := <-got; req != want {
		t.Errorf("the receiver got %q, want %q", req, want)
	}
	return nil
}

// TestStartWarnsOnUnknownExporter checks the acceptance of the
// specification's rule for enum variables: OTEL_METRICS_EXPORTER=bogus
// starts, with one warning, and the default exporter, OTLP over
// http/protobuf, exports.
func TestStartWarnsOnUnknownExporter(t *testing.T) {
	got := captureHandle(t)
	t.Setenv("OTEL_METRICS_EXPORTER", "bogus")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "")
	requests := otlpReceiver(t)
	sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(exporters.WithExportInterval(time.Hour)))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if n := len(sys.Readers()); n != 1 {
		t.Errorf("%d readers, want the default's one", n)
	}
	sys.Caches().Cache("application", "env").Hit(time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if req := <-requests; req != "/v1/metrics application/x-protobuf" {
		t.Errorf("the receiver got %q, want an OTLP/HTTP export", req)
	}
	checkHandled(t, got(),
		`exporters: invalid setting: OTEL_METRICS_EXPORTER="bogus": want a list of otlp, prometheus, console or none; the member "bogus" is ignored; using the default, otlp`)
}

// consoleRun starts a System exporting to the console, named by
// OTEL_METRICS_EXPORTER and written to w, records three cache lookups,
// flushes and shuts it down (each an export, were there a reader), and
// returns it.
func consoleRun(t *testing.T, opts ...exporters.Option) *vitals.System {
	t.Helper()
	t.Setenv("OTEL_METRICS_EXPORTER", "console")
	sys, err := vitals.Start(context.Background(), vitals.WithHealthHold(0),
		vitals.WithExporterOptions(append([]exporters.Option{exporters.WithExportInterval(time.Hour)}, opts...)...))
	if err != nil {
		t.Fatal(err)
	}
	c := sys.Caches().Cache("application", "sessions")
	c.Hit(time.Millisecond)
	c.Hit(time.Millisecond)
	c.Miss(time.Millisecond)
	if err := sys.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return sys
}

// TestSDKDisabledPrintsNothing checks the acceptance of OTEL_SDK_DISABLED:
// with the console exporter named by OTEL_METRICS_EXPORTER, a run that
// prints its metrics (the control) prints nothing at all once
// OTEL_SDK_DISABLED=true, to the console writer or to os.Stdout, while the
// trackers and the health still work.
func TestSDKDisabledPrintsNothing(t *testing.T) {
	var control strings.Builder
	consoleRun(t, exporters.WithConsoleWriter(&syncWriter{w: &control}))
	if !strings.Contains(control.String(), `"vitals.cache.`) {
		t.Fatalf("the control run printed no cache metric: %q", control.String())
	}

	t.Setenv("OTEL_SDK_DISABLED", "true")
	var written strings.Builder
	stdout := captureStdout(t, func() {
		sys := consoleRun(t, exporters.WithConsoleWriter(&syncWriter{w: &written}))
		checkDisabled(t, sys)
		sys = consoleRun(t) // the default writer, os.Stdout
		checkDisabled(t, sys)
	})
	if written.String() != "" || stdout != "" {
		t.Errorf("printed %q to the console writer and %q to stdout, want nothing", written.String(), stdout)
	}
}

// checkDisabled fails t unless sys, run by consoleRun with the SDK
// disabled, built no pipeline and still tracked the three lookups.
func checkDisabled(t *testing.T, sys *vitals.System) {
	t.Helper()
	if n := len(sys.Readers()); n != 0 || sys.Resource() != nil {
		t.Errorf("%d readers and resource %v, want none", n, sys.Resource())
	}
	if _, ok := sys.MeterProvider().(noop.MeterProvider); !ok {
		t.Errorf("provider %T, want a no-op provider", sys.MeterProvider())
	}
	caches := sys.Snapshot().Caches.Caches
	if len(caches) != 1 || caches[0].Name != "sessions" || caches[0].Hits != 2 || caches[0].Misses != 1 {
		t.Errorf("caches %+v, want sessions with 2 hits and 1 miss", caches)
	}
	var comps []string
	for _, c := range sys.Health().Components {
		comps = append(comps, fmt.Sprintf("%s:%d", c.Name, len(c.Entities)))
	}
	if got := strings.Join(comps, " "); !strings.Contains(got, "caches:1") {
		t.Errorf("health components %s, want the cache scored", got)
	}
	rec := httptest.NewRecorder()
	sys.ReadinessHandler(healthscore.HandlerOptions{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("readiness %d, want 200", rec.Code)
	}
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// captureStdout runs f with os.Stdout redirected to a pipe and returns
// everything written to it.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	prev := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = prev }()
	f()
	os.Stdout = prev
	_ = w.Close()
	out := <-done
	_ = r.Close()
	return out
}

// TestStartDeclarativeNeedsItsPackage checks that Start under
// OTEL_CONFIG_FILE, in a program that does not import
// integrations/declarative, fails with ErrNoDeclarative, which says what
// to import, rather than ignoring the file.
func TestStartDeclarativeNeedsItsPackage(t *testing.T) {
	t.Setenv("OTEL_CONFIG_FILE", "vitals.yaml")
	sys, err := vitals.Start(context.Background())
	if sys != nil || !errors.Is(err, exporters.ErrNoDeclarative) || !strings.Contains(err.Error(), `import _ "github.com/otelvitals/vitals/integrations/declarative"`) {
		t.Fatalf("got %v, %v; want ErrNoDeclarative naming the import", sys, err)
	}
}
