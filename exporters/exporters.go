package exporters

import (
	"context"
	"errors"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

var (
	// ErrUnknownExporter is returned for an exporter name given to
	// [WithExporters] other than otlp, prometheus, console and none, or
	// for none combined with another. In OTEL_METRICS_EXPORTER such names
	// are reported and ignored.
	ErrUnknownExporter = errors.New("exporters: unknown exporter")
	// ErrUnsupportedProtocol is returned for an OTLP protocol given to
	// [WithOTLPProtocol] other than grpc and http/protobuf. In the
	// environment such a protocol is reported and ignored.
	ErrUnsupportedProtocol = errors.New("exporters: unsupported OTLP protocol")
	// ErrInvalidSetting is returned for an option that cannot be used, such
	// as a malformed address or endpoint URL, and wrapped by the warnings,
	// through otel.Handle, about environment values that are ignored.
	ErrInvalidSetting = errors.New("exporters: invalid setting")
)

// New returns one reader for each configured exporter, in the order they are
// named (see the package documentation for the environment variables and
// their defaults). With "none" it returns no readers and no error.
//
// On error no reader is left running: those already built are shut down.
// The caller owns the readers; passing them to a MeterProvider makes the
// provider's Shutdown shut them down. A nil ctx is taken as
// context.Background().
func New(ctx context.Context, opts ...Option) ([]sdkmetric.Reader, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := newConfig(opts)
	names, err := cfg.exporterNames()
	if err != nil {
		return nil, err
	}
	readers := make([]sdkmetric.Reader, 0, len(names))
	for _, name := range names {
		var r sdkmetric.Reader
		switch name {
		case OTLP:
			r, err = newOTLP(ctx, cfg)
		case Prometheus:
			r, err = newPrometheus(cfg)
		case Console:
			r, err = newConsole(cfg)
		}
		if err != nil {
			for _, built := range readers {
				err = errors.Join(err, built.Shutdown(ctx))
			}
			return nil, fmt.Errorf("exporters: building %s: %w", name, err)
		}
		readers = append(readers, r)
	}
	return readers, nil
}

// NewOTLP returns a periodic reader exporting over OTLP, with the protocol,
// endpoint and headers of the options, else of the environment. A nil ctx
// is taken as context.Background().
func NewOTLP(ctx context.Context, opts ...Option) (sdkmetric.Reader, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return newOTLP(ctx, newConfig(opts))
}

// NewPrometheus returns a reader serving the Prometheus text format on
// /metrics at the options' address, else the environment's, else
// [DefaultPrometheusAddress]. It is listening when NewPrometheus returns.
func NewPrometheus(opts ...Option) (*PrometheusReader, error) {
	return newPrometheus(newConfig(opts))
}

// NewConsole returns a periodic reader writing each export as JSON to the
// console writer (os.Stdout unless [WithConsoleWriter] says otherwise).
func NewConsole(opts ...Option) (sdkmetric.Reader, error) {
	return newConsole(newConfig(opts))
}

// periodicOptions returns the options of a periodic reader of cfg
// exporting through exp; unset ones leave the SDK to read
// OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT.
func (c config) periodicOptions(exp sdkmetric.Exporter) []sdkmetric.PeriodicReaderOption {
	var opts []sdkmetric.PeriodicReaderOption
	if c.interval > 0 {
		opts = append(opts, sdkmetric.WithInterval(c.interval))
	}
	if c.timeout > 0 {
		opts = append(opts, sdkmetric.WithTimeout(c.timeout))
	}
	for _, p := range c.producers {
		opts = append(opts, sdkmetric.WithProducer(producerFor(p, exp)))
	}
	if c.bridge != nil {
		opts = append(opts, sdkmetric.WithProducer(c.bridge))
	}
	return opts
}

// TemporalProducer is a producer that can produce in the temporality of
// the reader it serves, as vitals.Producer does: its sums and histograms
// are kept cumulative, so an exporter that asks delta of them
// (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta or lowmemory)
// needs a view of its own.
type TemporalProducer interface {
	sdkmetric.Producer
	// ForTemporality returns a producer of the same metrics for one
	// reader, whose sums and histograms take the temporality sel gives
	// their instrument kind. Its output may be reused by its next Produce.
	ForTemporality(sel sdkmetric.TemporalitySelector) sdkmetric.Producer
}

// producerFor returns p for a reader exporting through exp: a
// [TemporalProducer] gets a view of its own, in exp's temporality, which
// reuses its buffers from one collection of that reader to the next;
// other producers are given as they are.
func producerFor(p sdkmetric.Producer, exp sdkmetric.Exporter) sdkmetric.Producer {
	if tp, ok := p.(TemporalProducer); ok {
		return tp.ForTemporality(exp.Temporality)
	}
	return p
}
