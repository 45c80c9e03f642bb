package testbackend

import (
	"context"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// TestCollectorRestartKeepsFile sends a counter to a real collector over
// OTLP/gRPC with the plain SDK, kills and restarts the collector, sends
// more, and checks that Points reads every value from before and after the
// restart: the harness the reliability tests build on.
func TestCollectorRestartKeepsFile(t *testing.T) {
	col := StartCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	send := func(run string, n int64) {
		t.Helper()
		exp, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpointURL(col.GRPCEndpoint))
		if err != nil {
			t.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)))
		c, err := mp.Meter("testbackend").Int64Counter("harness.sent")
		if err != nil {
			t.Fatal(err)
		}
		c.Add(ctx, n, metric.WithAttributes(attribute.String("run", run)))
		if err := mp.Shutdown(ctx); err != nil {
			t.Fatalf("export to the collector: %v", err)
		}
	}
	want := func(run string, n int64) {
		t.Helper()
		p, err := col.WaitLast(ctx, "harness.sent", map[string]string{"run": run}, func(p Point) bool { return p.Int == n })
		if err != nil {
			t.Fatal(err)
		}
		if p.Type != "sum" || !p.Monotonic || !p.Cumulative {
			t.Errorf("point %+v is not a cumulative monotonic sum", p)
		}
	}

	send("before", 5)
	want("before", 5)
	col.Kill()
	if err := col.Start(); err != nil {
		t.Fatal(err)
	}
	send("after", 7)
	want("after", 7)
	want("before", 5) // the file was appended to, not truncated, by the restart
}

// TestPrometheusQueriesCollector points a real Prometheus server at the
// collector's Prometheus exporter and reads a value sent over OTLP/HTTP.
func TestPrometheusQueriesCollector(t *testing.T) {
	col := StartCollector(t)
	prom := StartPrometheus(t, col.PrometheusAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(col.HTTPEndpoint+"/v1/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)))
	c, _ := mp.Meter("testbackend").Int64Counter("harness.requests")
	c.Add(ctx, 11, metric.WithAttributes(attribute.String("route", "/x")))
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := prom.WaitFor(ctx, `harness_requests_total{route="/x"}`, func(s []Sample) bool {
		return len(s) == 1 && s[0].Value == 11
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Labels["job"] != "vitals" {
		t.Errorf("labels %v: want the scrape job vitals", res[0].Labels)
	}
}

func TestQueryRejectsBadPromQL(t *testing.T) {
	col := StartCollector(t)
	prom := StartPrometheus(t, col.PrometheusAddr)
	if _, err := prom.Query(context.Background(), "sum(("); err == nil {
		t.Fatal("a malformed query returned no error")
	}
}

// TestCollectorRetriesTakenPort hands the first collector a gRPC port that
// another listener holds, as when a port found free is taken before the
// collector binds it: StartCollector starts one on other ports.
func TestCollectorRetriesTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	draw := collectorPorts
	calls := 0
	collectorPorts = func(t testing.TB) (int, int, int) {
		calls++
		g, h, p := draw(t)
		if calls == 1 {
			g = taken.Addr().(*net.TCPAddr).Port
		}
		return g, h, p
	}
	defer func() { collectorPorts = draw }()

	c := StartCollector(t)
	if calls != 2 {
		t.Errorf("ports drawn %d times, want 2", calls)
	}
	if c.GRPCEndpoint == "http://"+taken.Addr().String() {
		t.Errorf("the collector kept the taken port %s", c.GRPCEndpoint)
	}
	if err := c.proc.waitHTTP(c.PrometheusURL, 5*time.Second); err != nil {
		t.Errorf("the collector does not serve: %v", err)
	}
}
