package exporters

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/produce"
)

// otherProducer is a producer that is not a TemporalProducer.
type otherProducer struct{}

func (otherProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) { return nil, nil }

// TestProducerForFollowsTheExporter checks that a TemporalProducer (vitals'
// own) is given as a delta view, one per reader, to exporters that ask
// delta, and as itself to the others; other producers are never changed.
func TestProducerForFollowsTheExporter(t *testing.T) {
	var reg sdkmetric.Producer = produce.New(core.NewHub())
	other := sdkmetric.Producer(otherProducer{})
	exporter := func(t *testing.T) sdkmetric.Exporter {
		t.Helper()
		exp, err := otlpmetrichttp.New(context.Background(), otlpmetrichttp.WithEndpointURL("http://127.0.0.1:1/v1/metrics"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
		return exp
	}

	for _, pref := range []string{"delta", "lowmemory"} {
		t.Run(pref, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", pref)
			exp := exporter(t)
			first, second := producerFor(reg, exp), producerFor(reg, exp)
			if first == reg || second == reg || first == second {
				t.Errorf("registry under %s: %p and %p, want two delta views apart from %p", pref, first, second, reg)
			}
			if got := producerFor(other, exp); got != other {
				t.Errorf("another producer was replaced under %s", pref)
			}
		})
	}
	t.Run("cumulative", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "cumulative")
		if got := producerFor(reg, exporter(t)); got != reg {
			t.Error("the registry was replaced for a cumulative exporter")
		}
	})
	t.Run("console", func(t *testing.T) {
		exp, err := stdoutmetric.New()
		if err != nil {
			t.Fatal(err)
		}
		if got := producerFor(reg, exp); got != reg {
			t.Error("the registry was replaced for the console exporter")
		}
	})
}
