package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestQuickstartRuns runs the program with no exporter and checks what it
// prints.
func TestQuickstartRuns(t *testing.T) {
	if os.Getenv("QUICKSTART_CHILD") == "1" {
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestQuickstartRuns$")
	cmd.Env = append(os.Environ(), "QUICKSTART_CHILD=1", "OTEL_METRICS_EXPORTER=none")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "(healthy)") || !strings.HasPrefix(out.String(), "health ") {
		t.Fatalf("output:\n%s", out.String())
	}
}
