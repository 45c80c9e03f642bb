package testbackend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PrometheusEnv names the Prometheus server binary; the default is
// /usr/bin/prometheus, from Debian's prometheus package.
const PrometheusEnv = "VITALS_PROMETHEUS"

// Prometheus is a running Prometheus server that scrapes its targets every
// second.
type Prometheus struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string

	proc *process
}

// StartPrometheus starts a Prometheus server on a free loopback port,
// scraping each target (host:port, path /metrics) every second under the
// job "vitals", waits until it is ready, and stops it when t ends. It skips
// or fails t (see the package documentation) when the binary is missing.
//
// Prometheus takes about six seconds after start before its first scraped
// sample can be queried; use [Prometheus.WaitFor] rather than sleeping.
func StartPrometheus(t testing.TB, targets ...string) *Prometheus {
	t.Helper()
	return StartPrometheusWithRules(t, nil, targets...)
}

// StartPrometheusWithRules is [StartPrometheus] with the rule files
// ruleFiles (paths, such as examples/prometheus/recording.yml) loaded and
// evaluated every second. [Prometheus.Rules] reports how their evaluations
// went.
func StartPrometheusWithRules(t testing.TB, ruleFiles []string, targets ...string) *Prometheus {
	t.Helper()
	bin := binary(PrometheusEnv, "/usr/bin/prometheus")
	if bin == "" {
		missing(t, "Prometheus server not found (%s or /usr/bin/prometheus; install Debian's prometheus package)", PrometheusEnv)
	}
	dir := t.TempDir()
	port := freePort(t)
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = strconv.Quote(tg)
	}
	rules := make([]string, len(ruleFiles))
	for i, f := range ruleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		rules[i] = strconv.Quote(abs)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: vitals
    static_configs:
      - targets: [%s]
`, strings.Join(rules, ", "), strings.Join(quoted, ", "))
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Prometheus{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	p.proc = &process{
		name: "prometheus",
		bin:  bin,
		args: []string{
			"--config.file=" + cfgPath,
			"--storage.tsdb.path=" + filepath.Join(dir, "data"),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			// Keep the exemplars scraped in OpenMetrics, for
			// /api/v1/query_exemplars.
			"--enable-feature=exemplar-storage",
		},
		dir: dir,
		log: filepath.Join(dir, "prometheus.log"),
	}
	t.Cleanup(func() {
		p.proc.stop(syscall.SIGTERM, 10*time.Second)
		if t.Failed() {
			t.Logf("prometheus log (last lines):\n%s", p.proc.tail(40))
		}
	})
	if err := p.proc.start(); err != nil {
		t.Fatal(err)
	}
	if err := p.proc.waitHTTP(p.URL+"/-/ready", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return p
}

// Sample is one element of an instant query's result.
type Sample struct {
	// Labels are the series' labels, __name__ included.
	Labels map[string]string
	// Value is the sample's value.
	Value float64
}

// Query runs an instant query through /api/v1/query and returns its vector.
func (p *Prometheus) Query(ctx context.Context, query string) ([]Sample, error) {
	return p.QueryAt(ctx, query, time.Time{})
}

// QueryAt runs an instant query evaluated at the time at (now if at is
// zero) and returns its vector: queries evaluated at one time read the
// same samples.
func (p *Prometheus) QueryAt(ctx context.Context, query string, at time.Time) ([]Sample, error) {
	v := url.Values{"query": {query}}
	if !at.IsZero() {
		v.Set("time", strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64))
	}
	u := p.URL + "/api/v1/query?" + v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: decoding the answer (HTTP %d): %w", query, resp.StatusCode, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s: %s", query, body.ErrorType, body.Error)
	}
	if body.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: result type %q, want vector", query, body.Data.ResultType)
	}
	out := make([]Sample, 0, len(body.Data.Result))
	for _, r := range body.Data.Result {
		s, ok := r.Value[1].(string)
		if !ok {
			return nil, fmt.Errorf("query %q: value %v is not a string", query, r.Value[1])
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %q: value %q: %w", query, s, err)
		}
		out = append(out, Sample{Labels: r.Metric, Value: v})
	}
	return out, nil
}

// Exemplar is one exemplar the server stored.
type Exemplar struct {
	// Series are the labels of the series it was scraped with.
	Series map[string]string
	// Labels are the exemplar's own, such as trace_id and span_id.
	Labels map[string]string
	// Value is the exemplar's value.
	Value float64
}

// Exemplars returns the exemplars of the series query selects over the
// last hour, through /api/v1/query_exemplars.
func (p *Prometheus) Exemplars(ctx context.Context, query string) ([]Exemplar, error) {
	now := time.Now()
	u := p.URL + "/api/v1/query_exemplars?" + url.Values{
		"query": {query},
		"start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)},
		"end":   {strconv.FormatInt(now.Add(time.Minute).Unix(), 10)},
	}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   []struct {
			SeriesLabels map[string]string `json:"seriesLabels"`
			Exemplars    []struct {
				Labels map[string]string `json:"labels"`
				Value  string            `json:"value"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("exemplars of %q: decoding the answer (HTTP %d): %w", query, resp.StatusCode, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("exemplars of %q: %s", query, body.Error)
	}
	var out []Exemplar
	for _, d := range body.Data {
		for _, e := range d.Exemplars {
			v, err := strconv.ParseFloat(e.Value, 64)
			if err != nil {
				return nil, fmt.Errorf("exemplars of %q: value %q: %w", query, e.Value, err)
			}
			out = append(out, Exemplar{Series: d.SeriesLabels, Labels: e.Labels, Value: v})
		}
	}
	return out, nil
}

// WaitFor polls query every 200ms until ok accepts its result or ctx ends,
// and returns the last result.
func (p *Prometheus) WaitFor(ctx context.Context, query string, ok func([]Sample) bool) ([]Sample, error) {
	var last []Sample
	var lastErr error
	for {
		res, err := p.Query(ctx, query)
		if err == nil {
			last = res
			if ok(res) {
				return res, nil
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil && last == nil {
				return nil, fmt.Errorf("query %q: %w (last error: %v)", query, ctx.Err(), lastErr)
			}
			return last, fmt.Errorf("query %q: last result %+v: %w", query, last, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// RuleState is the state of one loaded rule, as /api/v1/rules reports it.
type RuleState struct {
	// Group is the name of the rule's group.
	Group string
	// Name is the recorded series of a recording rule, the alert's name
	// of an alerting rule.
	Name string
	// Type is "recording" or "alerting".
	Type string
	// Query is the rule's expression.
	Query string
	// Health is "ok" once an evaluation succeeded, "err" after one
	// failed, "unknown" before the first.
	Health string
	// LastError is the error of the last evaluation, empty when it
	// succeeded.
	LastError string
	// State is an alert's: "inactive", "pending" or "firing"; empty for
	// a recording rule.
	State string
}

// Rules returns the state of every rule the server loaded, in the order of
// its groups, through /api/v1/rules.
func (p *Prometheus) Rules(ctx context.Context) ([]RuleState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/api/v1/rules", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Type      string `json:"type"`
					Query     string `json:"query"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
					State     string `json:"state"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("rules: decoding the answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("rules: %s", body.Error)
	}
	var out []RuleState
	for _, g := range body.Data.Groups {
		for _, r := range g.Rules {
			out = append(out, RuleState{Group: g.Name, Name: r.Name, Type: r.Type, Query: r.Query, Health: r.Health, LastError: r.LastError, State: r.State})
		}
	}
	return out, nil
}
