// Package prometheus_test checks the Prometheus rule files of
// examples/prometheus beyond what promtool does (make rules checks their
// syntax and runs their unit tests): every alert is complete and links its
// runbook, every rule reads metrics vitals exports under their Prometheus
// names, the recording rules are named by the level they keep, and every
// rule has its promtool cases.
package prometheus_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/otelvitals/vitals/internal/metricsdoc"
	"github.com/otelvitals/vitals/semconv"
)

// runbookBase is the URL every alert's runbook_url starts with, as
// alerts.yml and docs/runbooks.md document it; an anchor follows.
const runbookBase = "https://github.com/otelvitals/vitals/blob/main/docs/runbooks.md"

// rule is a recording or an alerting rule of a Prometheus rule file.
type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// ruleFile is a Prometheus rule file.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

// unitTests is a promtool test rules file.
type unitTests struct {
	RuleFiles          []string `yaml:"rule_files"`
	EvaluationInterval string   `yaml:"evaluation_interval"`
	Tests              []struct {
		Interval    string `yaml:"interval"`
		InputSeries []struct {
			Series string `yaml:"series"`
			Values string `yaml:"values"`
		} `yaml:"input_series"`
		AlertRuleTest []struct {
			EvalTime  string `yaml:"eval_time"`
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels      map[string]string `yaml:"exp_labels"`
				ExpAnnotations map[string]string `yaml:"exp_annotations"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
		PromqlExprTest []struct {
			Expr       string `yaml:"expr"`
			EvalTime   string `yaml:"eval_time"`
			ExpSamples []struct {
				Labels string  `yaml:"labels"`
				Value  float64 `yaml:"value"`
			} `yaml:"exp_samples"`
		} `yaml:"promql_expr_test"`
	} `yaml:"tests"`
}

// decode reads the YAML file name of this directory into v, refusing keys
// v has no field for (a misspelt "fro:" would otherwise pass unnoticed).
func decode(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// rules returns the rules of the rule file name, in order.
func rules(t *testing.T, name string) []rule {
	t.Helper()
	var f ruleFile
	decode(t, name, &f)
	var out []rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no rules", name)
	}
	return out
}

// githubAnchors returns the anchors GitHub gives the headings of the
// Markdown file name: the heading's text in lower case, without the
// characters other than letters, digits, spaces, hyphens and underscores,
// spaces made hyphens, and -1, -2, ... added to repeats.
func githubAnchors(t *testing.T, name string) map[string]bool {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anchors := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			seen[a]++
			a += "-" + strconv.Itoa(n)
		} else {
			seen[a] = 1
		}
		anchors[a] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return anchors
}

// TestAlertsAreComplete checks that every alert waits with a for: of a
// minute at least, has a severity Alertmanager can route on, a summary, a
// description that names the series or value it is about, and a
// runbook_url: the documented base and the anchor of the runbook section
// named after the alert, which docs/runbooks.md must have.
func TestAlertsAreComplete(t *testing.T) {
	anchors := githubAnchors(t, filepath.Join("..", "..", "docs", "runbooks.md"))
	alerts := rules(t, "alerts.yml")
	seen := map[string]bool{}
	for _, r := range alerts {
		if r.Alert == "" {
			t.Errorf("alerts.yml holds a recording rule, %s: it belongs in recording.yml", r.Record)
			continue
		}
		if seen[r.Alert] {
			t.Errorf("%s: defined twice", r.Alert)
		}
		seen[r.Alert] = true
		if d, err := time.ParseDuration(r.For); err != nil || d < time.Minute {
			t.Errorf("%s: for: %q, want a duration of 1m at least", r.Alert, r.For)
		}
		if s := r.Labels["severity"]; !slices.Contains([]string{"critical", "warning", "info"}, s) {
			t.Errorf("%s: severity %q, want critical, warning or info", r.Alert, s)
		}
		if strings.TrimSpace(r.Annotations["summary"]) == "" {
			t.Errorf("%s: no summary", r.Alert)
		}
		if d := r.Annotations["description"]; !strings.Contains(d, "$labels.") && !strings.Contains(d, "$value") {
			t.Errorf("%s: description %q uses neither $labels nor $value", r.Alert, d)
		}
		want := runbookBase + "#" + strings.ToLower(r.Alert)
		if got := r.Annotations["runbook_url"]; got != want {
			t.Errorf("%s: runbook_url %q, want %q", r.Alert, got, want)
		}
		if !anchors[strings.ToLower(r.Alert)] {
			t.Errorf("%s: docs/runbooks.md has no section %q (anchor #%s)", r.Alert, "## "+r.Alert, strings.ToLower(r.Alert))
		}
		for k := range r.Annotations {
			if !slices.Contains([]string{"summary", "description", "runbook_url"}, k) {
				t.Errorf("%s: annotation %q, which the runbooks and the test do not know", r.Alert, k)
			}
		}
	}
	// And no runbook section outlives its alert.
	for a := range anchors {
		if strings.HasPrefix(a, "vitals") && !slices.ContainsFunc(alerts, func(r rule) bool { return strings.ToLower(r.Alert) == a }) {
			t.Errorf("docs/runbooks.md has a section #%s for no alert of alerts.yml", a)
		}
	}
}

var (
	stringLit   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	rangeSel    = regexp.MustCompile(`\[[^\]]*\]`)
	number      = regexp.MustCompile(`\b[0-9][0-9.]*(?:[eE][+-]?[0-9]+)?[a-z]*\b`) // 0.5, 1e3, and the 5m of an offset
	grouping    = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	selector    = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}`)
	matcherName = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	identifier  = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	keywords    = []string{"and", "or", "unless", "bool", "offset"}
)

// parsed is what a rule expression reads: the metric names it selects,
// the label names of each selector's matchers, and the labels it groups
// or matches by.
type parsed struct {
	metrics  []string
	matchers map[string][]string // by metric name
	grouping []string
}

// parse takes apart the PromQL expression expr, as far as the rules of
// this directory need: string literals, ranges and numbers are dropped, grouping
// clauses give labels, selectors give a metric and its matchers' labels,
// identifiers followed by a parenthesis are functions, and the remaining
// identifiers other than keywords are metric names.
func parse(expr string) parsed {
	p := parsed{matchers: map[string][]string{}}
	e := stringLit.ReplaceAllString(expr, `""`)
	e = rangeSel.ReplaceAllString(e, "")
	e = number.ReplaceAllString(e, " ")
	for _, m := range grouping.FindAllStringSubmatch(e, -1) {
		for l := range strings.SplitSeq(m[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				p.grouping = append(p.grouping, l)
			}
		}
	}
	e = grouping.ReplaceAllString(e, " ")
	for _, m := range selector.FindAllStringSubmatch(e, -1) {
		for _, l := range matcherName.FindAllStringSubmatch(m[2], -1) {
			p.matchers[m[1]] = append(p.matchers[m[1]], l[1])
		}
	}
	e = selector.ReplaceAllString(e, " $1 ")
	for _, m := range identifier.FindAllStringSubmatch(e, -1) {
		if m[1] != "" || slices.Contains(keywords, m[0]) {
			continue
		}
		p.metrics = append(p.metrics, m[0])
	}
	return p
}

// exported returns the Prometheus name of every series vitals exports
// (a histogram's _bucket, _sum and _count), each with its labels.
func exported(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, d := range semconv.All() {
		name, err := metricsdoc.PrometheusName(d)
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, k := range d.Attributes {
			labels = append(labels, strings.ReplaceAll(string(k), ".", "_"))
		}
		names := []string{name}
		if d.Kind == semconv.KindFloat64Histogram {
			names = []string{name + "_bucket", name + "_sum", name + "_count"}
			labels = append(labels, "le")
		}
		for _, n := range names {
			out[n] = labels
		}
	}
	return out
}

// TestRulesReadExportedMetrics checks every expression of recording.yml
// and alerts.yml against package semconv: each metric it selects is the
// Prometheus name of a vitals metric or a series recording.yml records, and
// each label it matches or groups by is job, instance or a label of the
// metrics it reads. promtool's unit tests cannot see a misspelt metric:
// their input series would carry the same misspelling.
func TestRulesReadExportedMetrics(t *testing.T) {
	metrics := exported(t)
	recorded := map[string]bool{}
	for _, r := range rules(t, "recording.yml") {
		recorded[r.Record] = true
	}
	allLabels := map[string]bool{"job": true, "instance": true}
	for _, ls := range metrics {
		for _, l := range ls {
			allLabels[l] = true
		}
	}
	check := func(file string, r rule) {
		name := r.Record + r.Alert
		p := parse(r.Expr)
		if len(p.metrics) == 0 {
			t.Errorf("%s: %s: no metric found in %q", file, name, r.Expr)
		}
		known := map[string]bool{"job": true, "instance": true}
		for _, m := range p.metrics {
			switch {
			case recorded[m]:
				for l := range allLabels {
					known[l] = true
				}
			case metrics[m] != nil:
				for _, l := range metrics[m] {
					known[l] = true
				}
			default:
				t.Errorf("%s: %s reads %s, which is neither a vitals metric nor a recorded series", file, name, m)
			}
		}
		for m, ls := range p.matchers {
			for _, l := range ls {
				if l != "job" && l != "instance" && metrics[m] != nil && !slices.Contains(metrics[m], l) {
					t.Errorf("%s: %s matches %s on label %s, which it does not have (it has %v)", file, name, m, l, metrics[m])
				}
			}
		}
		for _, l := range p.grouping {
			if !known[l] {
				t.Errorf("%s: %s groups by %s, a label of none of the metrics it reads", file, name, l)
			}
		}
	}
	for _, file := range []string{"recording.yml", "alerts.yml"} {
		for _, r := range rules(t, file) {
			check(file, r)
		}
	}
}

// recordName is level:metric:operations, the level being job_ or
// instance_ and a word naming the labels kept (recording.yml lists them).
var recordName = regexp.MustCompile(`^(job|instance)_[a-z]+:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$`)

// TestRecordingRulesAreFleetTrue checks the recording rules' names and
// what their level promises: a job_ rule aggregates instance away and
// reads only job_ series of its own, an instance_ rule keeps instance, and
// no rule averages (a fleet's ratio is a ratio of sums).
func TestRecordingRulesAreFleetTrue(t *testing.T) {
	recorded := map[string]bool{}
	for _, r := range rules(t, "recording.yml") {
		if r.Alert != "" {
			t.Errorf("recording.yml holds an alert, %s: it belongs in alerts.yml", r.Alert)
			continue
		}
		if !recordName.MatchString(r.Record) {
			t.Errorf("%s: not named level:metric:operations with a job_ or instance_ level", r.Record)
		}
		if recorded[r.Record] {
			t.Errorf("%s: recorded twice", r.Record)
		}
		recorded[r.Record] = true
		if strings.Contains(r.Expr, "avg") {
			t.Errorf("%s: averages (%q): a fleet ratio divides sums", r.Record, r.Expr)
		}
		level, _, _ := strings.Cut(r.Record, "_")
		p := parse(r.Expr)
		for _, m := range p.metrics {
			if strings.Contains(m, ":") && !strings.HasPrefix(m, level+"_") {
				t.Errorf("%s reads %s, a series of another level", r.Record, m)
			}
		}
		keepsInstance := slices.Contains(p.grouping, "instance")
		if !strings.Contains(r.Expr, "by (") {
			continue // arithmetic on recorded series of its own level, checked above
		}
		if level == "job" && keepsInstance {
			t.Errorf("%s: a job-level rule keeps instance", r.Record)
		}
		if level == "instance" && !keepsInstance {
			t.Errorf("%s: an instance-level rule drops instance", r.Record)
		}
		if !slices.Contains(p.grouping, "job") {
			t.Errorf("%s: drops job", r.Record)
		}
	}
}

// TestEveryRuleHasItsCases checks the promtool test files: each recorded
// series is evaluated by a case of recording_test.yml, and each alert of
// alerts.yml has a case in alerts_test.yml where it fires and one where it
// stays quiet. The values themselves are promtool's to check (make rules).
func TestEveryRuleHasItsCases(t *testing.T) {
	var rec unitTests
	decode(t, "recording_test.yml", &rec)
	if !slices.Contains(rec.RuleFiles, "recording.yml") {
		t.Errorf("recording_test.yml loads %v, not recording.yml", rec.RuleFiles)
	}
	evaluated := map[string]bool{}
	for _, tc := range rec.Tests {
		for _, e := range tc.PromqlExprTest {
			if len(e.ExpSamples) == 0 {
				continue
			}
			for _, m := range parse(e.Expr).metrics {
				evaluated[m] = true
			}
		}
	}
	for _, r := range rules(t, "recording.yml") {
		if !evaluated[r.Record] {
			t.Errorf("%s: no case of recording_test.yml expects a sample of it", r.Record)
		}
	}

	var al unitTests
	decode(t, "alerts_test.yml", &al)
	for _, f := range []string{"recording.yml", "alerts.yml"} {
		if !slices.Contains(al.RuleFiles, f) {
			t.Errorf("alerts_test.yml loads %v, not %s", al.RuleFiles, f)
		}
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range al.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	for _, r := range rules(t, "alerts.yml") {
		if !fires[r.Alert] {
			t.Errorf("%s: no case of alerts_test.yml where it fires", r.Alert)
		}
		if !quiet[r.Alert] {
			t.Errorf("%s: no case of alerts_test.yml where it stays quiet", r.Alert)
		}
	}
}

// TestParse pins the expression reader the tests above rely on.
func TestParse(t *testing.T) {
	p := parse(`(sum by (job, vitals_cache_name) (rate(vitals_cache_operations_total{vitals_cache_result="hit", job=~"a|b"}[5m])) or job_cache:x:rate5m * 0) / on (job) job_cache:x:rate5m > 0.5 and x_total offset 5m`)
	want := parsed{
		metrics:  []string{"vitals_cache_operations_total", "job_cache:x:rate5m", "job_cache:x:rate5m", "x_total"},
		matchers: map[string][]string{"vitals_cache_operations_total": {"vitals_cache_result", "job"}},
		grouping: []string{"job", "vitals_cache_name", "job"},
	}
	if !slices.Equal(p.metrics, want.metrics) || !slices.Equal(p.grouping, want.grouping) ||
		len(p.matchers) != 1 || !slices.Equal(p.matchers["vitals_cache_operations_total"], want.matchers["vitals_cache_operations_total"]) {
		t.Errorf("parse = %+v, want %+v", p, want)
	}
}
