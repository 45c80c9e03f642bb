package vitals_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/internal/badinput"
)

func badExporterCases() []badCase {
	build := func(opts ...exporters.Option) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			readers, err := exporters.New(context.Background(), opts...)
			for _, r := range readers {
				_ = r.Shutdown(context.Background())
			}
			if err != nil && len(readers) > 0 {
				t.Errorf("%d readers returned with the error", len(readers))
			}
			return err
		}
	}
	otlpHTTP := []exporters.Option{exporters.WithExporters(exporters.OTLP), exporters.WithOTLPProtocol(exporters.ProtocolHTTPProtobuf)}
	prom := func(addr string) func(*testing.T, *badRig) error {
		return build(exporters.WithExporters(exporters.Prometheus), exporters.WithPrometheusAddress(addr))
	}
	// paced runs a console reader for 350ms, recording once, and fails t
	// unless it exported at the pace of exporters.MinExportInterval at
	// most: three periodic exports and the final one, give or take one.
	paced := func(opts ...exporters.Option) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			var exports atomic.Int64
			readers, err := exporters.New(context.Background(), append([]exporters.Option{exporters.WithExporters(exporters.Console),
				exporters.WithConsoleWriter(badWriter(func([]byte) { exports.Add(1) }))}, opts...)...)
			if err != nil {
				return err
			}
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(readers[0]))
			c, _ := mp.Meter("bad").Int64Counter("n")
			c.Add(context.Background(), 1)
			time.Sleep(350 * time.Millisecond)
			err = mp.Shutdown(context.Background())
			if n := exports.Load(); n > 5 {
				t.Errorf("%d exports in 350ms, want at most 5", n)
			}
			return err
		}
	}
	// otlpFlush exports once through an OTLP/HTTP reader made with opts to
	// a plain-HTTP receiver (on url(receiver's URL)), and fails t unless
	// the export ended at once after connects connections; it returns the
	// export's error.
	otlpFlush := func(url func(string) string, connects int64, opts ...exporters.Option) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			defer srv.Close()
			readers, err := exporters.New(context.Background(), append(append([]exporters.Option(nil), otlpHTTP...),
				append([]exporters.Option{exporters.WithOTLPEndpoint(url(srv.URL)), exporters.WithExportInterval(time.Hour),
					exporters.WithExportTimeout(5 * time.Second)}, opts...)...)...)
			if err != nil {
				return err
			}
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(readers[0]))
			c, _ := mp.Meter("bad").Int64Counter("n")
			c.Add(context.Background(), 1)
			began := time.Now()
			err = mp.ForceFlush(context.Background())
			if took := time.Since(began); took > time.Second {
				t.Errorf("the export took %v, want it given up at once", took)
			}
			if n := conns.Load(); n != connects {
				t.Errorf("the receiver got %d connections, want %d", n, connects)
			}
			shutCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = mp.Shutdown(shutCtx)
			return err
		}
	}
	// spoolDir builds an OTLP reader spooling to the directory made by
	// mk, and fails t if New changed its mode.
	spoolDir := func(mk func(t *testing.T) string) func(*testing.T, *badRig) error {
		return func(t *testing.T, r *badRig) error {
			dir := mk(t)
			before, _ := os.Lstat(dir)
			err := build(append(otlpHTTP, exporters.WithOTLPEndpoint("http://127.0.0.1:1"), exporters.WithSpoolDir(dir))...)(t, r)
			if after, _ := os.Lstat(dir); after.Mode() != before.Mode() {
				t.Errorf("New changed %s from %v to %v", dir, before.Mode(), after.Mode())
			}
			return err
		}
	}
	return []badCase{
		{
			Name: "unknown exporter", API: "exporters.New", Input: `WithExporters("zipkin")`,
			Result: "exporters.ErrUnknownExporter, no reader", Want: exporters.ErrUnknownExporter,
			Call: build(exporters.WithExporters("zipkin")),
		},
		{
			Name: "empty exporter name", API: "exporters.New", Input: `WithExporters("")`,
			Result: "exporters.ErrUnknownExporter, no reader", Want: exporters.ErrUnknownExporter,
			Call: build(exporters.WithExporters("")),
		},
		{
			Name: "none with another exporter", API: "exporters.New", Input: `WithExporters("none", "otlp")`,
			Result: "exporters.ErrUnknownExporter, no reader", Want: exporters.ErrUnknownExporter,
			Call: build(exporters.WithExporters(exporters.None, exporters.OTLP)),
		},
		{
			Name: "invalid UTF-8 exporter name", API: "exporters.New", Input: `WithExporters("otlp\xff")`,
			Result: "exporters.ErrUnknownExporter, no reader", Want: exporters.ErrUnknownExporter,
			Call: build(exporters.WithExporters("otlp\xff")),
		},
		{
			Name: "1 MiB exporter name", API: "exporters.New", Input: "WithExporters(1 MiB name)",
			Result: "exporters.ErrUnknownExporter, no reader", Want: exporters.ErrUnknownExporter,
			Call: build(exporters.WithExporters(badinput.MiB)),
		},
		{
			Name: "empty exporter in the environment", API: "exporters.New", Input: "OTEL_METRICS_EXPORTER=console,,prometheus",
			Result: "one warning (otel.Handle), the empty member ignored: a console and a Prometheus reader",
			Call: func(t *testing.T, _ *badRig) error {
				got := captureHandle(t)
				t.Setenv("OTEL_METRICS_EXPORTER", "console,,prometheus")
				t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0")
				readers, err := exporters.New(context.Background())
				kinds := ""
				for _, r := range readers {
					kinds += fmt.Sprintf("%T ", r)
					_ = r.Shutdown(context.Background())
				}
				if kinds != "*metric.PeriodicReader *exporters.PrometheusReader " {
					t.Errorf("readers %s, want a console and a Prometheus reader", kinds)
				}
				checkHandled(t, got(), `exporters: invalid setting: OTEL_METRICS_EXPORTER="console,,prometheus": want a list of otlp, prometheus, console or none; the member "" is ignored`)
				return err
			},
		},
		{
			Name: "unsupported protocol", API: "exporters.New", Input: `WithOTLPProtocol("http/json")`,
			Result: "exporters.ErrUnsupportedProtocol, no reader", Want: exporters.ErrUnsupportedProtocol,
			Call: build(exporters.WithExporters(exporters.OTLP), exporters.WithOTLPProtocol("http/json")),
		},
		{
			Name: "unsupported protocol in the environment", API: "exporters.New", Input: "OTEL_EXPORTER_OTLP_PROTOCOL=thrift",
			Result: "one warning (otel.Handle); the default, http/protobuf, exports",
			Call: func(t *testing.T, _ *badRig) error {
				got := captureHandle(t)
				t.Setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "")
				t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
				err := otlpEnvExport(t, "/v1/metrics application/x-protobuf")
				checkHandled(t, got(), `exporters: invalid setting: OTEL_EXPORTER_OTLP_PROTOCOL="thrift": want grpc, http/protobuf; ignored, using http/protobuf`)
				return err
			},
		},
		{
			Name: "endpoint without scheme", API: "exporters.New", Input: `WithOTLPEndpoint("127.0.0.1:4318")`,
			Result: "exporters.ErrInvalidSetting, no reader", Want: exporters.ErrInvalidSetting,
			Call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("127.0.0.1:4318"))...),
		},
		{
			Name: "endpoint with another scheme", API: "exporters.New", Input: `WithOTLPEndpoint("ftp://127.0.0.1:4318")`,
			Result: "exporters.ErrInvalidSetting, no reader", Want: exporters.ErrInvalidSetting,
			Call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("ftp://127.0.0.1:4318"))...),
		},
		{
			Name: "malformed endpoint", API: "exporters.New", Input: `WithOTLPEndpoint("http://[::1")`,
			Result: "exporters.ErrInvalidSetting, no reader", Want: exporters.ErrInvalidSetting,
			Call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("http://[::1"))...),
		},
		{
			Name: "prometheus address without port", API: "exporters.New", Input: `WithPrometheusAddress("localhost")`,
			Result: "exporters.ErrInvalidSetting, no reader", Want: exporters.ErrInvalidSetting,
			Call: prom("localhost"),
		},
		{
			Name: "prometheus port out of range", API: "exporters.New", Input: `WithPrometheusAddress("127.0.0.1:70000")`,
			Result: "exporters.ErrInvalidSetting, no reader", Want: exporters.ErrInvalidSetting,
			Call: prom("127.0.0.1:70000"),
		},
		{
			Name: "nil context with a failing exporter", API: "exporters.New", Input: "ctx: nil; console built, then a bad Prometheus port",
			Result: "exporters.ErrInvalidSetting; the console reader already built is shut down", Want: exporters.ErrInvalidSetting,
			Call: func(t *testing.T, _ *badRig) error {
				readers, err := exporters.New(badinput.NilCtx, exporters.WithExporters(exporters.Console, exporters.Prometheus),
					exporters.WithConsoleWriter(io.Discard), exporters.WithPrometheusAddress("127.0.0.1:-1"))
				if len(readers) > 0 {
					t.Errorf("%d readers returned with the error", len(readers))
				}
				return err
			},
		},
		{
			Name: "non-positive export interval and timeout", API: "exporters.New", Input: "WithExportInterval(-1s), WithExportTimeout(0)",
			Result: "ignored (documented): the reader is built",
			Call:   build(exporters.WithExporters(exporters.Console), exporters.WithConsoleWriter(io.Discard), exporters.WithExportInterval(-time.Second), exporters.WithExportTimeout(0)),
		},
		{
			Name: "1ns export interval", API: "exporters.New", Input: "WithExportInterval(time.Nanosecond)",
			Result: "raised to exporters.MinExportInterval (100ms) (documented): exports every 100ms, not in a loop",
			Call:   paced(exporters.WithExportInterval(time.Nanosecond)),
		},
		{
			Name: "1ms export interval in the environment", API: "exporters.New", Input: "OTEL_METRIC_EXPORT_INTERVAL=1",
			Result: "raised to exporters.MinExportInterval (100ms) (documented): exports every 100ms, not in a loop",
			Call: func(t *testing.T, r *badRig) error {
				t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "1")
				return paced()(t, r)
			},
		},
		{
			Name: "1ns export timeout and backoff", API: "exporters.New", Input: "WithExportTimeout(time.Nanosecond), WithOTLPBackoff(time.Nanosecond)",
			Result: "raised to exporters.MinExportTimeout and exporters.MinOTLPBackoff (10ms each) (documented): the reader is built",
			Call:   build(append(otlpHTTP, exporters.WithExportTimeout(time.Nanosecond), exporters.WithOTLPBackoff(time.Nanosecond))...),
		},
		{
			Name: "CR LF in an OTLP header", API: "exporters.New", Input: `WithOTLPHeaders({"x-tenant": "a\r\nX-Injected: 1"})`,
			Result: "exporters.ErrInvalidSetting naming the header, not its value; no reader", Want: exporters.ErrInvalidSetting,
			Call: func(t *testing.T, r *badRig) error {
				err := build(append(otlpHTTP, exporters.WithOTLPHeaders(map[string]string{"x-tenant": "a\r\nX-Injected: 1"}))...)(t, r)
				if err == nil || !strings.Contains(err.Error(), `"x-tenant"`) || strings.Contains(err.Error(), "Injected") {
					t.Errorf("error %v, want one naming the header and not its value", err)
				}
				return err
			},
		},
		{
			Name: "CR LF in an OTLP header from the environment", API: "exporters.New, then an export", Input: "OTEL_EXPORTER_OTLP_HEADERS=x-tenant=a%0D%0Ab",
			Result: "each export fails at once with exporters.ErrPermanent, never sent, not retried", Want: exporters.ErrPermanent,
			Call: func(t *testing.T, r *badRig) error {
				t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=a%0D%0Ab")
				return otlpFlush(func(u string) string { return u }, 0)(t, r)
			},
		},
		{
			Name: "https endpoint on a plain-HTTP receiver", API: "exporters.New, then an export", Input: `WithOTLPEndpoint("https://" + a plain-HTTP receiver)`,
			Result: "each export fails at once with exporters.ErrPermanent after one connection, not retried", Want: exporters.ErrPermanent,
			Call: otlpFlush(func(u string) string { return "https" + strings.TrimPrefix(u, "http") }, 1),
		},
		{
			Name: "symlinked spool dir", API: "exporters.New", Input: "WithSpoolDir(a symbolic link to a 0700 directory)",
			Result: "exporters.ErrInvalidSetting, no reader; the link is not followed", Want: exporters.ErrInvalidSetting,
			Call: spoolDir(func(t *testing.T) string {
				target := filepath.Join(t.TempDir(), "target")
				link := filepath.Join(t.TempDir(), "link")
				if err := os.Mkdir(target, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, link); err != nil {
					t.Fatal(err)
				}
				return link
			}),
		},
		{
			Name: "spool dir others may write in", API: "exporters.New", Input: "WithSpoolDir(a directory of mode 0777)",
			Result: "exporters.ErrInvalidSetting, no reader; the mode is left as it is", Want: exporters.ErrInvalidSetting,
			Call: spoolDir(func(t *testing.T) string {
				dir := filepath.Join(t.TempDir(), "open")
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, 0o777); err != nil {
					t.Fatal(err)
				}
				return dir
			}),
		},
	}
}

// badWriter is an io.Writer that passes what it is given to f.
type badWriter func([]byte)

func (f badWriter) Write(b []byte) (int, error) {
	f(b)
	return len(b), nil
}
