package vitals

import (
	"context"
	"errors"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/exporters"
)

// startDeclarative builds the SDK of the declarative configuration file
// OTEL_CONFIG_FILE names and starts the trackers under its MeterProvider,
// with vitals' views, WithView's, the cardinality limit and WithReader's
// readers added to it. The file's readers are otelconf's, which no
// producer can reach, so the trackers get none: they report through the
// provider's instruments, which every reader, the file's and WithReader's,
// collects. A producer of WithProducer would reach WithReader's readers
// only, and is not used.
func (s *System) startDeclarative(ctx context.Context, o options) (*System, error) {
	opts := []sdkmetric.Option{
		sdkmetric.WithView(o.views...),
		sdkmetric.WithView(givingWay(Views(), o.views)...),
		sdkmetric.WithCardinalityLimit(s.config.CardinalityLimit),
	}
	for _, r := range o.readers {
		opts = append(opts, sdkmetric.WithReader(r))
	}
	d, err := exporters.NewDeclarative(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("vitals: %w", err)
	}
	s.declarative = d
	s.provider = d.MeterProvider()
	s.resource = d.Resource()
	s.readers = append([]sdkmetric.Reader(nil), o.readers...)
	if err := s.startTrackers(); err != nil {
		return nil, errors.Join(err, s.Shutdown(ctx))
	}
	return s, nil
}
