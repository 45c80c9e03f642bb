package exporters

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
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
	bridge     sdkmetric.Producer // OTEL_METRICS_PRODUCERS=prometheus: the client_golang default registry; nil: none
	backoff    time.Duration      // 0: DefaultOTLPBackoff
	spoolDir   string             // "": no spool
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
// OTEL_EXPORTER_OTLP_HEADERS. The map is copied. A header that cannot be
// sent, such as a value holding CR or LF, or over gRPC a name outside
// [0-9a-z-_.] (names are lower-cased) or a value outside printable ASCII
// unless the name ends in -bin, makes [New] fail with [ErrInvalidSetting]
// naming the header (never its value). Such a header from the environment
// makes every export fail at once, reported as [ErrPermanent] and not
// retried.
func WithOTLPHeaders(headers map[string]string) Option {
	return optionFunc(func(c *config) { c.headers = maps.Clone(headers) })
}

// WithPrometheusAddress sets the host:port the Prometheus endpoint listens
// on, overriding OTEL_EXPORTER_PROMETHEUS_HOST and _PORT. The port is a
// number from 0 to 65535; port 0 picks a free port, and
// [PrometheusReader.Addr] tells which.
func WithPrometheusAddress(hostport string) Option {
	return optionFunc(func(c *config) { c.promAddr = hostport })
}

// Floors of the durations the options and environment variables set:
// smaller values, typically a bare number where a unit was meant
// (WithExportInterval(5) is 5ns), are raised to them.
const (
	// MinExportInterval is the shortest export interval of the periodic
	// readers: a shorter one would have them collect and export in a loop.
	MinExportInterval = 100 * time.Millisecond
	// MinExportTimeout is the shortest export timeout.
	MinExportTimeout = 10 * time.Millisecond
	// MinOTLPBackoff is the shortest cap of [WithOTLPBackoff]: a shorter one
	// would have a failing export tried again in a busy loop.
	MinOTLPBackoff = 10 * time.Millisecond
)

// WithExportInterval sets how often the periodic readers (OTLP, console)
// export, overriding OTEL_METRIC_EXPORT_INTERVAL. Values <= 0 are ignored;
// values below [MinExportInterval], here or in the environment variable,
// are raised to it.
func WithExportInterval(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.interval = d
		}
	})
}

// WithExportTimeout bounds each export of the periodic readers, overriding
// OTEL_METRIC_EXPORT_TIMEOUT; it also bounds each attempt to deliver a
// spooled export (see [WithSpoolDir]). Values <= 0 are ignored; values
// below [MinExportTimeout], here or in the environment variable, are
// raised to it.
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
// OTEL_METRICS_PRODUCERS adds its own beside it (see the package
// documentation); in code, the equivalent of OTEL_METRICS_PRODUCERS=prometheus
// for the periodic readers is WithProducer(prometheus.NewMetricProducer())
// of go.opentelemetry.io/contrib/bridges/prometheus (the Prometheus
// exporter drops what that bridge produces).
func WithProducer(p sdkmetric.Producer) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.producers = append(c.producers, p)
		}
	})
}

// WithOTLPBackoff caps the wait between attempts to reach the OTLP
// receiver: the gRPC connection's reconnects and the retries of an export
// that failed because the receiver was unreachable start at 100ms and
// double up to max. The default, [DefaultOTLPBackoff], is far below the gRPC
// default of two minutes, so that exports resume within seconds of a
// collector's restart. Values <= 0 keep the default; values below
// [MinOTLPBackoff] are raised to it.
func WithOTLPBackoff(max time.Duration) Option {
	return optionFunc(func(c *config) {
		if max > 0 {
			c.backoff = max
		}
	})
}

// WithSpoolDir turns on the spool of the OTLP exporter: if its last export
// still cannot be delivered when it shuts down (the receiver is down while
// the service stops), that export is written to a file in dir, created if
// needed with owner-only permissions, and the next OTLP exporter made with
// the same dir (normally the service's next start) delivers it in the
// background, through an exporter of its own so that it never holds up the
// periodic exports, and removes the file. A file the receiver refuses for
// good ([ErrPermanent]) is dropped and reported through
// [go.opentelemetry.io/otel.Handle]; while the receiver is unreachable a
// file is kept and tried again, until the exporter shuts down. With cumulative temporality, the
// default, the last export holds every total, so a service and its
// collector restarting together lose nothing; under delta temporality
// (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta) it holds the
// last interval only. At most 16 files are kept, the oldest dropped first;
// exemplars are not spooled. Processes running side by side need a dir
// each, or both deliver the same files. "" (the default) means no spool.
//
// The files are written readable by their owner only (mode 0600), and
// whatever a file in dir holds is delivered with the service's
// credentials, so dir must be the service's own: [New] fails with
// [ErrInvalidSetting] if dir is a symbolic link or not a directory, or
// (except on Windows) if group or others may write in it (mode 0777, for
// instance, or a shared directory such as /tmp) or it belongs to another
// user. vitals never changes the mode of an existing directory; give it
// one of mode 0700, or a path that does not exist yet, which it creates
// with mode 0700.
func WithSpoolDir(dir string) Option {
	return optionFunc(func(c *config) { c.spoolDir = dir })
}

func (c config) otlpBackoff() time.Duration {
	if c.backoff > 0 {
		return c.backoff
	}
	return DefaultOTLPBackoff
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
	c.bridge = envBridge()
	// The SDK reads the environment variables itself when no option is
	// set, and hands any positive value to its ticker; read them first so
	// that their values get the same floors. A value the SDK would refuse
	// is left to it, to warn and use its default.
	if c.interval == 0 {
		c.interval = envMillis("OTEL_METRIC_EXPORT_INTERVAL")
	}
	if c.timeout == 0 {
		c.timeout = envMillis("OTEL_METRIC_EXPORT_TIMEOUT")
	}
	c.interval = raise(c.interval, MinExportInterval)
	c.timeout = raise(c.timeout, MinExportTimeout)
	c.backoff = raise(c.backoff, MinOTLPBackoff)
	return c
}

// raise returns d raised to floor, or 0 (unset) for d <= 0.
func raise(d, floor time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return max(d, floor)
}

// envMillis returns the environment variable key as a number of
// milliseconds, or 0 if it is unset or not a positive number that fits a
// time.Duration.
func envMillis(key string) time.Duration {
	ms, err := strconv.ParseInt(os.Getenv(key), 10, 64)
	if err != nil || ms <= 0 || ms > int64(math.MaxInt64/time.Millisecond) {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// exporterNames returns the exporters to build: the option's list, else
// OTEL_METRICS_EXPORTER's, else "otlp"; lower-cased, trimmed and without
// duplicates. In the option an unknown or empty name, or "none" beside
// another name, is an error; in the environment it is reported through
// otel.Handle and ignored, as the specification asks, and a list left
// with no name means the default, "otlp".
func (c config) exporterNames() ([]string, error) {
	if c.exporters == nil {
		return envExporterNames(), nil
	}
	names := c.exporters
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch n {
		case OTLP, Prometheus, Console, None:
		case "":
			return nil, fmt.Errorf("%w: empty name in WithExporters %q", ErrUnknownExporter, strings.Join(names, ","))
		default:
			return nil, fmt.Errorf("%w: %q in WithExporters (want %s, %s, %s or %s)",
				ErrUnknownExporter, n, OTLP, Prometheus, Console, None)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if seen[None] && len(out) > 1 {
		return nil, fmt.Errorf("%w: %q cannot be combined with other exporters in WithExporters %q",
			ErrUnknownExporter, None, strings.Join(names, ","))
	}
	if seen[None] {
		return nil, nil
	}
	return out, nil
}

// envExporterNames returns the exporters OTEL_METRICS_EXPORTER names.
// Unknown and empty members ("logging", which the specification tells new
// implementations not to support, is one), and "none" beside other names,
// are reported once each and ignored; if no name is left, the default
// "otlp" applies.
func envExporterNames() []string {
	const key = "OTEL_METRICS_EXPORTER"
	env := os.Getenv(key)
	if strings.TrimSpace(env) == "" {
		return []string{OTLP}
	}
	var out, ignored []string
	seen := map[string]bool{}
	none := false
	for _, n := range strings.Split(env, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		switch n {
		case OTLP, Prometheus, Console:
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		case None:
			none = true
		default:
			if !seen[n] {
				seen[n] = true
				ignored = append(ignored, fmt.Sprintf("the member %.40q is ignored", n))
			}
		}
	}
	// One warning for the variable, saying all that is done about it.
	want := fmt.Sprintf("a list of %s, %s, %s or %s", OTLP, Prometheus, Console, None)
	switch {
	case none && len(out) > 0:
		warnEnv(key, env, fmt.Sprintf("%s alone or a list of other names", None), strings.Join(append(ignored, fmt.Sprintf("%s is ignored", None)), "; "))
	case none:
		if len(ignored) > 0 {
			warnEnv(key, env, want, strings.Join(ignored, "; "))
		}
		return nil
	case len(out) == 0:
		warnEnv(key, env, want, strings.Join(append(ignored, "using the default, "+OTLP), "; "))
		return []string{OTLP}
	case len(ignored) > 0:
		warnEnv(key, env, want, strings.Join(ignored, "; "))
	}
	return out
}

// otlpProtocol returns the OTLP transport: the option's, else the
// environment's, else http/protobuf. An unknown protocol is an error in the
// option; in OTEL_EXPORTER_OTLP_METRICS_PROTOCOL it is reported and
// ignored, so that OTEL_EXPORTER_OTLP_PROTOCOL applies, and in that one it
// is reported and ignored, so that the default applies.
func (c config) otlpProtocol() (string, error) {
	if c.protocol != "" {
		switch p := strings.TrimSpace(c.protocol); p {
		case ProtocolGRPC, ProtocolHTTPProtobuf:
			return p, nil
		default:
			return "", fmt.Errorf("%w: %q in WithOTLPProtocol (want %s or %s)", ErrUnsupportedProtocol, c.protocol, ProtocolGRPC, ProtocolHTTPProtobuf)
		}
	}
	p := envEnum("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "using OTEL_EXPORTER_OTLP_PROTOCOL's or "+ProtocolHTTPProtobuf, ProtocolGRPC, ProtocolHTTPProtobuf)
	if p == "" {
		p = envEnum("OTEL_EXPORTER_OTLP_PROTOCOL", "using "+ProtocolHTTPProtobuf, ProtocolGRPC, ProtocolHTTPProtobuf)
	}
	if p == "" {
		p = ProtocolHTTPProtobuf
	}
	return p, nil
}

// prometheusAddress returns host:port for the Prometheus endpoint: the
// option's, which must be valid, else the environment's host and port,
// else the default's. A port in OTEL_EXPORTER_PROMETHEUS_PORT that is not
// a port number is reported and ignored.
func (c config) prometheusAddress() (string, error) {
	if c.promAddr != "" {
		_, port, err := net.SplitHostPort(c.promAddr)
		if err == nil && !validPort(port) {
			err = errors.New("want a port number 0-65535")
		}
		if err != nil {
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
	if port != "" && !validPort(port) {
		warnEnv("OTEL_EXPORTER_PROMETHEUS_PORT", port, "a port number 0-65535", "ignored, using "+defPort)
		port = ""
	}
	if port == "" {
		port = defPort
	}
	return net.JoinHostPort(host, port), nil
}

// validPort reports whether port is a port number, 0 to 65535.
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}
