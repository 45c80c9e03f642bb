package demo_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/otelvitals/vitals/e2e/internal/testbackend"
)

// TestDemoSpanInPrometheusExemplars runs the demo without its load, sends
// it one request as part of a trace (a W3C traceparent header, which the
// demo's otelhttp server continues), and has a real Prometheus (exemplar
// storage on) scrape it: the trace's ID is found in Prometheus' exemplar
// API on vitals' endpoint durations and on the request's cache lookups.
func TestDemoSpanInPrometheusExemplars(t *testing.T) {
	d := startDemo(t, "-rate", "0")
	defer d.stop(t)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest(http.MethodGet, "http://"+d.addr+"/api/users/42", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	req.Header.Set("X-User", "trace-user")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	prom := testbackend.StartPrometheus(t, d.metricsAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, series := range []string{
		`vitals_feature_use_duration_seconds_bucket{vitals_feature_name="/api/users"}`,
		`vitals_cache_operation_duration_seconds_bucket{vitals_cache_name="users"}`,
	} {
		for {
			ex, err := prom.Exemplars(ctx, series)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range ex {
				found = found || e.Labels["trace_id"] == traceID
			}
			if found {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no exemplar of %s carries the request's trace %s; last answer %+v\n%s", series, traceID, ex, d.tail())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}
