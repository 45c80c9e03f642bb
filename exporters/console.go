package exporters

import (
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func newConsole(cfg config) (sdkmetric.Reader, error) {
	exp, err := stdoutmetric.New(stdoutmetric.WithWriter(cfg.consoleOut))
	if err != nil {
		return nil, err
	}
	return sdkmetric.NewPeriodicReader(exp, cfg.periodicOptions(exp)...), nil
}
