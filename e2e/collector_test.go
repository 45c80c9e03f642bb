package e2e_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/semconv"
)

// recording is a fixed set of values recorded through a counter and a
// histogram, with the totals a backend must report for them.
type recording struct {
	run        string
	adds       []int64
	durations  []float64
	wantTotal  int64
	wantSum    float64
	wantCounts []uint64 // per bucket of semconv.LatencyBuckets(), plus the overflow bucket
}

func newRecording(t *testing.T) recording {
	r := recording{
		run:       fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano()),
		adds:      []int64{1, 2, 3, 5, 8, 13, 21},
		durations: []float64{0.00003, 0.0004, 0.0004, 0.02, 0.7, 3, 42},
	}
	bounds := semconv.LatencyBuckets()
	r.wantCounts = make([]uint64, len(bounds)+1)
	for _, v := range r.adds {
		r.wantTotal += v
	}
	for _, d := range r.durations {
		r.wantSum += d
		i, _ := slices.BinarySearch(bounds, d) // buckets are (lo, hi]
		r.wantCounts[i]++
	}
	return r
}

func (r recording) attrs() metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(
		semconv.CacheTypeKey.String("application"),
		semconv.CacheNameKey.String("it"),
		attribute.String("run", r.run),
	))
}

// record records r through the semconv definitions on mp.
func (r recording) record(t *testing.T, mp metric.MeterProvider) {
	t.Helper()
	m := mp.Meter("github.com/otelvitals/vitals/integration")
	ops, err := testCounter.New(m)
	if err != nil {
		t.Fatal(err)
	}
	dur, err := semconv.CacheOperationDuration.New(m)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opt := r.attrs()
	for _, v := range r.adds {
		ops.Add(ctx, v, opt)
	}
	for _, d := range r.durations {
		dur.Record(ctx, d, opt)
	}
}

// TestOTLPToCollector records through vitals.Start with the OTLP exporter
// chosen by the standard environment variables, over gRPC and over
// HTTP/protobuf, and reads the exact values back from a real collector's
// file output after Shutdown.
func TestOTLPToCollector(t *testing.T) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			endpoint := col.HTTPEndpoint
			if proto == exporters.ProtocolGRPC {
				endpoint = col.GRPCEndpoint
			}
			t.Setenv("OTEL_METRICS_EXPORTER", "otlp")
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", proto)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
			t.Setenv("OTEL_SERVICE_NAME", "vitals-integration")
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sys, err := vitals.Start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rec := newRecording(t)
			rec.record(t, sys.MeterProvider())
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}

			match := map[string]string{"run": rec.run}
			sum, err := col.WaitLast(ctx, testCounter.Name, match, func(p testbackend.Point) bool {
				return p.Int == rec.wantTotal
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Type != "sum" || !sum.Monotonic || !sum.Cumulative || !sum.IsInt {
				t.Errorf("counter arrived as %+v, want a cumulative monotonic int sum", sum)
			}
			if sum.Unit != testCounter.Unit || sum.Attrs[string(semconv.CacheNameKey)] != "it" {
				t.Errorf("unit %q attrs %v", sum.Unit, sum.Attrs)
			}
			if got := sum.Resource["service.name"]; got != "vitals-integration" {
				t.Errorf("service.name = %q, want vitals-integration", got)
			}
			if got := sum.Resource["deployment.environment.name"]; got != "test" {
				t.Errorf("OTEL_RESOURCE_ATTRIBUTES not applied: %v", sum.Resource)
			}

			hist, err := col.WaitLast(ctx, semconv.CacheOperationDuration.Name, match, func(p testbackend.Point) bool {
				return p.Count == uint64(len(rec.durations))
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(hist.Bounds, semconv.LatencyBuckets()) {
				t.Errorf("bounds %v, want %v", hist.Bounds, semconv.LatencyBuckets())
			}
			if !slices.Equal(hist.BucketCounts, rec.wantCounts) {
				t.Errorf("bucket counts %v, want %v", hist.BucketCounts, rec.wantCounts)
			}
			if hist.Sum != rec.wantSum {
				t.Errorf("sum %v, want %v", hist.Sum, rec.wantSum)
			}
		})
	}
}

// TestPrometheusServerScrapes records through vitals.Start with the
// Prometheus exporter chosen by OTEL_METRICS_EXPORTER and checks that a real
// Prometheus server scraping it answers the exact values on /api/v1/query.
func TestPrometheusServerScrapes(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0")
	t.Setenv("OTEL_SERVICE_NAME", "vitals-integration")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sys, err := vitals.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	var addr net.Addr
	for _, r := range sys.Readers() {
		if pr, ok := r.(*exporters.PrometheusReader); ok {
			addr = pr.Addr()
		}
	}
	if addr == nil {
		t.Fatalf("no Prometheus reader among %v", sys.Readers())
	}
	prom := testbackend.StartPrometheus(t, addr.String())

	rec := newRecording(t)
	rec.record(t, sys.MeterProvider())

	sel := fmt.Sprintf(`{run=%q, vitals_cache_name="it"}`, rec.run)
	checks := []struct {
		query string
		want  float64
	}{
		{"test_requests_total" + sel, float64(rec.wantTotal)},
		{"vitals_cache_operation_duration_seconds_count" + sel, float64(len(rec.durations))},
		{"vitals_cache_operation_duration_seconds_sum" + sel, rec.wantSum},
	}
	bounds := semconv.LatencyBuckets()
	var cumulative uint64
	for i, b := range bounds {
		cumulative += rec.wantCounts[i]
		// Prometheus scrapes in OpenMetrics, which the endpoint offers,
		// and OpenMetrics writes an integral bound as a float: le="1.0".
		le := strconv.FormatFloat(b, 'g', -1, 64)
		if !strings.ContainsAny(le, ".e") {
			le += ".0"
		}
		checks = append(checks, struct {
			query string
			want  float64
		}{fmt.Sprintf(`vitals_cache_operation_duration_seconds_bucket{run=%q, le=%q}`, rec.run, le), float64(cumulative)})
	}
	for _, c := range checks {
		res, err := prom.WaitFor(ctx, c.query, func(s []testbackend.Sample) bool {
			return len(s) == 1 && s[0].Value == c.want
		})
		if err != nil {
			t.Fatalf("%s: want %v: %v", c.query, c.want, err)
		}
		if job := res[0].Labels["job"]; job != "vitals" {
			t.Errorf("%s: job %q, want the scrape job vitals", c.query, job)
		}
	}
}
