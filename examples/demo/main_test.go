package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestDemoRuns runs the demo on free ports for a few seconds and checks that
// its service answers, that the Prometheus endpoint carries the cache and
// queue metrics the load moves, that /healthz answers JSON, and that
// everything is closed when run returns.
func TestDemoRuns(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXPORTER", "") // the demo's own choice: Prometheus
	ready := make(chan [2]string, 1)
	errc := make(chan error, 1)
	var out strings.Builder
	go func() {
		errc <- run(context.Background(), options{
			addr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0",
			rate: 300, duration: 3 * time.Second, refresh: 500 * time.Millisecond,
		}, &syncWriter{w: &out}, ready)
	}()
	var addrs [2]string
	select {
	case addrs = <-ready:
	case err := <-errc:
		t.Fatalf("demo stopped before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("demo not ready after 10s")
	}
	service, metrics := addrs[0], addrs[1]

	time.Sleep(1500 * time.Millisecond) // let the load generator move the numbers
	body := get(t, "http://"+metrics+"/metrics")
	for _, want := range []string{
		`vitals_cache_operations_total{`,
		`vitals_cache_result="hit"`,
		`vitals_cache_result="miss"`,
		`vitals_cache_operation_duration_seconds_bucket{`,
		`vitals_queue_capacity{`,
		`vitals_queue_wait_duration_seconds_count{`,
		`vitals_connection_events_total{`,
		`vitals_connection_pool_name="users_db"`,
		`vitals_connection_pool_name="demo_server"`,
		`vitals_connection_age_distribution{`,
		`vitals_feature_uses_total{`,
		`vitals_feature_variant_uses_total{`,
		`vitals_feature_users{`,
		`vitals_health_score_ratio{`,
		`vitals_health_component="overall"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Every vitals metric the alert rules read, directly or through the
	// recording rules, is one the demo exports.
	names := alertMetrics(t)
	t.Logf("the alerts read %v", names)
	if len(names) < 8 {
		t.Fatalf("found only %v in alerts.yml", names)
	}
	for _, name := range names {
		if !strings.Contains(body, "\n"+name+"{") {
			t.Errorf("alerts.yml reads %s, which the demo does not export", name)
		}
	}

	var health map[string]any
	if err := json.Unmarshal([]byte(get(t, "http://"+service+"/healthz")), &health); err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	if st := health["status"]; st != "healthy" && st != "degraded" {
		t.Errorf("/healthz status %v, want healthy or degraded under the demo's load", st)
	}
	if _, ok := health["score"].(float64); !ok {
		t.Errorf("/healthz has no score: %v", health)
	}

	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("demo did not stop after -duration")
	}
	if !strings.Contains(out.String(), "cache application/users") {
		t.Errorf("summary missing from the output:\n%s", out.String())
	}
	for _, addr := range addrs {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listens after the demo stopped", addr)
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// syncWriter serializes writes to w; the test reads w after run returns.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// alertMetrics returns the vitals metrics (vitals_*) the expressions of
// examples/prometheus/alerts.yml read, with those of the recording rules
// of recording.yml for each recorded series they read.
func alertMetrics(t *testing.T) []string {
	t.Helper()
	exprs := func(file string) map[string]string {
		raw, err := os.ReadFile(filepath.Join("..", "prometheus", file))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Groups []struct {
				Rules []struct {
					Record string `yaml:"record"`
					Alert  string `yaml:"alert"`
					Expr   string `yaml:"expr"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out := map[string]string{}
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				out[r.Record+r.Alert] = r.Expr
			}
		}
		return out
	}
	recorded := exprs("recording.yml")
	// Labels sit in braces and in grouping clauses; what is left that looks
	// like a name is a metric, a function or a keyword.
	labels := regexp.MustCompile(`\{[^}]*\}|\b(?:by|without|on|ignoring)\s*\([^)]*\)`)
	name := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	seen := map[string]bool{}
	var names []string
	var read func(expr string)
	read = func(expr string) {
		for _, n := range name.FindAllString(labels.ReplaceAllString(expr, " "), -1) {
			if seen[n] {
				continue
			}
			seen[n] = true
			if e, ok := recorded[n]; ok {
				read(e)
			} else if strings.HasPrefix(n, "vitals_") {
				names = append(names, n)
			}
		}
	}
	for _, e := range exprs("alerts.yml") {
		read(e)
	}
	return names
}
