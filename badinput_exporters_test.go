package vitals_test

import (
	"context"
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
	env := func(kv map[string]string, opts ...exporters.Option) func(*testing.T, *badRig) error {
		return func(t *testing.T, r *badRig) error {
			for k, v := range kv {
				t.Setenv(k, v)
			}
			return build(opts...)(t, r)
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
			name: "unknown exporter", api: "exporters.New", input: `WithExporters("zipkin")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters("zipkin")),
		},
		{
			name: "empty exporter name", api: "exporters.New", input: `WithExporters("")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters("")),
		},
		{
			name: "none with another exporter", api: "exporters.New", input: `WithExporters("none", "otlp")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters(exporters.None, exporters.OTLP)),
		},
		{
			name: "invalid UTF-8 exporter name", api: "exporters.New", input: `WithExporters("otlp\xff")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters("otlp\xff")),
		},
		{
			name: "1 MiB exporter name", api: "exporters.New", input: "WithExporters(1 MiB name)",
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters(badMiB)),
		},
		{
			name: "empty exporter in the environment", api: "exporters.New", input: "OTEL_METRICS_EXPORTER=console,,prometheus",
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: env(map[string]string{"OTEL_METRICS_EXPORTER": "console,,prometheus"}),
		},
		{
			name: "unsupported protocol", api: "exporters.New", input: `WithOTLPProtocol("http/json")`,
			result: "exporters.ErrUnsupportedProtocol, no reader", want: exporters.ErrUnsupportedProtocol,
			call: build(exporters.WithExporters(exporters.OTLP), exporters.WithOTLPProtocol("http/json")),
		},
		{
			name: "unsupported protocol in the environment", api: "exporters.New", input: "OTEL_EXPORTER_OTLP_PROTOCOL=thrift",
			result: "exporters.ErrUnsupportedProtocol, no reader", want: exporters.ErrUnsupportedProtocol,
			call: env(map[string]string{"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "", "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
				exporters.WithExporters(exporters.OTLP)),
		},
		{
			name: "endpoint without scheme", api: "exporters.New", input: `WithOTLPEndpoint("127.0.0.1:4318")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("127.0.0.1:4318"))...),
		},
		{
			name: "endpoint with another scheme", api: "exporters.New", input: `WithOTLPEndpoint("ftp://127.0.0.1:4318")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("ftp://127.0.0.1:4318"))...),
		},
		{
			name: "malformed endpoint", api: "exporters.New", input: `WithOTLPEndpoint("http://[::1")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("http://[::1"))...),
		},
		{
			name: "prometheus address without port", api: "exporters.New", input: `WithPrometheusAddress("localhost")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: prom("localhost"),
		},
		{
			name: "prometheus port out of range", api: "exporters.New", input: `WithPrometheusAddress("127.0.0.1:70000")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: prom("127.0.0.1:70000"),
		},
		{
			name: "prometheus negative port in the environment", api: "exporters.New", input: "OTEL_EXPORTER_PROMETHEUS_PORT=-1",
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: env(map[string]string{"OTEL_EXPORTER_PROMETHEUS_PORT": "-1"}, exporters.WithExporters(exporters.Prometheus)),
		},
		{
			name: "nil context with a failing exporter", api: "exporters.New", input: "ctx: nil; console built, then a bad Prometheus port",
			result: "exporters.ErrInvalidSetting; the console reader already built is shut down", want: exporters.ErrInvalidSetting,
			call: func(t *testing.T, _ *badRig) error {
				readers, err := exporters.New(badNilCtx, exporters.WithExporters(exporters.Console, exporters.Prometheus),
					exporters.WithConsoleWriter(io.Discard), exporters.WithPrometheusAddress("127.0.0.1:-1"))
				if len(readers) > 0 {
					t.Errorf("%d readers returned with the error", len(readers))
				}
				return err
			},
		},
		{
			name: "non-positive export interval and timeout", api: "exporters.New", input: "WithExportInterval(-1s), WithExportTimeout(0)",
			result: "ignored (documented): the reader is built",
			call:   build(exporters.WithExporters(exporters.Console), exporters.WithConsoleWriter(io.Discard), exporters.WithExportInterval(-time.Second), exporters.WithExportTimeout(0)),
		},
		{
			name: "1ns export interval", api: "exporters.New", input: "WithExportInterval(time.Nanosecond)",
			result: "raised to exporters.MinExportInterval (100ms) (documented): exports every 100ms, not in a loop",
			call:   paced(exporters.WithExportInterval(time.Nanosecond)),
		},
		{
			name: "1ms export interval in the environment", api: "exporters.New", input: "OTEL_METRIC_EXPORT_INTERVAL=1",
			result: "raised to exporters.MinExportInterval (100ms) (documented): exports every 100ms, not in a loop",
			call: func(t *testing.T, r *badRig) error {
				t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "1")
				return paced()(t, r)
			},
		},
		{
			name: "1ns export timeout and backoff", api: "exporters.New", input: "WithExportTimeout(time.Nanosecond), WithOTLPBackoff(time.Nanosecond)",
			result: "raised to exporters.MinExportTimeout and exporters.MinOTLPBackoff (10ms each) (documented): the reader is built",
			call:   build(append(otlpHTTP, exporters.WithExportTimeout(time.Nanosecond), exporters.WithOTLPBackoff(time.Nanosecond))...),
		},
		{
			name: "CR LF in an OTLP header", api: "exporters.New", input: `WithOTLPHeaders({"x-tenant": "a\r\nX-Injected: 1"})`,
			result: "exporters.ErrInvalidSetting naming the header, not its value; no reader", want: exporters.ErrInvalidSetting,
			call: func(t *testing.T, r *badRig) error {
				err := build(append(otlpHTTP, exporters.WithOTLPHeaders(map[string]string{"x-tenant": "a\r\nX-Injected: 1"}))...)(t, r)
				if err == nil || !strings.Contains(err.Error(), `"x-tenant"`) || strings.Contains(err.Error(), "Injected") {
					t.Errorf("error %v, want one naming the header and not its value", err)
				}
				return err
			},
		},
		{
			name: "CR LF in an OTLP header from the environment", api: "exporters.New, then an export", input: "OTEL_EXPORTER_OTLP_HEADERS=x-tenant=a%0D%0Ab",
			result: "each export fails at once with exporters.ErrPermanent, never sent, not retried", want: exporters.ErrPermanent,
			call: func(t *testing.T, r *badRig) error {
				t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=a%0D%0Ab")
				return otlpFlush(func(u string) string { return u }, 0)(t, r)
			},
		},
		{
			name: "https endpoint on a plain-HTTP receiver", api: "exporters.New, then an export", input: `WithOTLPEndpoint("https://" + a plain-HTTP receiver)`,
			result: "each export fails at once with exporters.ErrPermanent after one connection, not retried", want: exporters.ErrPermanent,
			call: otlpFlush(func(u string) string { return "https" + strings.TrimPrefix(u, "http") }, 1),
		},
		{
			name: "symlinked spool dir", api: "exporters.New", input: "WithSpoolDir(a symbolic link to a 0700 directory)",
			result: "exporters.ErrInvalidSetting, no reader; the link is not followed", want: exporters.ErrInvalidSetting,
			call: spoolDir(func(t *testing.T) string {
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
			name: "spool dir others may write in", api: "exporters.New", input: "WithSpoolDir(a directory of mode 0777)",
			result: "exporters.ErrInvalidSetting, no reader; the mode is left as it is", want: exporters.ErrInvalidSetting,
			call: spoolDir(func(t *testing.T) string {
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
