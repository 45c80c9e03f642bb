package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals/internal/testbackend"
	"github.com/otelvitals/vitals/semconv"
)

// dashboardExprs returns the query of every panel of the Grafana dashboard.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "grafana", "vitals-dashboard.json"))
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

// alertExprs returns the expression of every alert rule.
func alertExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	var alert string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if a, ok := strings.CutPrefix(line, "- alert: "); ok {
			alert = a
		}
		if e, ok := strings.CutPrefix(line, "expr: "); ok {
			exprs["alert "+alert] = e
		}
	}
	return exprs
}

// TestDashboardNamesExist checks every metric name in the dashboard's
// queries against the generated metric table: each must be a vitals metric
// as the Prometheus exporter names it.
func TestDashboardNamesExist(t *testing.T) {
	table, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{"le": true}
	metrics := map[string]bool{}
	for _, m := range semconv.All() {
		if !strings.Contains(string(table), "| `"+m.Name+"` |") {
			t.Errorf("%s is missing from docs/metrics.md", m.Name)
		}
		metrics[strings.ReplaceAll(m.Name, ".", "_")] = true
		for _, k := range m.Attributes {
			labels[strings.ReplaceAll(string(k), ".", "_")] = true
		}
	}
	token := regexp.MustCompile(`vitals_[a-z_]+`)
	for panel, expr := range dashboardExprs(t) {
		for _, name := range token.FindAllString(expr, -1) {
			if labels[name] {
				continue
			}
			base := name
			for _, suffix := range []string{"_bucket", "_count", "_sum", "_total", "_seconds", "_ratio"} {
				if metrics[base] {
					break
				}
				base = strings.TrimSuffix(base, suffix)
			}
			if !metrics[base] {
				t.Errorf("panel %q: %s is no vitals metric of the table", panel, name)
			}
		}
	}
}

// TestDashboardAndAlertsAgainstDemo runs the demo, has a real Prometheus
// server scrape it for 30 seconds, and evaluates every panel query of the
// dashboard and every alert rule expression: each must parse and return at
// least one series.
func TestDashboardAndAlertsAgainstDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for 30 seconds")
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan [2]string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, options{addr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0", rate: 200, refresh: time.Hour}, io.Discard, ready)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	var addrs [2]string
	select {
	case addrs = <-ready:
	case err := <-errc:
		t.Fatalf("demo stopped: %v", err)
	}
	prom := testbackend.StartPrometheus(t, addrs[1])
	time.Sleep(32 * time.Second) // the scrapes the queries read, over rate windows of a minute at most

	exprs := dashboardExprs(t)
	for name, e := range alertExprs(t) {
		exprs[name] = e
	}
	if len(exprs) < 30 {
		t.Fatalf("only %d expressions found", len(exprs))
	}
	qctx, qcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer qcancel()
	// The alert expressions are conditions: evaluate the series they
	// compare, the left side of the comparison.
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
