package vitals_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/semconv"
	"go.opentelemetry.io/otel/trace"
)

// TestExemplarsOnDurations records, with a sampled trace, a feature use, a
// cache lookup (HitContext), a queue wait (LeaveContext) and a connection's
// lifetime (CloseContext) through a System whose exporters vitals builds,
// and reads the console export: with exemplars asked for, by Config or by
// OTEL_METRICS_EXEMPLAR_FILTER, each duration carries one; without, none.
// The same records without a context carry none either way.
func TestExemplarsOnDurations(t *testing.T) {
	for _, tc := range exemplarCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", tc.env)
			var console bytes.Buffer
			ctx := context.Background()
			sys, err := vitals.Start(ctx, vitals.WithConfig(tc.config),
				vitals.WithExporterOptions(exporters.WithExporters(exporters.Console), exporters.WithConsoleWriter(&console)))
			if err != nil {
				t.Fatal(err)
			}
			traced := sampledContext()
			sys.Features().Feature("endpoint", "search").Record(traced, "u", "api", time.Millisecond, true)
			sys.Caches().Cache("local", "users").HitContext(traced, time.Millisecond)
			sys.Caches().Cache("local", "plain").Hit(time.Millisecond)
			q := sys.Queues().Queue("http", "admission", 10)
			q.Enter().LeaveContext(traced)
			sys.Queues().Queue("http", "plain", 10).Enter().Leave()
			sys.Connections().Pool("database", "main").Open().CloseContext(traced)
			sys.Connections().Pool("database", "plain").Open().Close()
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			m := exportedMetrics(t, console.Bytes())
			for name, points := range map[string]int{
				semconv.FeatureUseDuration.Name:     1,
				semconv.CacheOperationDuration.Name: 2,
				semconv.QueueWaitDuration.Name:      2,
				semconv.ConnectionDuration.Name:     2,
			} {
				// A trace-based filter keeps the traced record's alone;
				// always_on keeps one on every point.
				most := 1
				if tc.env == "always_on" {
					most = points
				}
				got := m[name]
				if got.points != points || (got.exemplars > 0) != tc.want || got.exemplars > most {
					t.Errorf("%s: %d points, %d exemplars; want %d points, exemplars %v (at most %d)", name, got.points, got.exemplars, points, tc.want, most)
				}
			}
		})
	}
}

// TestOpenMetricsExemplars scrapes the Prometheus endpoint Start builds, with
// exemplars on: asked for OpenMetrics, it answers in that format and the
// traced feature duration's bucket carries the trace ID; asked for the text
// format, it answers without exemplars, which that format cannot carry.
func TestOpenMetricsExemplars(t *testing.T) {
	ctx := context.Background()
	addr := closedAddr(t)
	sys, err := vitals.Start(ctx, vitals.WithConfig(vitals.Config{Exemplars: true}),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.Prometheus), exporters.WithPrometheusAddress(addr)))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(ctx)
	sys.Features().Feature("endpoint", "search").Record(sampledContext(), "u", "api", 3*time.Millisecond, true)
	traceID := trace.SpanContextFromContext(sampledContext()).TraceID().String()

	get := func(accept string) (string, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type"), string(body)
	}
	ct, body := get("application/openmetrics-text; version=1.0.0; charset=utf-8")
	if !strings.HasPrefix(ct, "application/openmetrics-text") || !strings.HasSuffix(strings.TrimSpace(body), "# EOF") {
		t.Fatalf("asked for OpenMetrics, got %q:\n%s", ct, body)
	}
	var bucket string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "vitals_feature_use_duration_seconds_bucket{") && strings.Contains(line, " # {") {
			bucket = line
		}
	}
	if !strings.Contains(bucket, `trace_id="`+traceID+`"`) || !strings.Contains(bucket, " 0.003") {
		t.Errorf("no bucket of vitals_feature_use_duration_seconds carries the exemplar of trace %s (value 0.003):\n%s", traceID, body)
	}
	ct, body = get("text/plain")
	if !strings.HasPrefix(ct, "text/plain") || strings.Contains(body, "trace_id") {
		t.Errorf("the text format (%q) carries exemplars:\n%s", ct, body)
	}
}
