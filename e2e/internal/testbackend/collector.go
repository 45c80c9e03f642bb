package testbackend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	collmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// CollectorEnv names the collector binary; the default is
// .cache/otelcol/otelcol-vitals in the repository root, where make
// collector puts it.
const CollectorEnv = "VITALS_OTELCOL"

// Collector is a running OpenTelemetry Collector. It receives OTLP on
// GRPCEndpoint and HTTPEndpoint and writes every request it receives to a
// JSON-lines file (appending across restarts), which [Collector.Points]
// reads back; it also serves what it received in the Prometheus format at
// PrometheusURL.
type Collector struct {
	// GRPCEndpoint is the OTLP/gRPC receiver, as http://127.0.0.1:port.
	GRPCEndpoint string
	// HTTPEndpoint is the OTLP/HTTP receiver, as http://127.0.0.1:port.
	HTTPEndpoint string
	// PrometheusAddr is the host:port of the collector's Prometheus exporter.
	PrometheusAddr string
	// PrometheusURL is the /metrics URL of the collector's Prometheus exporter.
	PrometheusURL string

	file string
	proc *process
}

// StartCollector starts a collector on free loopback ports, waits until it
// listens, and stops it when t ends. It skips or fails t (see the package
// documentation) when the binary is missing.
func StartCollector(t testing.TB) *Collector {
	t.Helper()
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		c := newCollector(t, dir, attempt)
		err := c.Start()
		if err == nil {
			return c
		}
		// A port found free can be taken before the collector binds it;
		// then try other ports.
		if attempt == 3 || !strings.Contains(c.proc.tail(40), "address already in use") {
			t.Fatal(err)
		}
		c.Stop()
	}
}

// collectorPorts returns the gRPC, HTTP and Prometheus ports of a new
// collector; a variable, for a test to hand out a taken one.
var collectorPorts = func(t testing.TB) (grpc, http, prom int) {
	return freePort(t), freePort(t), freePort(t)
}

// newCollector returns an unstarted collector on free loopback ports,
// writing into dir under a name of its attempt.
func newCollector(t testing.TB, dir string, attempt int) *Collector {
	t.Helper()
	grpcPort, httpPort, promPort := collectorPorts(t)
	sub := filepath.Join(dir, strconv.Itoa(attempt))
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &Collector{
		GRPCEndpoint:   fmt.Sprintf("http://127.0.0.1:%d", grpcPort),
		HTTPEndpoint:   fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		PrometheusAddr: fmt.Sprintf("127.0.0.1:%d", promPort),
		file:           filepath.Join(sub, "metrics.jsonl"),
	}
	c.PrometheusURL = "http://" + c.PrometheusAddr + "/metrics"
	config := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
      http:
        endpoint: 127.0.0.1:%d
exporters:
  file:
    path: %s
    format: json
    append: true
    flush_interval: 50ms
  prometheus:
    endpoint: %s
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [file, prometheus]
`, grpcPort, httpPort, c.file, c.PrometheusAddr)
	c.proc = collectorProcess(t, sub, config)
	return c
}

// StartCollectorConfig starts a collector on config, a configuration of
// its own, waits until waitAddr (host:port) accepts connections, and stops
// it when t ends. It skips or fails t as StartCollector does.
func StartCollectorConfig(t testing.TB, config, waitAddr string) {
	t.Helper()
	proc := collectorProcess(t, t.TempDir(), config)
	if err := proc.start(); err != nil {
		t.Fatal(err)
	}
	if err := proc.waitTCP(waitAddr, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// collectorProcess writes config into dir and returns the (unstarted)
// collector process that runs on it, stopped and its log shown on failure
// when t ends. It skips or fails t when the binary is missing.
func collectorProcess(t testing.TB, dir, config string) *process {
	t.Helper()
	bin := binary(CollectorEnv, ".cache/otelcol/otelcol-vitals")
	if bin == "" {
		missing(t, "OpenTelemetry Collector not found (%s or .cache/otelcol/otelcol-vitals; build it with make collector)", CollectorEnv)
	}
	cfgPath := filepath.Join(dir, "otelcol.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := &process{name: "otelcol", bin: bin, args: []string{"--config", cfgPath}, dir: dir, log: filepath.Join(dir, "collector.log")}
	t.Cleanup(func() {
		proc.stop(syscall.SIGTERM, 10*time.Second)
		if t.Failed() {
			t.Logf("collector log (last lines):\n%s", proc.tail(40))
		}
	})
	return proc
}

// Start starts a stopped collector again, on the same ports and file, and
// waits until it listens.
func (c *Collector) Start() error {
	if err := c.proc.start(); err != nil {
		return err
	}
	if err := c.proc.waitTCP(c.GRPCEndpoint[len("http://"):], 20*time.Second); err != nil {
		return err
	}
	return c.proc.waitHTTP(c.PrometheusURL, 20*time.Second)
}

// File returns the path of the collector's JSON-lines output.
func (c *Collector) File() string { return c.file }

// Stop stops the collector gracefully (SIGTERM), letting it flush its file.
func (c *Collector) Stop() { c.proc.stop(syscall.SIGTERM, 10*time.Second) }

// Kill stops the collector at once (SIGKILL), as a crash would.
func (c *Collector) Kill() { c.proc.stop(syscall.SIGKILL, 10*time.Second) }

// Point is one data point the collector received, flattened.
type Point struct {
	// Metric is the metric name; Unit and Description are its unit and
	// description.
	Metric, Unit, Description string
	// Scope is the instrumentation scope name.
	Scope string
	// Resource and Attrs are the resource and data point attributes,
	// rendered as strings.
	Resource, Attrs map[string]string
	// Type is "sum", "gauge" or "histogram".
	Type string
	// Monotonic and Cumulative describe a sum (Cumulative also a histogram).
	Monotonic, Cumulative bool
	// Int holds integer values, and Double float ones (IsInt tells which).
	Int    int64
	Double float64
	IsInt  bool
	// Count, Sum, Bounds and BucketCounts hold a histogram point.
	Count        uint64
	Sum          float64
	Bounds       []float64
	BucketCounts []uint64
	// Time is the point's timestamp.
	Time time.Time
}

// Value returns the point's number as a float64, whichever type it has.
func (p Point) Value() float64 {
	if p.IsInt {
		return float64(p.Int)
	}
	return p.Double
}

// Points returns every data point in the collector's file, in the order
// received.
func (c *Collector) Points() ([]Point, error) {
	f, err := os.Open(c.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1024*1024), 64*1024*1024)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var out []Point
	for i, line := range lines {
		var req collmetricpb.ExportMetricsServiceRequest
		err := unmarshalRequest(line, &req)
		if err != nil && i < len(lines)-1 {
			// A collector killed while writing leaves a partial request,
			// which the restarted collector's first one then follows on
			// the same line: keep that one.
			if at := bytes.LastIndex(line, []byte(`{"resourceMetrics"`)); at > 0 {
				req.Reset()
				err = unmarshalRequest(line[at:], &req)
			}
		}
		if err != nil {
			if i == len(lines)-1 {
				break // the collector is writing this line right now
			}
			return nil, fmt.Errorf("%s line %d: %w", c.file, i+1, err)
		}
		out = append(out, flatten(&req)...)
	}
	return out, nil
}

func unmarshalRequest(b []byte, req *collmetricpb.ExportMetricsServiceRequest) error {
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, req)
}

// Last returns the last point received of metric whose attributes include
// every pair of attrs.
func (c *Collector) Last(metric string, attrs map[string]string) (Point, bool, error) {
	return c.LastFrom(metric, attrs, nil)
}

// LastFrom is Last restricted to points whose resource attributes include
// every pair of resource, to tell apart the processes sharing a collector.
func (c *Collector) LastFrom(metric string, attrs, resource map[string]string) (Point, bool, error) {
	pts, err := c.AllFrom(metric, attrs, resource)
	if err != nil || len(pts) == 0 {
		return Point{}, false, err
	}
	return pts[len(pts)-1], true, nil
}

// AllFrom returns every point received of metric whose attributes include
// every pair of attrs and whose resource attributes include every pair of
// resource, in the order they arrived.
func (c *Collector) AllFrom(metric string, attrs, resource map[string]string) ([]Point, error) {
	pts, err := c.Points()
	if err != nil {
		return nil, err
	}
	var out []Point
	for _, p := range pts {
		if p.Metric == metric && contains(p.Attrs, attrs) && contains(p.Resource, resource) {
			out = append(out, p)
		}
	}
	return out, nil
}

// WaitLast polls until a point of metric with attrs satisfies ok, or ctx
// ends, and returns the last such point seen.
func (c *Collector) WaitLast(ctx context.Context, metric string, attrs map[string]string, ok func(Point) bool) (Point, error) {
	return c.WaitLastFrom(ctx, metric, attrs, nil, ok)
}

// WaitLastFrom is WaitLast restricted to points whose resource attributes
// include every pair of resource.
func (c *Collector) WaitLastFrom(ctx context.Context, metric string, attrs, resource map[string]string, ok func(Point) bool) (Point, error) {
	pts, err := c.WaitAllFrom(ctx, metric, attrs, resource, func(pts []Point) bool {
		return len(pts) > 0 && ok(pts[len(pts)-1])
	})
	switch {
	case err == nil:
		return pts[len(pts)-1], nil
	case ctx.Err() == nil:
		return Point{}, err
	case len(pts) == 0:
		return Point{}, fmt.Errorf("collector received no %s %v: %w", metric, attrs, ctx.Err())
	}
	last := pts[len(pts)-1]
	return last, fmt.Errorf("collector's last %s %v is %+v, not the value wanted: %w", metric, attrs, last, ctx.Err())
}

// WaitAllFrom polls until the points AllFrom returns satisfy ok, or ctx
// ends, and returns the points last seen; at the end of ctx the error
// wraps ctx's.
func (c *Collector) WaitAllFrom(ctx context.Context, metric string, attrs, resource map[string]string, ok func([]Point) bool) ([]Point, error) {
	for {
		pts, err := c.AllFrom(metric, attrs, resource)
		if err != nil {
			return pts, err
		}
		if ok(pts) {
			return pts, nil
		}
		select {
		case <-ctx.Done():
			return pts, fmt.Errorf("collector's %d points of %s %v are not the ones wanted: %w", len(pts), metric, attrs, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func contains(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func flatten(req *collmetricpb.ExportMetricsServiceRequest) []Point {
	var out []Point
	for _, rm := range req.GetResourceMetrics() {
		res := attrMap(rm.GetResource().GetAttributes())
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				base := Point{
					Metric: m.GetName(), Unit: m.GetUnit(), Description: m.GetDescription(),
					Scope: sm.GetScope().GetName(), Resource: res,
				}
				switch d := m.GetData().(type) {
				case *metricpb.Metric_Sum:
					for _, dp := range d.Sum.GetDataPoints() {
						p := numberPoint(base, dp)
						p.Type = "sum"
						p.Monotonic = d.Sum.GetIsMonotonic()
						p.Cumulative = d.Sum.GetAggregationTemporality() == metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
						out = append(out, p)
					}
				case *metricpb.Metric_Gauge:
					for _, dp := range d.Gauge.GetDataPoints() {
						p := numberPoint(base, dp)
						p.Type = "gauge"
						out = append(out, p)
					}
				case *metricpb.Metric_Histogram:
					for _, dp := range d.Histogram.GetDataPoints() {
						p := base
						p.Type = "histogram"
						p.Cumulative = d.Histogram.GetAggregationTemporality() == metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
						p.Attrs = attrMap(dp.GetAttributes())
						p.Count, p.Sum = dp.GetCount(), dp.GetSum()
						p.Bounds, p.BucketCounts = dp.GetExplicitBounds(), dp.GetBucketCounts()
						p.Time = time.Unix(0, int64(dp.GetTimeUnixNano()))
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}

func numberPoint(base Point, dp *metricpb.NumberDataPoint) Point {
	p := base
	p.Attrs = attrMap(dp.GetAttributes())
	p.Time = time.Unix(0, int64(dp.GetTimeUnixNano()))
	switch v := dp.GetValue().(type) {
	case *metricpb.NumberDataPoint_AsInt:
		p.Int, p.IsInt = v.AsInt, true
	case *metricpb.NumberDataPoint_AsDouble:
		p.Double = v.AsDouble
	}
	return p
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = anyString(kv.GetValue())
	}
	return m
}

func anyString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	case *commonpb.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	default:
		return v.String()
	}
}
