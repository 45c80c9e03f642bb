package exporters

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/produce"
	"github.com/otelvitals/vitals/semconv"
)

// otherProducer is a producer that is not a TemporalProducer.
type otherProducer struct{}

func (otherProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) { return nil, nil }

// counterSource emits one counter point, for the views to report.
type counterSource struct{ attrs *core.Attrs }

func (counterSource) Scope() string    { return "test" }
func (counterSource) Start() time.Time { return time.Unix(0, 0) }
func (counterSource) Metrics() []semconv.Metric {
	return []semconv.Metric{{Name: "n", Kind: semconv.KindInt64ObservableCounter}}
}
func (s counterSource) Collect(out core.Sink) { out.Int64(0, s.attrs, 1) }

// TestProducerForFollowsTheExporter checks that a TemporalProducer (vitals'
// own) is given to each reader as a view of its own, in the temporality
// its exporter asks of each kind, and that other producers are never changed.
func TestProducerForFollowsTheExporter(t *testing.T) {
	hub := core.NewHub()
	hub.Attach(counterSource{attrs: core.NewAttrs()})
	var reg sdkmetric.Producer = produce.New(hub)
	other := sdkmetric.Producer(otherProducer{})
	otlp := func(t *testing.T) sdkmetric.Exporter {
		t.Helper()
		exp, err := otlpmetrichttp.New(context.Background(), otlpmetrichttp.WithEndpointURL("http://127.0.0.1:1/v1/metrics"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
		return exp
	}
	console := func(t *testing.T) sdkmetric.Exporter {
		exp, err := stdoutmetric.New()
		if err != nil {
			t.Fatal(err)
		}
		return exp
	}
	for _, tc := range []struct {
		name, pref string
		exporter   func(*testing.T) sdkmetric.Exporter
		want       metricdata.Temporality
	}{
		{"delta", "delta", otlp, metricdata.DeltaTemporality},
		// lowmemory keeps observable counters, as vitals' counters are,
		// cumulative: only synchronous counters and histograms are delta.
		{"lowmemory", "lowmemory", otlp, metricdata.CumulativeTemporality},
		{"cumulative", "cumulative", otlp, metricdata.CumulativeTemporality},
		{"console", "", console, metricdata.CumulativeTemporality},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", tc.pref)
			exp := tc.exporter(t)
			first, second := producerFor(reg, exp), producerFor(reg, exp)
			if first == reg || second == reg || first == second {
				t.Errorf("%p and %p, want two views apart from %p", first, second, reg)
			}
			sm, err := first.Produce(context.Background())
			if err != nil || len(sm) != 1 {
				t.Fatalf("Produce: %v, %v", sm, err)
			}
			if got := sm[0].Metrics[0].Data.(metricdata.Sum[int64]).Temporality; got != tc.want {
				t.Errorf("temporality %v, want %v", got, tc.want)
			}
			if got := producerFor(other, exp); got != other {
				t.Error("another producer was replaced")
			}
		})
	}
}
