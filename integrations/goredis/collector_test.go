package goredis_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	collmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// collectorEnv names the OpenTelemetry Collector binary, as for vitals' own
// backend tests; the default is the one make collector builds.
const collectorEnv = "VITALS_OTELCOL"

// collector is a running OpenTelemetry Collector that receives OTLP/gRPC on
// endpoint and OTLP/HTTP on httpEndpoint, and writes each request it
// receives as a line of JSON to file.
type collector struct {
	endpoint     string // http://127.0.0.1:port
	httpEndpoint string // http://127.0.0.1:port
	file         string
	stop         func() // SIGTERM, then wait for the exit; idempotent
}

// startCollector starts a collector on free loopback ports, waits until it
// listens on both, and stops it when t ends. When the binary is missing it
// skips t, or fails it if VITALS_REQUIRE_BACKENDS=1.
func startCollector(t *testing.T) *collector {
	t.Helper()
	bin := os.Getenv(collectorEnv)
	if bin == "" {
		// Tests run in the module's directory, two below vitals' root.
		bin = filepath.Join("..", "..", ".cache", "otelcol", "otelcol-vitals")
	}
	bin, err := filepath.Abs(bin) // the collector runs in a directory of its own
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		msg := fmt.Sprintf("OpenTelemetry Collector not found (%s or .cache/otelcol/otelcol-vitals; build it with make collector)", collectorEnv)
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s (%s=1: backends are required)", msg, requireEnv)
		}
		t.Skip(msg)
	}

	dir := t.TempDir()
	port, httpPort := freePort(t), freePort(t)
	c := &collector{
		endpoint:     fmt.Sprintf("http://127.0.0.1:%d", port),
		httpEndpoint: fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		file:         filepath.Join(dir, "metrics.jsonl"),
	}
	// Without telemetry level none the collector serves its own metrics
	// on :8888, which parallel test processes would fight over.
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
    flush_interval: 50ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [file]
`, port, httpPort, c.file)
	cfgPath := filepath.Join(dir, "otelcol.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "collector.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("starting %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	c.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("collector log (last lines):\n%s", tail(logPath, 40))
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for _, p := range []int{port, httpPort} {
		addr := fmt.Sprintf("127.0.0.1:%d", p)
		for {
			nc, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				nc.Close()
				break
			}
			select {
			case <-done:
				t.Fatalf("collector exited while starting; log:\n%s", tail(logPath, 30))
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("collector does not listen on %s (%v); log:\n%s", addr, err, tail(logPath, 30))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return c
}

// requests stops the collector, so that its file is complete, and returns
// the requests it received, in order.
func (c *collector) requests(t *testing.T) []*collmetricpb.ExportMetricsServiceRequest {
	t.Helper()
	c.stop()
	f, err := os.Open(c.file)
	if err != nil {
		t.Fatalf("the collector wrote nothing: %v", err)
	}
	defer f.Close()
	var reqs []*collmetricpb.ExportMetricsServiceRequest
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		req := new(collmetricpb.ExportMetricsServiceRequest)
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(sc.Bytes(), req); err != nil {
			t.Fatalf("%s line %d: %v", c.file, line, err)
		}
		reqs = append(reqs, req)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return reqs
}
