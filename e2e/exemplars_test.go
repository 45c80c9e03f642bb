package e2e_test

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// TestExemplarsReachPrometheus records a feature use, a cache lookup and a
// queue wait inside a span of a real TracerProvider, with exemplars on, and
// has a real Prometheus (exemplar storage on) scrape vitals' endpoint: each
// of the three histograms' exemplars, read back from
// /api/v1/query_exemplars, carries the span's trace ID.
func TestExemplarsReachPrometheus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr := closedAddr(t)
	sys, err := vitals.Start(ctx, vitals.WithConfig(vitals.Config{Exemplars: true}),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.Prometheus), exporters.WithPrometheusAddress(addr)))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())

	spanCtx, span := tp.Tracer("e2e").Start(ctx, "checkout")
	sys.Features().Feature(feature.TypeAPIEndpoint, "/checkout").Record(spanCtx, "u1", feature.PatternDirectCall, 12*time.Millisecond, true)
	sys.Caches().Cache(cache.TypeApplication, "carts").HitContext(spanCtx, 300*time.Microsecond)
	sys.Queues().Queue(queue.TypeHTTP, "admission", 8).Enter().LeaveContext(spanCtx)
	span.End()
	traceID := span.SpanContext().TraceID().String()

	prom := testbackend.StartPrometheus(t, addr)
	for _, series := range []string{
		"vitals_feature_use_duration_seconds_bucket",
		"vitals_cache_operation_duration_seconds_bucket",
		"vitals_queue_wait_duration_seconds_bucket",
	} {
		var last []testbackend.Exemplar
		for {
			ex, err := prom.Exemplars(ctx, series)
			if err != nil {
				t.Fatal(err)
			}
			last = ex
			found := false
			for _, e := range ex {
				found = found || e.Labels["trace_id"] == traceID
			}
			if found {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no exemplar of %s carries trace %s; last answer %+v", series, traceID, last)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}
