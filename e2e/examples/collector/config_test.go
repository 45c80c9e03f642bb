package collector

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestConfigInRealCollector runs a real collector on
// examples/collector/config.yaml (its ports moved to free ones), sends it
// OTLP through vitals and reads the values back on its Prometheus side.
func TestConfigInRealCollector(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testbackend.Root(t), "examples", "collector", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	grpcAddr, httpAddr, promAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	config := strings.NewReplacer(
		"127.0.0.1:4317", grpcAddr,
		"127.0.0.1:4318", httpAddr,
		"127.0.0.1:8889", promAddr,
	).Replace(string(raw))
	testbackend.StartCollectorConfig(t, config, grpcAddr)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Setenv("OTEL_SERVICE_NAME", "collector-example")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "service.version=1.2.3")
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint("http://"+grpcAddr),
	))
	if err != nil {
		t.Fatal(err)
	}
	users := sys.Caches().Cache(cache.TypeApplication, "users")
	for range 7 {
		users.CountHit()
	}
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	want := `vitals_cache_name="users"`
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + promAddr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if strings.Contains(body, want) {
			break
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "vitals_cache_operations_total{") && strings.Contains(line, `vitals_cache_result="hit"`) {
			// service.name and service.instance.id become job and instance;
			// of the other resource attributes only the stable ones chosen
			// are labels.
			id, _ := sys.Resource().Set().Value("service.instance.id")
			for _, label := range []string{`job="collector-example"`, `instance="` + id.AsString() + `"`, `service_version="1.2.3"`} {
				if !strings.Contains(line, label) {
					t.Errorf("no %s: %s", label, line)
				}
			}
			for _, label := range []string{"process_pid=", "host_name=", "service_name="} {
				if strings.Contains(line, label) {
					t.Errorf("%s is a label: %s", label, line)
				}
			}
			if !strings.HasSuffix(line, " 7") {
				t.Errorf("hits: %s, want 7", line)
			}
			return
		}
	}
	t.Fatalf("the collector's Prometheus side lacks the hits:\n%s", body)
}
