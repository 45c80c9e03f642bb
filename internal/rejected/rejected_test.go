package rejected

import (
	"context"
	"math"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

func TestCounter(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	c, err := semconv.InputRejected.New(mp.Meter("test"))
	if err != nil {
		t.Fatal(err)
	}
	r := New(c, semconv.SignalQueue, "negative_depth")
	if n := testing.AllocsPerRun(100, func() { r.Add("negative_depth") }); n != 0 {
		t.Errorf("a known reason allocates %v times", n)
	}
	r.Add("other")
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, p := range rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints {
		reason, _ := p.Attributes.Value(semconv.ErrorTypeKey)
		signal, _ := p.Attributes.Value(semconv.SignalKey)
		if signal.AsString() != semconv.SignalQueue {
			t.Errorf("signal %q", signal.AsString())
		}
		got[reason.AsString()] = p.Value
	}
	if got["negative_depth"] != 101 || got["other"] != 1 {
		t.Fatalf("counts %v", got)
	}
}

// TestDurationReason checks which durations cannot be recorded, and why.
func TestDurationReason(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                 "",
		time.Second:       "",
		math.MaxInt64 - 1: "",
		-1:                ReasonNegativeDuration,
		math.MinInt64:     ReasonNegativeDuration,
		math.MaxInt64:     ReasonInfiniteDuration,
	} {
		if got := DurationReason(d); got != want {
			t.Errorf("DurationReason(%d) = %q, want %q", int64(d), got, want)
		}
	}
}
