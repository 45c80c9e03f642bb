package vitals_test

import (
	"context"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
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
		`exporters: invalid setting: OTEL_METRICS_EXPORTER="bogus": want a list of otlp, prometheus, console or none; the member "bogus" is ignored`,
		`exporters: invalid setting: OTEL_METRICS_EXPORTER="bogus": want a list of otlp, prometheus, console or none; using the default, otlp`)
}
