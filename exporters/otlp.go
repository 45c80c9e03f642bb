package exporters

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
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
	maxWait := cfg.otlpBackoff()
	first := min(firstBackoff, maxWait)
	var exp sdkmetric.Exporter
	switch proto {
	case ProtocolGRPC:
		opts := []otlpmetricgrpc.Option{
			otlpmetricgrpc.WithDialOption(grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: first, Multiplier: 2, Jitter: 0.2, MaxDelay: maxWait},
				MinConnectTimeout: 5 * time.Second,
			})),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: true, InitialInterval: first, MaxInterval: maxWait, MaxElapsedTime: time.Minute}),
		}
		if endpoint != nil {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(endpoint.String()))
		}
		if cfg.headers != nil {
			opts = append(opts, otlpmetricgrpc.WithHeaders(cfg.headers))
		}
		exp, err = otlpmetricgrpc.New(ctx, opts...)
	default:
		opts := []otlpmetrichttp.Option{
			otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: true, InitialInterval: first, MaxInterval: maxWait, MaxElapsedTime: time.Minute}),
		}
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
		exp, err = otlpmetrichttp.New(ctx, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP %s exporter: %w", proto, err)
	}
	return sdkmetric.NewPeriodicReader(newReliableExporter(exp, cfg), cfg.periodicOptions(exp)...), nil
}
