package exporters

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	promexporter "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// PrometheusReader is a reader that serves the metrics of its MeterProvider
// in the Prometheus text format on /metrics. Each scrape collects; nothing
// is exported in the background. Its own Prometheus registry holds only the
// provider's metrics, not those of the client_golang default registry,
// which it serves beside them with OTEL_METRICS_PRODUCERS=prometheus.
//
// It is safe for concurrent use. Shutdown stops the HTTP server and the
// reader; it is idempotent.
type PrometheusReader struct {
	sdkmetric.Reader

	addr      net.Addr
	lis       net.Listener
	server    *http.Server
	serveDone chan struct{}
	stopOnce  sync.Once
	stopErr   error
}

// Addr returns the address the endpoint listens on; with port 0 requested,
// it tells the port chosen.
func (r *PrometheusReader) Addr() net.Addr { return r.addr }

// URL returns the URL of the /metrics endpoint.
func (r *PrometheusReader) URL() string { return "http://" + r.addr.String() + "/metrics" }

// Shutdown stops the HTTP server, waiting for scrapes in flight until ctx is
// done, and then the reader. The port is free when it returns. It is
// idempotent.
func (r *PrometheusReader) Shutdown(ctx context.Context) error {
	r.stopOnce.Do(func() {
		err := r.server.Shutdown(ctx)
		// The server closes only the listeners Serve has taken up; close
		// this one too, in case its goroutine has not got that far yet.
		if cerr := r.lis.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
			err = errors.Join(err, cerr)
		}
		select {
		case <-r.serveDone:
		case <-ctx.Done():
			err = errors.Join(err, ctx.Err())
		}
		r.stopErr = errors.Join(err, r.Reader.Shutdown(ctx))
	})
	return r.stopErr
}

// ErrAddressInUse is returned, wrapped with the address and the system's
// error, when the Prometheus endpoint cannot listen because something
// already listens there: another process, or another MeterProvider of
// this one serving its own endpoint on the same port.
var ErrAddressInUse = errors.New("exporters: address already in use")

// addrInUseError is the system's "address already in use", which says so
// already, marked as [ErrAddressInUse].
type addrInUseError struct{ err error }

func (e addrInUseError) Error() string   { return e.err.Error() }
func (e addrInUseError) Unwrap() []error { return []error{ErrAddressInUse, e.err} }

func newPrometheus(cfg config) (*PrometheusReader, error) {
	addr, err := cfg.prometheusAddress()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	promOpts := []promexporter.Option{promexporter.WithRegisterer(reg)}
	for _, p := range cfg.producers {
		if tp, ok := p.(TemporalProducer); ok {
			p = tp.ForTemporality(sdkmetric.DefaultTemporalitySelector) // one of its own, reused scrape to scrape
		}
		promOpts = append(promOpts, promexporter.WithProducer(p))
	}
	exp, err := promexporter.New(promOpts...)
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	lis, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		if addrInUse(err) {
			err = addrInUseError{err}
		}
		return nil, errors.Join(
			fmt.Errorf("prometheus exporter: listening on %s: %w", addr, err),
			exp.Shutdown(context.Background()),
		)
	}
	mux := http.NewServeMux()
	// The OTel Prometheus exporter drops what the client_golang bridge
	// produces, by design: OTEL_METRICS_PRODUCERS=prometheus serves the
	// default registry beside the provider's metrics instead.
	var gatherer prometheus.Gatherer = reg
	if cfg.bridge != nil {
		gatherer = prometheus.Gatherers{reg, prometheus.DefaultGatherer}
	}
	mux.Handle("/metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{
		ErrorLog:      promErrorLog{},
		ErrorHandling: promhttp.ContinueOnError,
		// A scraper that asks for OpenMetrics gets it, with the
		// exemplars the text format cannot carry.
		EnableOpenMetrics: true,
	}))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	r := &PrometheusReader{Reader: exp, addr: lis.Addr(), lis: lis, server: srv, serveDone: make(chan struct{})}
	go func() {
		defer close(r.serveDone)
		err := srv.Serve(lis)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			otel.Handle(fmt.Errorf("exporters: prometheus endpoint %s stopped: %w", lis.Addr(), err))
		}
	}()
	return r, nil
}

// promErrorLog passes the errors of promhttp (a metric that failed to
// gather or encode) to otel.Handle.
type promErrorLog struct{}

func (promErrorLog) Println(v ...any) {
	otel.Handle(fmt.Errorf("exporters: prometheus endpoint: %s", fmt.Sprint(v...)))
}
