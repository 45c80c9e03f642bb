package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/otelvitals/vitals/internal/metricsdoc"
	"github.com/otelvitals/vitals/semconv"
)

// committed is the dashboard as the repository holds it.
const committed = "../vitals-dashboard.json"

// TestDashboardUpToDate fails when the committed dashboard is not what the
// generator makes of the definitions today.
func TestDashboardUpToDate(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("examples/grafana/vitals-dashboard.json is stale: run go generate ./semconv (or make generate) in the repository root and commit the result")
	}
}

// dashPanel is what the tests read of a panel.
type dashPanel struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	Collapsed   bool   `json:"collapsed"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []struct {
		Expr   string `json:"expr"`
		Legend string `json:"legendFormat"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"`
}

// rows returns the generated dashboard's rows, each with its panels.
func rows(t *testing.T) []dashPanel {
	t.Helper()
	b, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []dashPanel `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	var out []dashPanel
	for _, p := range dash.Panels {
		if p.Type == "row" {
			out = append(out, p)
			continue
		}
		if len(out) == 0 {
			t.Fatalf("panel %q comes before any row", p.Title)
		}
		out[len(out)-1].Panels = append(out[len(out)-1].Panels, p)
	}
	return out
}

// TestEveryMetricInEachScope checks that every metric of package semconv
// has a panel in a fleet row and one in a per-instance row, whose queries
// read its series, and that the panel's unit is the metric's.
func TestEveryMetricInEachScope(t *testing.T) {
	units := map[string]string{"s": "s", "1": "percentunit"}
	for _, scope := range []string{"Fleet: ", "Per instance: "} {
		panels := map[string]dashPanel{}
		for _, r := range rows(t) {
			if strings.HasPrefix(r.Title, scope) {
				for _, p := range r.Panels {
					panels[strings.Fields(p.Title)[0]] = p
				}
			}
		}
		for _, def := range semconv.All() {
			p, ok := panels[def.Name]
			if !ok {
				t.Errorf("%s rows: no panel for %s", scope, def.Name)
				continue
			}
			unit, ok := units[def.Unit]
			if !ok {
				unit = "short"
			}
			if p.FieldConfig.Defaults.Unit != unit {
				t.Errorf("%s%s: unit %q, want %q", scope, def.Name, p.FieldConfig.Defaults.Unit, unit)
			}
			prom, err := metricsdoc.PrometheusName(def)
			if err != nil {
				t.Fatal(err)
			}
			reads := false
			for _, tg := range p.Targets {
				reads = reads || strings.Contains(tg.Expr, prom)
			}
			// A fleet ratio is computed from the counters it is the
			// ratio of, not from the gauge.
			if !reads && (scope != "Fleet: " || def.Unit != "1" || !strings.Contains(p.Title, "from the summed")) {
				t.Errorf("%s%s: no query reads %s", scope, def.Name, prom)
			}
		}
	}
}

// TestQueries checks every query: it selects by the job and instance
// variables, rates over $__rate_interval only, a per-instance query keeps
// the instance label and names it in its legend, and a fleet query does
// not.
func TestQueries(t *testing.T) {
	window := regexp.MustCompile(`\[([^\]]*)\]`)
	selector := regexp.MustCompile(`[a-z_]+\{([^}]*)\}`)
	n := 0
	for _, r := range rows(t) {
		perInstance := strings.HasPrefix(r.Title, "Per instance: ")
		scoped := perInstance || strings.HasPrefix(r.Title, "Fleet: ")
		if perInstance != r.Collapsed {
			t.Errorf("row %q: collapsed %v", r.Title, r.Collapsed)
		}
		for _, p := range r.Panels {
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				n++
				for _, w := range window.FindAllStringSubmatch(tg.Expr, -1) {
					if w[1] != "$__rate_interval" {
						t.Errorf("panel %q: window [%s], want [$__rate_interval]: %s", p.Title, w[1], tg.Expr)
					}
				}
				for _, s := range selector.FindAllStringSubmatch(tg.Expr, -1) {
					if !strings.HasPrefix(s[1], `job=~"$job", instance=~"$instance"`) {
						t.Errorf("panel %q: selector {%s} not by $job and $instance", p.Title, s[1])
					}
				}
				if scoped && perInstance != strings.Contains(tg.Legend, "{{instance}}") {
					t.Errorf("panel %q in row %q: legend %q", p.Title, r.Title, tg.Legend)
				}
				if perInstance && !strings.Contains(tg.Expr, "by (instance, ") && !strings.Contains(tg.Expr, "by (le, instance, ") {
					t.Errorf("panel %q: per-instance query does not keep instance: %s", p.Title, tg.Expr)
				}
			}
		}
	}
	if want := 2 * len(semconv.All()); n < want {
		t.Errorf("%d queries, want at least %d", n, want)
	}
}

// TestFleetUsersNeverSummed checks that the fleet-wide distinct users,
// which every instance reports alike, and the per-instance distinct users,
// which overlap, are never summed over instances.
func TestFleetUsersNeverSummed(t *testing.T) {
	for _, def := range []semconv.Metric{semconv.FeatureFleetUsers.Metric, semconv.FeatureUsers.Metric} {
		prom, err := metricsdoc.PrometheusName(def)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rows(t) {
			for _, p := range r.Panels {
				for _, tg := range p.Targets {
					if !strings.Contains(tg.Expr, prom+"{") {
						continue
					}
					found = true
					if !strings.HasPrefix(tg.Expr, "max by (") {
						t.Errorf("panel %q: %s", p.Title, tg.Expr)
					}
				}
			}
		}
		if !found {
			t.Errorf("no query reads %s", prom)
		}
	}
}

// TestUnknownUnit checks that a unit the generator has no Grafana unit
// for is an error rather than a panel without a unit.
func TestUnknownUnit(t *testing.T) {
	m, err := newMetric(semconv.Metric{Name: "x.y", Unit: "m", Kind: semconv.KindInt64ObservableUpDownCounter})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := metricPanel(m, fleet); err == nil {
		t.Error("unit m: no error")
	}
}

// TestGaugeWithoutRule checks that a gauge with no fleet aggregation is an
// error: a new gauge must say how it aggregates.
func TestGaugeWithoutRule(t *testing.T) {
	m, err := newMetric(semconv.Metric{Name: "x.y", Unit: "1", Kind: semconv.KindFloat64ObservableGauge})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := metricPanel(m, fleet); err == nil {
		t.Error("no error")
	}
	if _, err := metricPanel(m, perInstance); err != nil {
		t.Errorf("per instance: %v", err)
	}
}
