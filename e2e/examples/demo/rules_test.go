package demo_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals/e2e/internal/testbackend"
)

// notInDemo are the metrics the demo does not make: it has no database/sql
// or go-redis pool (db.client.connection.*) and no Redis to count users
// across instances with (vitals.feature.fleet.users). A rule that reads
// one of them has no series against the demo; promtool's cases
// (make rules) cover it.
var notInDemo = regexp.MustCompile(`^(db_client_connection_.*|vitals_feature_fleet_users)$`)

var (
	// Labels sit in braces and grouping clauses, ranges in brackets; what
	// is left that looks like a name and is not followed by a parenthesis
	// is a metric or a keyword.
	ruleLabels = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring)\s*\([^)]*\)`)
	ruleName   = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	// A condition's threshold, which the operands are evaluated without.
	ruleThreshold = regexp.MustCompile(`\s*(>=|<=|==|!=|>|<)\s*[0-9.]+\s*$`)
)

// inputs returns the scraped metrics expr reads, following the recorded
// series it reads to the expressions that record them.
func inputs(expr string, recorded map[string]string) []string {
	var out []string
	for _, m := range ruleName.FindAllStringSubmatch(ruleLabels.ReplaceAllString(expr, " "), -1) {
		n := m[0]
		switch {
		case m[1] != "", slices.Contains([]string{"and", "or", "unless", "bool", "offset"}, n):
		case recorded[n] != "":
			out = append(out, inputs(recorded[n], recorded)...)
		default:
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestRulesAgainstDemo runs two demo instances (make demo's program, as
// processes of their own), has a real Prometheus server scrape both as one
// job and evaluate examples/prometheus/recording.yml and alerts.yml, and
// checks that:
//   - every rule of both files is loaded and evaluates without error;
//   - every recording rule and every operand of every alert returns a
//     series, unless it reads a metric the demo does not make (notInDemo);
//   - the fleet aggregates are those of the instances: the fleet's lookup
//     and use rates are the sums of the instances' rates, and its hit and
//     success ratios the instances' ratios weighted by their traffic, not
//     their average.
func TestRulesAgainstDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two demos for 20 seconds or more")
	}
	demoA := startDemo(t)
	defer demoA.stop(t)
	demoB := startDemo(t)
	defer demoB.stop(t)
	dir := filepath.Join(testbackend.Root(t), "examples", "prometheus")
	files := []string{filepath.Join(dir, "recording.yml"), filepath.Join(dir, "alerts.yml")}
	prom := testbackend.StartPrometheusWithRules(t, files, demoA.metricsAddr, demoB.metricsAddr)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Both instances in the per-instance rates: each has been scraped at
	// least twice, and the rules evaluated since.
	if _, err := prom.WaitFor(ctx, `count(count by (instance) (instance_cache:vitals_cache_operations:rate5m > 0))`, func(s []testbackend.Sample) bool {
		return len(s) == 1 && s[0].Value == 2
	}); err != nil {
		t.Fatalf("the per-instance lookup rates of both demos: %v", err)
	}
	time.Sleep(5 * time.Second) // a few more scrapes and evaluations, so every rule has run on both

	// Every rule of the files is loaded and has evaluated without error.
	var want int
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want += strings.Count(string(raw), "- record: ") + strings.Count(string(raw), "- alert: ")
	}
	states, err := prom.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != want || want < 20 {
		t.Fatalf("Prometheus loaded %d rules, the files hold %d", len(states), want)
	}
	recorded := map[string]string{}
	for _, r := range states {
		if r.Health != "ok" || r.LastError != "" {
			t.Errorf("%s %s: health %q, last error %q", r.Type, r.Name, r.Health, r.LastError)
		}
		if r.Type == "recording" {
			recorded[r.Name] = r.Query
		}
	}

	// Every recorded series and every alert operand has series, unless it
	// reads a metric the demo does not make.
	checked := 0
	check := func(what, query string) {
		for _, in := range inputs(query, recorded) {
			if notInDemo.MatchString(in) {
				t.Logf("%s: not checked: reads %s, which the demo does not make", what, in)
				return
			}
		}
		res, err := prom.Query(ctx, query)
		switch {
		case err != nil:
			t.Errorf("%s: %s: %v", what, query, err)
		case len(res) == 0:
			t.Errorf("%s: %s returned no series", what, query)
		}
		checked++
	}
	for _, r := range states {
		if r.Type == "recording" {
			check("recorded "+r.Name, r.Name)
			continue
		}
		for i, op := range strings.Split(r.Query, " and ") {
			check(fmt.Sprintf("alert %s, operand %d", r.Name, i+1), ruleThreshold.ReplaceAllString(strings.TrimSpace(op), ""))
		}
	}
	if checked < 20 {
		t.Errorf("only %d expressions checked", checked)
	}

	// The fleet figures against the instances', all recorded by the same
	// evaluation of the group: at its timestamp, read with @.
	fleet := []struct{ name, fleet, instances string }{
		{"lookups per second", "job_cache:vitals_cache_operations:rate5m",
			"sum by (job, vitals_cache_type, vitals_cache_name) (instance_cache:vitals_cache_operations:rate5m @ T)"},
		{"hit ratio", "job_cache:vitals_cache_hits_per_operations:ratio_rate5m",
			"sum by (job, vitals_cache_type, vitals_cache_name) (instance_cache:vitals_cache_hits_per_operations:ratio_rate5m @ T * instance_cache:vitals_cache_operations:rate5m @ T)" +
				" / sum by (job, vitals_cache_type, vitals_cache_name) (instance_cache:vitals_cache_operations:rate5m @ T)"},
		{"uses per second", "job_feature:vitals_feature_uses:rate5m",
			"sum by (job, vitals_feature_type, vitals_feature_name) (instance_feature:vitals_feature_uses:rate5m @ T)"},
		{"success ratio", "job_feature:vitals_feature_successes_per_uses:ratio_rate5m",
			"sum by (job, vitals_feature_type, vitals_feature_name) (instance_feature:vitals_feature_successes_per_uses:ratio_rate5m @ T * instance_feature:vitals_feature_uses:rate5m @ T)" +
				" / sum by (job, vitals_feature_type, vitals_feature_name) (instance_feature:vitals_feature_uses:rate5m @ T)"},
	}
	for _, f := range fleet {
		// A scrape stored between two rules of one evaluation would give
		// them different data: try three evaluations before failing.
		var diffs []string
		for attempt := 0; attempt < 3; attempt++ {
			diffs = compareFleet(ctx, t, prom, f.fleet, f.instances)
			if len(diffs) == 0 {
				break
			}
			time.Sleep(1500 * time.Millisecond)
		}
		for _, d := range diffs {
			t.Errorf("%s: %s", f.name, d)
		}
		if len(diffs) == 0 {
			t.Logf("%s: the fleet's equals the instances'", f.name)
		}
	}
}

// compareFleet reads the recorded fleet series at the timestamp of its
// latest evaluation and the instances' expression at the same timestamp
// (T in instances), and returns how they differ: a series of one missing
// from the other, or values apart by more than float rounding.
func compareFleet(ctx context.Context, t *testing.T, prom *testbackend.Prometheus, fleet, instances string) []string {
	t.Helper()
	ts, err := prom.Query(ctx, "max(timestamp("+fleet+"))")
	if err != nil || len(ts) != 1 {
		t.Fatalf("timestamp of %s: %v %v", fleet, ts, err)
	}
	at := fmt.Sprintf("%.3f", ts[0].Value)
	got, err := prom.Query(ctx, fleet+" @ "+at)
	if err != nil {
		t.Fatal(err)
	}
	want, err := prom.Query(ctx, strings.ReplaceAll(instances, "@ T", "@ "+at))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		return []string{fleet + " has no series"}
	}
	key := func(l map[string]string) string {
		return l["job"] + "/" + l["vitals_cache_type"] + l["vitals_feature_type"] + "/" + l["vitals_cache_name"] + l["vitals_feature_name"]
	}
	byKey := map[string]float64{}
	for _, s := range want {
		byKey[key(s.Labels)] = s.Value
	}
	var diffs []string
	for _, s := range got {
		w, ok := byKey[key(s.Labels)]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s has no instances' figure", key(s.Labels)))
		case math.Abs(s.Value-w) > 1e-9*math.Max(1, math.Abs(w)):
			diffs = append(diffs, fmt.Sprintf("%s: fleet %v, from the instances %v", key(s.Labels), s.Value, w))
		}
	}
	t.Logf("%s @ %s: %d series, such as %v = %v", fleet, at, len(got), got[0].Labels, got[0].Value)
	if len(got) != len(want) {
		diffs = append(diffs, fmt.Sprintf("%d fleet series, %d from the instances", len(got), len(want)))
	}
	return diffs
}
