package exporters

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/otelvitals/vitals/internal/spool"
)

func newOTLP(ctx context.Context, cfg config) (sdkmetric.Reader, error) {
	proto, err := cfg.otlpProtocol()
	if err != nil {
		return nil, err
	}
	var endpoint *url.URL
	if cfg.endpoint != "" {
		endpoint, err = url.Parse(cfg.endpoint)
		if err != nil || endpoint.Host == "" || (endpoint.Scheme != "http" && endpoint.Scheme != "https") {
			return nil, fmt.Errorf("%w: WithOTLPEndpoint %q: want a URL such as http://127.0.0.1:4317", ErrInvalidSetting, cfg.endpoint)
		}
	}
	if err := checkHeaders(proto, cfg.headers); err != nil {
		return nil, err
	}
	if cfg.spoolDir != "" {
		if err := (spool.Dir{Path: cfg.spoolDir}).Check(); err != nil {
			return nil, fmt.Errorf("%w: WithSpoolDir %q: %w", ErrInvalidSetting, cfg.spoolDir, err)
		}
	}
	env := readOTLPEnv()
	exp, err := newOTLPExporter(ctx, cfg, env, proto, endpoint)
	if err != nil {
		return nil, fmt.Errorf("OTLP %s exporter: %w", proto, err)
	}
	// The spool is delivered through an exporter of its own: the OTLP
	// exporters hold a lock for the whole of an export, so sharing one
	// would hold the periodic exports, the final one included, behind a
	// delivery to a receiver that is down.
	delivery := func() (sdkmetric.Exporter, error) {
		return newOTLPExporter(context.Background(), cfg, env, proto, endpoint)
	}
	return sdkmetric.NewPeriodicReader(newReliableExporter(exp, cfg, delivery), cfg.periodicOptions(exp)...), nil
}

// newOTLPExporter returns an OTLP exporter over proto. Its retries are
// the reliable exporter's to make, within the caller's deadline: the gRPC
// exporter makes none of its own. The HTTP exporter keeps its own for the
// responses that ask for one (429, 502, 503, 504, honouring Retry-After),
// because the status code reaches the caller only as text, and makes them
// only within the caller's context, with no time limit of its own; the
// reliable exporter retries the rest (connections refused or broken).
//
// env holds what must be set for the SDK to read the environment as the
// specification says (see readOTLPEnv); the options set later win.
func newOTLPExporter(ctx context.Context, cfg config, env otlpEnv, proto string, endpoint *url.URL) (sdkmetric.Exporter, error) {
	if endpoint == nil && os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") == "" {
		// The specification's defaults, plain http on loopback; the Go
		// SDK's own default is the same port over TLS, which a local
		// collector does not speak.
		endpoint = defaultOTLPEndpoint(proto)
	}
	maxWait := cfg.otlpBackoff()
	first := min(firstBackoff, maxWait)
	if proto == ProtocolGRPC {
		opts := append(env.grpcOptions(),
			otlpmetricgrpc.WithDialOption(grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: first, Multiplier: 2, Jitter: 0.2, MaxDelay: maxWait},
				MinConnectTimeout: 5 * time.Second,
			})),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: false}),
		)
		if endpoint != nil {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(endpoint.String()))
		}
		if cfg.headers != nil {
			opts = append(opts, otlpmetricgrpc.WithHeaders(cfg.headers))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	}
	opts := append(env.httpOptions(),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: true, InitialInterval: first, MaxInterval: maxWait, MaxElapsedTime: 0}),
	)
	if endpoint != nil {
		// Like OTEL_EXPORTER_OTLP_ENDPOINT, the option is the base URL;
		// metrics go to /v1/metrics below it.
		u := *endpoint
		u.Path = path.Join("/", u.Path, "v1/metrics")
		opts = append(opts, otlpmetrichttp.WithEndpointURL(u.String()))
	}
	if cfg.headers != nil {
		opts = append(opts, otlpmetrichttp.WithHeaders(cfg.headers))
	}
	return otlpmetrichttp.New(ctx, opts...)
}

// checkHeaders returns an error wrapping ErrInvalidSetting for the first
// header (in name order) that proto cannot send. The error names the
// header, never its value, which is often a secret.
func checkHeaders(proto string, headers map[string]string) error {
	var (
		bad, why string
		found    bool
	)
	for name, value := range headers {
		if w := headerProblem(proto, name, value); w != "" && (!found || name < bad) {
			bad, why, found = name, w, true
		}
	}
	if !found {
		return nil
	}
	return fmt.Errorf("%w: WithOTLPHeaders %q: %s", ErrInvalidSetting, bad, why)
}

// headerProblem says why proto cannot send the header name: value, or "".
// HTTP takes a token (RFC 9110) for a name and any value without control
// characters but tab; gRPC lower-cases names, then takes [0-9a-z-_.], and
// values of printable ASCII unless the name ends in -bin.
func headerProblem(proto, name, value string) string {
	if name == "" {
		return "empty name"
	}
	if proto == ProtocolGRPC {
		name = strings.ToLower(name)
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
				return fmt.Sprintf("the name holds %q; gRPC takes 0-9, a-z, -, _ and . only", c)
			}
		}
		if strings.HasSuffix(name, "-bin") {
			return ""
		}
		for i := 0; i < len(value); i++ {
			if c := value[i]; c < 0x20 || c > 0x7e {
				return fmt.Sprintf("the value holds byte %#02x at %d; gRPC takes printable ASCII only, unless the name ends in -bin", c, i)
			}
		}
		return ""
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return fmt.Sprintf("the name holds %q, which an HTTP header name cannot", c)
		}
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Sprintf("the value holds the control character %#02x at %d (CR and LF would end the header)", c, i)
		}
	}
	return ""
}

// defaultOTLPEndpoint is the specification's default endpoint for proto:
// http://localhost:4317 for gRPC, http://localhost:4318 for HTTP.
func defaultOTLPEndpoint(proto string) *url.URL {
	if proto == ProtocolGRPC {
		return &url.URL{Scheme: "http", Host: "localhost:4317"}
	}
	return &url.URL{Scheme: "http", Host: "localhost:4318"}
}
