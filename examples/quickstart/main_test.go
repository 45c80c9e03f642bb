package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// quickstart runs the program in a child process with env added to the
// environment, and returns what it printed and how long it took.
func quickstart(t *testing.T, env ...string) (string, time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestQuickstartChild$")
	cmd.Env = append(append(os.Environ(), "QUICKSTART_CHILD=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return out.String(), time.Since(start)
}

// TestQuickstartChild is the program itself, run by the other tests in a
// child process.
func TestQuickstartChild(t *testing.T) {
	if os.Getenv("QUICKSTART_CHILD") != "1" {
		t.Skip("run by the other tests in a child process")
	}
	main()
}

// TestQuickstartRuns runs the program with no exporter and checks what it
// prints: the health, and no error.
func TestQuickstartRuns(t *testing.T) {
	out, _ := quickstart(t, "OTEL_METRICS_EXPORTER=none")
	if !strings.HasPrefix(out, "health 100 (healthy)\n") || strings.Contains(out, "vitals:") {
		t.Fatalf("output:\n%s", out)
	}
}

// TestQuickstartWithoutCollector runs the program against an OTLP endpoint
// where nothing listens: it must say that the final export failed, and
// where it was sent, within its 5 s export timeout, not hang silently for
// the default 30 s.
func TestQuickstartWithoutCollector(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	out, took := quickstart(t, "OTEL_METRICS_EXPORTER=otlp", "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+addr,
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=")
	if !strings.HasPrefix(out, "health 100 (healthy)\n") {
		t.Errorf("output does not start with the health:\n%s", out)
	}
	if !strings.Contains(out, "vitals: the final export failed: ") || !strings.Contains(out, addr) {
		t.Errorf("output does not say that the export to %s failed:\n%s", addr, out)
	}
	if took > 15*time.Second {
		t.Errorf("the program took %v with no collector; its export timeout is 5s", took)
	}
}
