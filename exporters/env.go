package exporters

import (
	"fmt"
	"os"
	"strings"

	prombridge "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// warnEnv reports through otel.Handle that the environment variable key
// holds value, which cannot be used (want says what can), and what is
// done instead. The error wraps [ErrInvalidSetting]; the value is quoted,
// cut at 80 bytes, as the specification asks that the user's value be
// shown.
func warnEnv(key, value, want, instead string) {
	otel.Handle(fmt.Errorf("%w: %s=%.80q: want %s; %s", ErrInvalidSetting, key, value, want, instead))
}

// envBool returns the boolean environment variable key as the
// specification reads it: true only for "true" in any case; a value other
// than "true", "false" or empty is reported and taken as false.
func envBool(key string) bool {
	v := strings.TrimSpace(os.Getenv(key))
	switch {
	case v == "", strings.EqualFold(v, "false"):
		return false
	case strings.EqualFold(v, "true"):
		return true
	}
	warnEnv(key, v, "true or false", "taken as false")
	return false
}

// envEnum returns the environment variable key lower-cased and trimmed
// if it is one of allowed, else "": unset, or set to a value that is
// reported as ignored (instead says what applies then).
func envEnum(key, instead string, allowed ...string) string {
	raw := os.Getenv(key)
	v := strings.ToLower(strings.TrimSpace(raw))
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	warnEnv(key, raw, strings.Join(allowed, ", "), "ignored, "+instead)
	return ""
}

// SDKDisabled reports whether OTEL_SDK_DISABLED is "true" (in any case):
// the specification's switch for a no-op SDK. Any other value leaves the
// SDK on; one other than "false" or empty is reported through
// [go.opentelemetry.io/otel.Handle]. vitals.Start reads it; so may any
// code that builds a MeterProvider from this package's readers.
func SDKDisabled() bool { return envBool("OTEL_SDK_DISABLED") }

// otlpEnv is what vitals checks of the variables the OTLP exporters of the
// OpenTelemetry Go SDK read themselves, which warn only at a verbosity
// nobody sees, or not at all, about values they cannot use.
type otlpEnv struct {
	// gzip is whether to set gzip compression explicitly, where the SDK
	// would read the compression variables otherwise than the
	// specification does.
	gzip bool
}

// readOTLPEnv checks the OTLP exporters' enum and boolean variables,
// reporting each value that cannot be used once, and returns what must be
// set explicitly for the SDK to ignore such a value as the specification
// says. The SDK already ignores an unknown temporality preference or
// default histogram aggregation (and uses the default), but it takes any
// compression other than "gzip", even "GZIP", for none, and so a bad
// OTEL_EXPORTER_OTLP_METRICS_COMPRESSION over a good
// OTEL_EXPORTER_OTLP_COMPRESSION.
func readOTLPEnv() otlpEnv {
	envEnum("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "using cumulative", "cumulative", "delta", "lowmemory")
	envEnum("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", "using explicit_bucket_histogram",
		"explicit_bucket_histogram", "base2_exponential_bucket_histogram")
	envBool("OTEL_EXPORTER_OTLP_INSECURE")
	envBool("OTEL_EXPORTER_OTLP_METRICS_INSECURE")
	generic := envEnum("OTEL_EXPORTER_OTLP_COMPRESSION", "using none", "gzip", "none")
	metrics := envEnum("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "using OTEL_EXPORTER_OTLP_COMPRESSION's or none", "gzip", "none")
	want := metrics
	if want == "" {
		want = generic
	}
	// The SDK reads the metrics variable if set, else the generic one,
	// and takes exactly "gzip" for gzip, anything else for none; it never
	// reads gzip where the specification reads none, so only gzip needs
	// setting.
	raw := strings.TrimSpace(os.Getenv("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION"))
	if raw == "" {
		raw = strings.TrimSpace(os.Getenv("OTEL_EXPORTER_OTLP_COMPRESSION"))
	}
	return otlpEnv{gzip: want == "gzip" && raw != "gzip"}
}

// httpOptions returns the HTTP exporter's options that e sets.
func (e otlpEnv) httpOptions() []otlpmetrichttp.Option {
	if e.gzip {
		return []otlpmetrichttp.Option{otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression)}
	}
	return nil
}

// grpcOptions returns the gRPC exporter's options that e sets.
func (e otlpEnv) grpcOptions() []otlpmetricgrpc.Option {
	if e.gzip {
		return []otlpmetricgrpc.Option{otlpmetricgrpc.WithCompressor("gzip")}
	}
	return nil
}

// EnvExemplarFilter returns OTEL_METRICS_EXEMPLAR_FILTER lower-cased and
// trimmed when it is "always_on", "always_off" or "trace_based", else "":
// unset, or another value, which is reported through
// [go.opentelemetry.io/otel.Handle] and ignored (the OpenTelemetry Go SDK
// ignores it too). vitals.Start reads it.
func EnvExemplarFilter() string {
	return envEnum("OTEL_METRICS_EXEMPLAR_FILTER", "as if unset", "always_on", "always_off", "trace_based")
}

// envBridge returns the bridge OTEL_METRICS_PRODUCERS asks for, the
// variable of contrib autoexport: with "prometheus", a producer of the
// client_golang default registry (prometheus.DefaultGatherer) through
// go.opentelemetry.io/contrib/bridges/prometheus; with "none" or unset,
// nil. Unknown and empty members, and "none" beside another name, are
// reported once each and ignored.
func envBridge() sdkmetric.Producer {
	const key = "OTEL_METRICS_PRODUCERS"
	env := os.Getenv(key)
	if strings.TrimSpace(env) == "" {
		return nil
	}
	var prom, none bool
	seen := map[string]bool{}
	for _, n := range strings.Split(env, ",") {
		switch n = strings.ToLower(strings.TrimSpace(n)); n {
		case "prometheus":
			prom = true
		case None:
			none = true
		default:
			if !seen[n] {
				seen[n] = true
				warnEnv(key, env, "a list of prometheus or none", fmt.Sprintf("the member %.40q is ignored", n))
			}
		}
	}
	if none && prom {
		warnEnv(key, env, "none alone or a list of other names", "none is ignored")
	}
	if !prom {
		return nil
	}
	return prombridge.NewMetricProducer()
}
