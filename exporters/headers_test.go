package exporters

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	collmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// received keeps the headers and the metric names of the exports a
// receiver was sent.
type received struct {
	mu      sync.Mutex
	headers []map[string]string
	metrics []string
}

func (r *received) add(get func(string) string, req *collmetricpb.ExportMetricsServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headers = append(r.headers, map[string]string{"x-tenant": get("x-tenant"), "authorization": get("authorization")})
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				r.metrics = append(r.metrics, m.GetName())
			}
		}
	}
}

// metricsService answers OTLP/gRPC exports into a received.
type metricsService struct {
	collmetricpb.UnimplementedMetricsServiceServer
	got *received
}

func (s metricsService) Export(ctx context.Context, req *collmetricpb.ExportMetricsServiceRequest) (*collmetricpb.ExportMetricsServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.got.add(func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}, req)
	return &collmetricpb.ExportMetricsServiceResponse{}, nil
}

// startReceiver starts an OTLP receiver over proto on a loopback port and
// returns its endpoint and what it receives.
func startReceiver(t *testing.T, protocol string) (string, *received) {
	t.Helper()
	got := &received{}
	if protocol == ProtocolGRPC {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		collmetricpb.RegisterMetricsServiceServer(srv, metricsService{got: got})
		go func() { _ = srv.Serve(lis) }()
		t.Cleanup(srv.Stop)
		return "http://" + lis.Addr().String(), got
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req collmetricpb.ExportMetricsServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if r.URL.Path != "/v1/metrics" || err != nil {
			http.Error(w, "not an OTLP export", http.StatusBadRequest)
			return
		}
		got.add(r.Header.Get, &req)
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := proto.Marshal(&collmetricpb.ExportMetricsServiceResponse{})
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

// TestOTLPHeadersReachTheReceiver checks that WithOTLPHeaders' headers
// travel with every export over both protocols, and that they win over
// OTEL_EXPORTER_OTLP_HEADERS.
func TestOTLPHeadersReachTheReceiver(t *testing.T) {
	for _, proto := range []string{ProtocolGRPC, ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=from-env,authorization=Bearer env")
			endpoint, got := startReceiver(t, proto)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			reader, err := NewOTLP(ctx,
				WithOTLPProtocol(proto), WithOTLPEndpoint(endpoint), WithExportInterval(time.Hour),
				WithOTLPHeaders(map[string]string{"x-tenant": "acme", "authorization": "Bearer s3cret"}))
			if err != nil {
				t.Fatal(err)
			}
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			counter, err := mp.Meter("test").Int64Counter("exports.probe")
			if err != nil {
				t.Fatal(err)
			}
			counter.Add(ctx, 1, metric.WithAttributes())
			if err := mp.ForceFlush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := mp.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}

			got.mu.Lock()
			defer got.mu.Unlock()
			if len(got.headers) != 2 { // the flush and Shutdown's final export
				t.Fatalf("%d exports received, want 2", len(got.headers))
			}
			for i, h := range got.headers {
				if h["x-tenant"] != "acme" || h["authorization"] != "Bearer s3cret" {
					t.Errorf("export %d carried headers %v, want the option's", i, h)
				}
			}
			if len(got.metrics) != 2 || got.metrics[0] != "exports.probe" {
				t.Errorf("metrics received %v, want exports.probe in each export", got.metrics)
			}
		})
	}
}
