package exporters

import (
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Exporter names accepted by [WithExporters] and OTEL_METRICS_EXPORTER.
const (
	OTLP       = "otlp"
	Prometheus = "prometheus"
	Console    = "console"
	None       = "none"
)

// OTLP protocols accepted by [WithOTLPProtocol] and
// OTEL_EXPORTER_OTLP_PROTOCOL.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// DefaultPrometheusAddress is where the Prometheus endpoint listens when
// neither options nor environment say otherwise.
const DefaultPrometheusAddress = "127.0.0.1:9464"

// Option configures [New] and the reader constructors.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	exporters  []string // nil: from the environment
	protocol   string   // "": from the environment
	endpoint   string   // "": from the environment (read by the OTLP exporter)
	headers    map[string]string
	promAddr   string // "": from the environment
	interval   time.Duration
	timeout    time.Duration
	consoleOut io.Writer
	producers  []sdkmetric.Producer
}

// WithExporters sets the exporters to build, overriding
// OTEL_METRICS_EXPORTER. Names are those of the constants [OTLP],
// [Prometheus], [Console] and [None]; duplicates are ignored. Calling it with
// no names keeps the environment's choice.
func WithExporters(names ...string) Option {
	return optionFunc(func(c *config) {
		if len(names) > 0 {
			c.exporters = append([]string(nil), names...)
		}
	})
}

// WithOTLPProtocol sets the OTLP transport, [ProtocolGRPC] or
// [ProtocolHTTPProtobuf], overriding OTEL_EXPORTER_OTLP_METRICS_PROTOCOL and
// OTEL_EXPORTER_OTLP_PROTOCOL.
func WithOTLPProtocol(protocol string) Option {
	return optionFunc(func(c *config) { c.protocol = protocol })
}

// WithOTLPEndpoint sets the base URL of the OTLP receiver, such as
// "http://127.0.0.1:4317" for gRPC or "http://127.0.0.1:4318" for HTTP,
// overriding OTEL_EXPORTER_OTLP_ENDPOINT with the same meaning: the scheme
// http means no TLS, and the HTTP exporter posts to the path /v1/metrics
// below the URL's path.
func WithOTLPEndpoint(url string) Option {
	return optionFunc(func(c *config) { c.endpoint = url })
}

// WithOTLPHeaders sets headers sent with every OTLP export, overriding
// OTEL_EXPORTER_OTLP_HEADERS. The map is copied.
func WithOTLPHeaders(headers map[string]string) Option {
	return optionFunc(func(c *config) { c.headers = maps.Clone(headers) })
}

// WithPrometheusAddress sets the host:port the Prometheus endpoint listens
// on, overriding OTEL_EXPORTER_PROMETHEUS_HOST and _PORT. Port 0 picks a
// free port; [PrometheusReader.Addr] tells which.
func WithPrometheusAddress(hostport string) Option {
	return optionFunc(func(c *config) { c.promAddr = hostport })
}

// WithExportInterval sets how often the periodic readers (OTLP, console)
// export, overriding OTEL_METRIC_EXPORT_INTERVAL. Values <= 0 are ignored.
func WithExportInterval(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.interval = d
		}
	})
}

// WithExportTimeout bounds each export of the periodic readers, overriding
// OTEL_METRIC_EXPORT_TIMEOUT. Values <= 0 are ignored.
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	})
}

// WithConsoleWriter sets where the console exporter writes; the default is
// os.Stdout. A nil writer keeps the default.
func WithConsoleWriter(w io.Writer) Option {
	return optionFunc(func(c *config) {
		if w != nil {
			c.consoleOut = w
		}
	})
}

// WithProducer adds a producer of external metrics to every reader built:
// each collection or scrape includes what p produces. Nil is ignored.
func WithProducer(p sdkmetric.Producer) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.producers = append(c.producers, p)
		}
	})
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.consoleOut == nil {
		c.consoleOut = os.Stdout
	}
	return c
}

// exporterNames returns the exporters to build: the option's list, else
// OTEL_METRICS_EXPORTER's, else "otlp"; lower-cased, trimmed and without
// duplicates. An unknown name, or "none" beside another name, is an error.
func (c config) exporterNames() ([]string, error) {
	names := c.exporters
	source := "WithExporters"
	if names == nil {
		source = "OTEL_METRICS_EXPORTER"
		env := os.Getenv("OTEL_METRICS_EXPORTER")
		if strings.TrimSpace(env) == "" {
			return []string{OTLP}, nil
		}
		names = strings.Split(env, ",")
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch n {
		case OTLP, Prometheus, Console, None:
		case "":
			return nil, fmt.Errorf("%w: empty name in %s %q", ErrUnknownExporter, source, strings.Join(names, ","))
		default:
			return nil, fmt.Errorf("%w: %q in %s (want %s, %s, %s or %s)",
				ErrUnknownExporter, n, source, OTLP, Prometheus, Console, None)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if seen[None] && len(out) > 1 {
		return nil, fmt.Errorf("%w: %q cannot be combined with other exporters in %s %q",
			ErrUnknownExporter, None, source, strings.Join(names, ","))
	}
	if seen[None] {
		return nil, nil
	}
	return out, nil
}

// otlpProtocol returns the OTLP transport: the option's, else the
// environment's, else http/protobuf.
func (c config) otlpProtocol() (string, error) {
	p, source := c.protocol, "WithOTLPProtocol"
	if p == "" {
		p, source = os.Getenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"), "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
	}
	if p == "" {
		p, source = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL"), "OTEL_EXPORTER_OTLP_PROTOCOL"
	}
	switch strings.TrimSpace(p) {
	case "":
		return ProtocolHTTPProtobuf, nil
	case ProtocolGRPC:
		return ProtocolGRPC, nil
	case ProtocolHTTPProtobuf:
		return ProtocolHTTPProtobuf, nil
	default:
		return "", fmt.Errorf("%w: %q in %s (want %s or %s)", ErrUnsupportedProtocol, p, source, ProtocolGRPC, ProtocolHTTPProtobuf)
	}
}

// prometheusAddress returns host:port for the Prometheus endpoint.
func (c config) prometheusAddress() (string, error) {
	if c.promAddr != "" {
		if _, _, err := net.SplitHostPort(c.promAddr); err != nil {
			return "", fmt.Errorf("%w: WithPrometheusAddress %q: %v", ErrInvalidSetting, c.promAddr, err)
		}
		return c.promAddr, nil
	}
	defHost, defPort, _ := net.SplitHostPort(DefaultPrometheusAddress)
	host := strings.TrimSpace(os.Getenv("OTEL_EXPORTER_PROMETHEUS_HOST"))
	if host == "" {
		host = defHost
	}
	port := strings.TrimSpace(os.Getenv("OTEL_EXPORTER_PROMETHEUS_PORT"))
	if port == "" {
		port = defPort
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%w: OTEL_EXPORTER_PROMETHEUS_PORT %q: want a port number 0-65535", ErrInvalidSetting, port)
	}
	return net.JoinHostPort(host, port), nil
}
