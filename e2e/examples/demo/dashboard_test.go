package demo_test

import (
	"context"
	"encoding/json"
	"math"
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

// dashQuery is one query of a panel of the Grafana dashboard.
type dashQuery struct {
	row, panel string
	ref        int // the query's place in its panel: 0 for A, 1 for B
	expr       string
}

// name names the query in messages.
func (q dashQuery) name() string {
	return q.row + " / " + q.panel + " #" + string(rune('A'+q.ref))
}

// metricName is the metric the panel shows, the first word of its title.
func (q dashQuery) metricName() string {
	f := strings.Fields(q.panel)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// dashPanel is a panel of the dashboard, or a row, whose panels a
// collapsed row holds itself.
type dashPanel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"`
}

// dashboardQueries returns every query of the Grafana dashboard, those of
// collapsed rows included.
func dashboardQueries(t *testing.T) []dashQuery {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testbackend.Root(t), "examples", "grafana", "vitals-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []dashPanel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	var out []dashQuery
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
				out = append(out, dashQuery{row: row, panel: p.Title, ref: i, expr: tg.Expr})
			}
		}
	}
	add(dash.Panels)
	return out
}

// rateInterval stands for Grafana's $__rate_interval: four scrapes of
// the test's Prometheus (one a second) and some margin.
const rateInterval = "10s"

// expand replaces the dashboard's variables in expr as Grafana does, with
// every job, the instances matched by the regular expression instances,
// and rateInterval.
func expand(expr, instances string) string {
	return strings.NewReplacer("$__rate_interval", rateInterval, "$job", ".*", "$instance", instances).Replace(expr)
}

// TestDashboardAgainstDemo runs two demos (make demo's program,
// built and started as processes of their own) and, in the test's
// process, a service of the adapters the demo does not use (go-redis,
// database/sql, OpenFeature; see startAdapters), has a real Prometheus
// server scrape the three for 30 seconds, and evaluates every panel query
// of the dashboard, with every job and instance chosen: each must parse
// and return at least one series. Then it checks the fleet rows against the
// per-instance rows for the two demos. TestRulesAgainstDemo does the same
// for the recording and alert rules, which it has Prometheus load.
func TestDashboardAgainstDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for 30 seconds")
	}
	one := startDemo(t)
	defer one.stop(t)
	two := startDemo(t)
	defer two.stop(t)
	adapters := startAdapters(t)
	prom := testbackend.StartPrometheus(t, one.metricsAddr, two.metricsAddr, adapters)
	time.Sleep(32 * time.Second) // the scrapes the queries read, over rate windows of 10 seconds

	queries := dashboardQueries(t)
	exprs := map[string]string{}
	for _, q := range queries {
		exprs[q.name()] = expand(q.expr, ".*")
	}
	if len(exprs) < 100 {
		t.Fatalf("only %d expressions found", len(exprs))
	}
	qctx, qcancel := context.WithTimeout(context.Background(), 60*time.Second)
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

	checkFleetSums(t, qctx, prom, queries, one.metricsAddr, two.metricsAddr)
}

// aggregation matches a query that aggregates one expression by labels.
var aggregation = regexp.MustCompile(`^(sum|max|min) by \(([^)]*)\) \((.*)\)$`)

// checkFleetSums evaluates, at one time and for the instances a and b
// alone (as Grafana expands a choice of two), each fleet query that
// aggregates a metric over instances (sum, max or min by the metric's
// labels) and the per-instance query of the same metric (by instance and
// the same labels), and checks that every fleet value is the aggregate of
// the two instances' values. It also checks the fleet cache hit ratio,
// computed from the summed lookups, against the per-instance lookup rates.
// Counters (vitals.cache.operations), up-down counters
// (vitals.connection.count) and maxima (vitals.queue.max_depth) must be
// among the values compared.
func checkFleetSums(t *testing.T, ctx context.Context, prom *testbackend.Prometheus, queries []dashQuery, a, b string) {
	t.Helper()
	// The regular expression in a PromQL string, whose backslashes are
	// doubled, as Grafana writes a multi-value variable.
	instances := strings.ReplaceAll(regexp.QuoteMeta(a)+"|"+regexp.QuoteMeta(b), `\`, `\\`)
	at := time.Now().Add(-2 * time.Second) // every scrape before it is stored
	perInstance := map[string]dashQuery{}  // by metric and query
	for _, q := range queries {
		if strings.HasPrefix(q.row, "Per instance: ") {
			perInstance[q.metricName()+"#"+strconv.Itoa(q.ref)] = q
		}
	}
	query := func(expr string) []testbackend.Sample {
		res, err := prom.QueryAt(ctx, expand(expr, instances), at)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	key := func(labels map[string]string, names []string) string {
		var parts []string
		for _, n := range names {
			parts = append(parts, n+"="+labels[n])
		}
		return strings.Join(parts, ",")
	}
	compared := map[string]int{} // metric: fleet values compared that were not 0
	for _, q := range queries {
		if !strings.HasPrefix(q.row, "Fleet: ") {
			continue
		}
		fm := aggregation.FindStringSubmatch(q.expr)
		pq, ok := perInstance[q.metricName()+"#"+strconv.Itoa(q.ref)]
		if fm == nil || !ok {
			continue
		}
		pm := aggregation.FindStringSubmatch(pq.expr)
		if pm == nil || pm[3] != fm[3] || pm[2] != "instance, "+fm[2] {
			continue // not the same series aggregated otherwise
		}
		labels := strings.Split(fm[2], ", ")
		fleet := map[string]float64{}
		for _, s := range query(q.expr) {
			fleet[key(s.Labels, labels)] = s.Value
		}
		want := map[string]float64{}
		seen := map[string]map[string]bool{} // the instances of each key
		for _, s := range query(pq.expr) {
			k := key(s.Labels, labels)
			if seen[k] == nil {
				seen[k] = map[string]bool{}
			}
			if inst := s.Labels["instance"]; inst != a && inst != b {
				t.Errorf("%s: series of instance %q", pq.name(), inst)
			}
			prev, ok := want[k]
			switch v := s.Value; {
			case !ok:
				want[k] = v
			case fm[1] == "sum":
				want[k] = prev + v
			case fm[1] == "max":
				want[k] = max(prev, v)
			case fm[1] == "min":
				want[k] = min(prev, v)
			}
			seen[k][s.Labels["instance"]] = true
		}
		if len(fleet) != len(want) {
			t.Errorf("%s: %d fleet series, %d from the instances", q.name(), len(fleet), len(want))
		}
		for k, w := range want {
			got, ok := fleet[k]
			switch {
			case !ok:
				t.Errorf("%s: no fleet series %s", q.name(), k)
			case math.IsNaN(w) && math.IsNaN(got):
			case math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)):
				t.Errorf("%s {%s}: fleet %v, the instances' %s %v", q.name(), k, got, fm[1], w)
			case w != 0 && len(seen[k]) == 2:
				compared[q.metricName()]++
			}
		}
	}
	t.Logf("fleet values compared with both instances' (not 0), by metric: %v", compared)
	for _, m := range []string{"vitals.cache.operations", "vitals.connection.count", "vitals.queue.max_depth"} {
		if compared[m] == 0 {
			t.Errorf("%s: no fleet value compared with both instances'", m)
		}
	}

	// The hit ratio of the fleet is the summed hits over the summed
	// lookups, not an average of the instances' ratios.
	var ratio, ops dashQuery
	for _, q := range queries {
		switch {
		case q.row == "Fleet: Caches" && q.metricName() == "vitals.cache.hit_ratio":
			ratio = q
		case q.row == "Per instance: Caches" && q.metricName() == "vitals.cache.operations":
			ops = q
		}
	}
	if ratio.expr == "" || ops.expr == "" {
		t.Fatal("no fleet hit ratio or per-instance lookups panel")
	}
	hits, total := map[string]float64{}, map[string]float64{}
	for _, s := range query(ops.expr) {
		k := key(s.Labels, []string{"vitals_cache_type", "vitals_cache_name"})
		total[k] += s.Value
		if s.Labels["vitals_cache_result"] == "hit" {
			hits[k] += s.Value
		}
	}
	res := query(ratio.expr)
	if len(res) == 0 || len(res) != len(total) {
		t.Errorf("%s: %d series, %d caches", ratio.name(), len(res), len(total))
	}
	for _, s := range res {
		k := key(s.Labels, []string{"vitals_cache_type", "vitals_cache_name"})
		if w := hits[k] / total[k]; math.Abs(s.Value-w) > 1e-9 {
			t.Errorf("%s {%s}: %v, want the summed hits over the summed lookups %v", ratio.name(), k, s.Value, w)
		}
	}
}

// demo is the demo program running as a child process.
type demo struct {
	cmd         *exec.Cmd
	done        chan error
	out         string // the file its output goes to
	addr        string // its service, host:port
	metricsAddr string // its Prometheus endpoint, host:port
}

// startDemo builds examples/demo as make demo runs it, starts it on free
// loopback ports with a generated load of 200 requests a second, and waits
// until its service and its Prometheus endpoint answer. Flags given in
// args come after the test's own, so they win (-rate 0: no load). The demo
// stops on its own after five minutes, should the test not stop it.
func startDemo(t *testing.T, args ...string) *demo {
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
	d.addr = addr
	logf, err := os.Create(d.out)
	if err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(bin, append([]string{"-addr", addr, "-metrics", d.metricsAddr, "-rate", "200", "-duration", "5m"}, args...)...)
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
