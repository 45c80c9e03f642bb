package vitals_test

import (
	"context"
	"io"
	"testing"
	"time"

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
	}
}
