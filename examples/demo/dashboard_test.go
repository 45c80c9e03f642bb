package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/otelvitals/vitals/internal/metricsdoc"
	"github.com/otelvitals/vitals/semconv"
)

// dashPanel is a panel of the Grafana dashboard, or a row, whose panels a
// collapsed row holds itself.
type dashPanel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"`
}

// dashboardExprs returns the query of every panel of the Grafana dashboard,
// those of collapsed rows included, by row, panel and query.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "grafana", "vitals-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []dashPanel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	var row string
	var add func([]dashPanel)
	add = func(panels []dashPanel) {
		for _, p := range panels {
			if p.Type == "row" {
				row = p.Title
				add(p.Panels)
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for i, tg := range p.Targets {
				exprs[row+" / "+p.Title+" #"+string(rune('A'+i))] = tg.Expr
			}
		}
	}
	add(dash.Panels)
	return exprs
}

// TestDashboardCoversEveryMetric checks that the queries of the dashboard
// read every metric of package semconv, and rate over $__rate_interval
// only, which spans enough samples at any scrape or push interval.
func TestDashboardCoversEveryMetric(t *testing.T) {
	exprs := dashboardExprs(t)
	for _, m := range semconv.All() {
		prom, err := metricsdoc.PrometheusName(m)
		if err != nil {
			t.Fatal(err)
		}
		read := false
		for _, e := range exprs {
			read = read || strings.Contains(e, prom+"{") || strings.Contains(e, prom+"_bucket{")
		}
		if !read {
			t.Errorf("no dashboard query reads %s (%s)", prom, m.Name)
		}
	}
	window := regexp.MustCompile(`\[([^\]]*)\]`)
	for panel, e := range exprs {
		for _, w := range window.FindAllStringSubmatch(e, -1) {
			if w[1] != "$__rate_interval" {
				t.Errorf("panel %q: window [%s], want [$__rate_interval]", panel, w[1])
			}
		}
	}
}

// TestDashboardNamesExist checks every metric name in the dashboard's
// queries against the generated metric table: each must be a vitals series
// exactly as the Prometheus exporter names it, or a label.
func TestDashboardNamesExist(t *testing.T) {
	table, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{"le": true}
	metrics := map[string]bool{} // the series names the exporter gives each metric
	for _, m := range semconv.All() {
		if !strings.Contains(string(table), "| `"+m.Name+"` |") {
			t.Errorf("%s is missing from docs/metrics.md", m.Name)
		}
		prom, err := metricsdoc.PrometheusName(m)
		if err != nil {
			t.Fatal(err)
		}
		metrics[prom] = true
		if m.Kind == semconv.KindFloat64Histogram {
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				metrics[prom+suffix] = true
			}
		}
		for _, k := range m.Attributes {
			labels[strings.ReplaceAll(string(k), ".", "_")] = true
		}
	}
	token := regexp.MustCompile(`\b(vitals|db_client|feature_flag)_[a-z_]+`)
	for panel, expr := range dashboardExprs(t) {
		for _, name := range token.FindAllString(expr, -1) {
			if !labels[name] && !metrics[name] {
				t.Errorf("panel %q: %s is no vitals series or label of the table", panel, name)
			}
		}
	}
}
