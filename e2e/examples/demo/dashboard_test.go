package demo_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/e2e/internal/testbackend"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// dashboardExprs returns the query of every panel of the Grafana dashboard.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testbackend.Root(t), "examples", "grafana", "vitals-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for i, tg := range p.Targets {
			exprs[p.Title+" #"+string(rune('A'+i))] = tg.Expr
		}
	}
	return exprs
}

// TestDashboardAgainstDemo runs the demo (make demo's program, built and
// started as a process of its own), has a real Prometheus server scrape it
// for 30 seconds, and evaluates every panel query of the dashboard: each
// must parse and return at least one series. TestRulesAgainstDemo does the
// same for the recording and alert rules, which it has Prometheus load.
func TestDashboardAgainstDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for 30 seconds")
	}
	demo := startDemo(t)
	defer demo.stop(t)
	prom := testbackend.StartPrometheus(t, demo.metricsAddr)
	time.Sleep(32 * time.Second) // the scrapes the queries read, over rate windows of a minute at most

	exprs := dashboardExprs(t)
	if len(exprs) < 20 {
		t.Fatalf("only %d expressions found", len(exprs))
	}
	qctx, qcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer qcancel()
	// An expression that is a condition is evaluated without its
	// threshold: the series it compares.
	cmp := regexp.MustCompile(`\s*(>=|<=|==|!=|>|<)\s*[0-9.]+\s*$`)
	for name, expr := range exprs {
		q := cmp.ReplaceAllString(expr, "")
		res, err := prom.Query(qctx, q)
		switch {
		case err != nil:
			t.Errorf("%s: %s: %v", name, q, err)
		case len(res) == 0:
			t.Errorf("%s: %s returned no series", name, q)
		}
	}
}

// demo is the demo program running as a child process.
type demo struct {
	cmd         *exec.Cmd
	done        chan error
	out         string // the file its output goes to
	metricsAddr string // its Prometheus endpoint, host:port
}

// startDemo builds examples/demo as make demo runs it, starts it on free
// loopback ports with a generated load of 200 requests a second, and waits
// until its service and its Prometheus endpoint answer. The demo stops on
// its own after five minutes, should the test not stop it.
func startDemo(t *testing.T) *demo {
	t.Helper()
	root := testbackend.Root(t)
	bin := filepath.Join(t.TempDir(), "demo")
	build := exec.Command("go", "build", "-o", bin, "./examples/demo")
	build.Dir = root // the core module, which make demo runs
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	d := &demo{
		done:        make(chan error, 1),
		out:         filepath.Join(t.TempDir(), "demo.log"),
		metricsAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(testbackend.FreePort(t))),
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(testbackend.FreePort(t)))
	logf, err := os.Create(d.out)
	if err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(bin, "-addr", addr, "-metrics", d.metricsAddr, "-rate", "200", "-duration", "5m")
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("starting the demo: %v", err)
	}
	go func() {
		d.done <- d.cmd.Wait()
		logf.Close()
	}()
	for _, url := range []string{"http://" + addr + "/healthz", "http://" + d.metricsAddr + "/metrics"} {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				break
			}
			select {
			case err := <-d.done:
				t.Fatalf("demo stopped: %v\n%s", err, d.tail())
			default:
			}
			if time.Now().After(deadline) {
				d.stop(t)
				t.Fatalf("demo not answering %s after 30s: %v", url, err)
			}
		}
	}
	return d
}

// stop interrupts the demo, as Ctrl-C does, and fails t unless it exits
// cleanly within 30 seconds.
func (d *demo) stop(t *testing.T) {
	t.Helper()
	_ = d.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("demo: %v\n%s", err, d.tail())
		}
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
		t.Errorf("demo still running 30s after the interrupt\n%s", d.tail())
	}
}

// tail returns the last lines of the demo's output.
func (d *demo) tail() string {
	b, _ := os.ReadFile(d.out)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(len(lines)-30, 0):], "\n")
}
