package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelvitals/vitals/internal/metricsdoc"
	"github.com/otelvitals/vitals/semconv"
)

// signals orders and titles the fleet and per-instance rows.
var signals = []struct{ signal, title string }{
	{semconv.SignalConnection, "Connections"},
	{semconv.SignalQueue, "Queues"},
	{semconv.SignalCache, "Caches"},
	{semconv.SignalFeature, "Features"},
	{semconv.SignalHealth, "Health and self-monitoring"},
}

// The health statuses' default thresholds (healthscore.Policy's
// UnhealthyBelow and DegradedBelow, 50 and 80), on the exported 0–1 scale.
const (
	unhealthyBelow = 0.5
	degradedBelow  = 0.8
)

// The quantile the histogram panels draw.
const quantile = "0.95"

// Panel sizes on Grafana's 24-column grid.
const (
	panelWidth  = 8
	panelHeight = 8
)

// instanceSel selects the series of the instances the job and instance
// variables pick; every query carries it.
var instanceSel = []string{`job=~"$job"`, `instance=~"$instance"`}

// datasource is the data source every panel and query reads: the one the
// datasource variable picks.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// metric is a definition with the names the Prometheus exporter gives it.
type metric struct {
	def    semconv.Metric
	prom   string   // the family name, as the exporter translates it
	labels []string // the attribute keys as labels, in definition order
}

func newMetric(def semconv.Metric) (metric, error) {
	prom, err := metricsdoc.PrometheusName(def)
	if err != nil {
		return metric{}, err
	}
	m := metric{def: def, prom: prom}
	for _, k := range def.Attributes {
		l, err := label(k)
		if err != nil {
			return metric{}, fmt.Errorf("metric %s: %w", def.Name, err)
		}
		m.labels = append(m.labels, l)
	}
	return m, nil
}

// label returns the Prometheus label the exporter makes of an attribute key.
func label(k attribute.Key) (string, error) {
	namer := otlptranslator.LabelNamer{}
	return namer.Build(string(k))
}

// mustLabel is label for the keys of package semconv, which translate.
func mustLabel(k attribute.Key) string {
	l, err := label(k)
	if err != nil {
		panic(err)
	}
	return l
}

// mustMetric is newMetric for the definitions of package semconv.
func mustMetric(def semconv.Metric) metric {
	m, err := newMetric(def)
	if err != nil {
		panic(err)
	}
	return m
}

// sel returns the selector of name for the chosen instances, with more
// matchers.
func sel(name string, more ...string) string {
	return name + "{" + strings.Join(append(append([]string(nil), instanceSel...), more...), ", ") + "}"
}

// rate is the per-second rate of a counter's series over Grafana's
// $__rate_interval, which covers at least four scrapes or pushes whatever
// the interval.
func rate(series string) string {
	return "rate(" + series + "[$__rate_interval])"
}

// by returns "agg by (labels) (expr)".
func by(agg string, labels []string, expr string) string {
	return fmt.Sprintf("%s by (%s) (%s)", agg, strings.Join(labels, ", "), expr)
}

// legend names a series by its labels.
func legend(labels []string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = "{{" + l + "}}"
	}
	return strings.Join(parts, " ")
}

// grafanaUnit returns the Grafana unit of a UCUM unit: seconds, the unit
// scale of ratios and scores, and plain numbers for the counts of things
// ({connection}, {item}, …).
func grafanaUnit(unit string) (string, error) {
	switch {
	case unit == "s":
		return "s", nil
	case unit == "1":
		return "percentunit", nil
	case unit == "By":
		return "bytes", nil
	case strings.HasPrefix(unit, "{") && strings.HasSuffix(unit, "}"):
		return "short", nil
	}
	return "", fmt.Errorf("no Grafana unit for the UCUM unit %q: add one to grafanaUnit", unit)
}

// panel is one panel before it becomes a Grafana panel.
type panel struct {
	title       string
	description string
	stat        bool // a single value rather than a time series
	unit        string
	ratio       bool // values from 0 to 1
	targets     []target
	// perSecond: the second query is a rate of events (a histogram's
	// _count), drawn on a right axis in events per second.
	perSecond bool
}

// target is one query of a panel.
type target struct {
	expr   string
	legend string
}

// scope is where a panel sits: the fleet (sums over the chosen instances)
// or the drill-down (by instance).
type scope struct {
	group  []string // the labels kept besides the metric's own
	prefix string   // the legend's prefix
}

var (
	fleet       = scope{}
	perInstance = scope{group: []string{"instance"}, prefix: "{{instance}} "}
)

func (s scope) by(m metric, extra ...string) []string {
	return append(append(append([]string(nil), extra...), s.group...), m.labels...)
}

func (s scope) legend(m metric) string {
	if len(m.labels) == 0 {
		return s.prefix + m.def.Name
	}
	return s.prefix + legend(m.labels)
}

// metricPanel returns the panel of m in scope s, by its instrument kind:
// counters as rates, up-down counters summed, histograms as a quantile
// with the rate of events beside it, gauges by the rule fleetGauges gives
// them (in the drill-down, as they are).
func metricPanel(m metric, s scope) (panel, error) {
	unit, err := grafanaUnit(m.def.Unit)
	if err != nil {
		return panel{}, fmt.Errorf("metric %s: %w", m.def.Name, err)
	}
	p := panel{title: m.def.Name, description: m.def.Description, unit: unit, ratio: m.def.Unit == "1"}
	switch m.def.Kind {
	case semconv.KindInt64Counter, semconv.KindInt64ObservableCounter, semconv.KindFloat64ObservableCounter:
		p.title += " per second"
		p.targets = []target{{by("sum", s.by(m), rate(sel(m.prom))), s.legend(m)}}
	case semconv.KindInt64UpDownCounter, semconv.KindInt64ObservableUpDownCounter:
		p.targets = []target{{by("sum", s.by(m), sel(m.prom)), s.legend(m)}}
	case semconv.KindFloat64Histogram:
		p.title += " p95 and per second"
		p.perSecond = true
		p.targets = []target{
			{"histogram_quantile(" + quantile + ", " + by("sum", s.by(m, "le"), rate(sel(m.prom+"_bucket"))) + ")", "p95 " + s.legend(m)},
			{by("sum", s.by(m), rate(sel(m.prom+"_count"))), "per second " + s.legend(m)},
		}
	case semconv.KindInt64ObservableGauge, semconv.KindFloat64ObservableGauge:
		if s.group != nil {
			p.targets = []target{{by("max", s.by(m), sel(m.prom)), s.legend(m)}}
			break
		}
		rule, ok := fleetGauges[m.def.Name]
		if !ok {
			return panel{}, fmt.Errorf("metric %s: a gauge with no fleet aggregation: add one to fleetGauges", m.def.Name)
		}
		return rule(m, p), nil
	default:
		return panel{}, fmt.Errorf("metric %s: unknown kind %v", m.def.Name, m.def.Kind)
	}
	return p, nil
}

// fleetGauges says how each gauge aggregates over instances, which a
// gauge, unlike a counter, does not do by summing: a ratio is computed
// again from the summed counters it is the ratio of (an average of the
// instances' ratios would weigh a quiet instance like a busy one), a score
// is shown at its worst instance, a maximum at its largest, and a count
// every instance reports alike (the fleet-wide user count) with max.
var fleetGauges = map[string]func(metric, panel) panel{
	semconv.ConnectionAgeOldest.Name: extreme("max", "oldest instance"),
	semconv.ConnectionAgeMean.Name: func(m metric, p panel) panel {
		// The mean over the fleet's connections: each instance's mean
		// weighed by its number of open connections.
		count := mustMetric(semconv.ConnectionCount.Metric)
		match := append([]string{"job", "instance"}, m.labels...)
		open := by("sum", match, sel(count.prom))
		p.title += " (weighed by open connections)"
		p.targets = []target{{
			by("sum", m.labels, sel(m.prom)+" * on ("+strings.Join(match, ", ")+") "+open) + " / " + by("sum", m.labels, sel(count.prom)),
			legend(m.labels),
		}}
		return p
	},
	semconv.ConnectionHealth.Name:    extreme("min", "worst instance"),
	semconv.QueueUtilization.Name:    queueUtilization,
	semconv.QueueMaxDepth.Name:       extreme("max", "largest instance"),
	semconv.CacheHitRatio.Name:       cacheHitRatio,
	semconv.CacheEfficiency.Name:     extreme("min", "worst instance"),
	semconv.FeatureUsers.Name:        featureUsers,
	semconv.FeatureSuccessRatio.Name: featureSuccessRatio,
	semconv.FeatureFleetUsers.Name:   extreme("max", "the same in every instance"),
	semconv.HealthScore.Name:         extreme("min", "worst instance"),
}

// extreme aggregates a gauge with agg (min or max) over instances.
func extreme(agg, note string) func(metric, panel) panel {
	return func(m metric, p panel) panel {
		p.title += " (" + note + ")"
		p.targets = []target{{by(agg, m.labels, sel(m.prom)), legend(m.labels)}}
		return p
	}
}

// featureUsers shows the per-instance distinct users at their largest
// instance: a user who reached two instances is in both counts, so their
// sum would count her twice.
func featureUsers(m metric, p panel) panel {
	p = extreme("max", "largest instance")(m, p)
	p.description += " Distinct users do not add up across instances: the largest instance's count is a lower bound of the fleet's, and " + semconv.FeatureFleetUsers.Name + " counts them across the fleet."
	return p
}

// ratioOf returns the panel of a ratio gauge computed over the fleet as
// num / den, both summed by the gauge's labels.
func ratioOf(m metric, p panel, from string, num, den string) panel {
	p.title += " (from the summed " + from + ")"
	p.targets = []target{{by("sum", m.labels, num) + " / " + by("sum", m.labels, den), legend(m.labels)}}
	return p
}

func cacheHitRatio(m metric, p panel) panel {
	ops := mustMetric(semconv.CacheOperations.Metric)
	hit := mustLabel(semconv.CacheResultKey) + `="` + semconv.CacheResultHit + `"`
	return ratioOf(m, p, semconv.CacheOperations.Name, rate(sel(ops.prom, hit)), rate(sel(ops.prom)))
}

func featureSuccessRatio(m metric, p panel) panel {
	uses := mustMetric(semconv.FeatureUses.Metric)
	success := mustLabel(semconv.FeatureOutcomeKey) + `="` + semconv.FeatureOutcomeSuccess + `"`
	return ratioOf(m, p, semconv.FeatureUses.Name, rate(sel(uses.prom, success)), rate(sel(uses.prom)))
}

func queueUtilization(m metric, p panel) panel {
	depth := mustMetric(semconv.QueueDepth.Metric)
	capacity := mustMetric(semconv.QueueCapacity.Metric)
	return ratioOf(m, p, semconv.QueueDepth.Name+" and "+semconv.QueueCapacity.Name, sel(depth.prom), sel(capacity.prom))
}

// keyPanels are the first row: the health scores, then the fleet's ratios
// a user looks at first.
func keyPanels() []panel {
	score := mustMetric(semconv.HealthScore.Metric)
	component := mustLabel(semconv.HealthComponentKey)
	overall := component + `="overall"`
	pool := mustLabel(semconv.DBClientConnectionPoolNameKey)
	used := mustLabel(semconv.DBClientConnectionStateKey) + `="` + semconv.ConnectionStateUsed + `"`
	count := mustMetric(semconv.DBClientConnectionCount.Metric)
	limit := mustMetric(semconv.DBClientConnectionMax.Metric)
	ratio := func(title string, rule func(metric, panel) panel, def semconv.Metric) panel {
		p := rule(mustMetric(def), panel{unit: "percentunit", ratio: true, description: def.Description})
		p.title = title
		return p
	}
	return []panel{
		{
			title:       "Overall health (worst instance)",
			description: "The lowest overall health score among the chosen instances (healthy at or above 80 %, unhealthy below 50 %).",
			stat:        true, unit: "percentunit", ratio: true,
			targets: []target{{"min(" + sel(score.prom, overall) + ")", "overall"}},
		},
		{
			title:       "Overall health by instance",
			description: semconv.HealthScore.Description,
			unit:        "percentunit", ratio: true,
			targets: []target{{by("max", []string{"instance"}, sel(score.prom, overall)), "{{instance}}"}},
		},
		{
			title:       "Health by component (worst instance)",
			description: "Each component's lowest health score among the chosen instances.",
			unit:        "percentunit", ratio: true,
			targets: []target{{by("min", []string{component}, sel(score.prom, component+`!="overall"`)), "{{" + component + "}}"}},
		},
		ratio("Cache hit ratio (fleet)", cacheHitRatio, semconv.CacheHitRatio.Metric),
		ratio("Feature success ratio (fleet)", featureSuccessRatio, semconv.FeatureSuccessRatio.Metric),
		ratio("Queue utilisation (fleet)", queueUtilization, semconv.QueueUtilization.Metric),
		{
			title:       "Database pool saturation (fleet)",
			description: "Connections in use over the pools' maximum, summed over the chosen instances.",
			unit:        "percentunit", ratio: true,
			targets: []target{{
				by("sum", []string{pool}, sel(count.prom, used)) + " / " + by("sum", []string{pool}, sel(limit.prom)),
				"{{" + pool + "}}",
			}},
		},
	}
}

// build turns a panel into a Grafana panel.
func (p panel) build(id uint32, width uint32) cog.Builder[dashboard.Panel] {
	var queries []cog.Builder[variants.Dataquery]
	for i, t := range p.targets {
		queries = append(queries, prometheus.NewDataqueryBuilder().
			Datasource(datasource).
			RefId(string(rune('A'+i))).
			Expr(t.expr).
			LegendFormat(t.legend))
	}
	if p.stat {
		b := stat.NewPanelBuilder().Id(id).Title(p.title).Description(p.description).
			Datasource(datasource).Span(width).Height(panelHeight).Unit(p.unit).
			Thresholds(healthThresholds()).ColorMode(common.BigValueColorModeBackground)
		if p.ratio {
			b.Min(0).Max(1)
		}
		for _, q := range queries {
			b.WithTarget(q)
		}
		return b
	}
	b := timeseries.NewPanelBuilder().Id(id).Title(p.title).Description(p.description).
		Datasource(datasource).Span(width).Height(panelHeight).Unit(p.unit)
	if p.ratio {
		b.Min(0).Max(1)
	}
	if p.perSecond {
		b.OverrideByQuery("B", []dashboard.DynamicConfigValue{
			{Id: "unit", Value: "short"},
			{Id: "custom.axisPlacement", Value: "right"},
			{Id: "custom.axisLabel", Value: "per second"},
		})
	}
	for _, q := range queries {
		b.WithTarget(q)
	}
	return b
}

func healthThresholds() cog.Builder[dashboard.ThresholdsConfig] {
	return dashboard.NewThresholdsConfigBuilder().
		Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{
			{Value: nil, Color: "red"},
			{Value: cog.ToPtr(unhealthyBelow), Color: "orange"},
			{Value: cog.ToPtr(degradedBelow), Color: "green"},
		})
}

// variables are the dashboard's: the Prometheus data source, then the jobs
// and instances to show, any number of each, all by default.
func variables() []cog.Builder[dashboard.VariableModel] {
	score := mustMetric(semconv.HealthScore.Metric)
	all := dashboard.VariableOption{
		Selected: cog.ToPtr(true),
		Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
		Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
	}
	query := func(name, q string) cog.Builder[dashboard.VariableModel] {
		return dashboard.NewQueryVariableBuilder(name).
			Label(name).
			Datasource(datasource).
			Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).
			Definition(q).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).
			IncludeAll(true).
			AllValue(".*").
			Current(all)
	}
	return []cog.Builder[dashboard.VariableModel]{
		dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus"),
		query("job", "label_values("+score.prom+", job)"),
		query("instance", `label_values(`+score.prom+`{job=~"$job"}, instance)`),
	}
}

// Generate returns the dashboard's JSON, indented, with a final newline.
func Generate() ([]byte, error) {
	var metrics []metric
	for _, def := range semconv.All() {
		m, err := newMetric(def)
		if err != nil {
			return nil, err
		}
		metrics = append(metrics, m)
	}
	for _, m := range metrics {
		known := false
		for _, s := range signals {
			known = known || m.def.Signal == s.signal
		}
		if !known {
			return nil, fmt.Errorf("metric %s: unknown signal %q: add it to signals", m.def.Name, m.def.Signal)
		}
	}

	var id uint32
	next := func() uint32 { id++; return id }
	// The classic dashboard model, which Grafana's file provisioning
	// (examples/grafana/provisioning) loads in every version; the SDK
	// prefers the v2 schema, which only Grafana 12's new API takes.
	//lint:ignore SA1019 the classic model is the one provisioning reads
	b := dashboard.NewDashboardBuilder("vitals").
		Uid("vitals").
		Description("Generated from package semconv by examples/grafana/gen (go generate ./semconv): do not edit by hand.").
		Tags([]string{"vitals", "opentelemetry"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Refresh("10s").
		Time("now-30m", "now").
		Variables(variables())

	b.WithRow(dashboard.NewRowBuilder("Health and key ratios").Id(next()))
	for i, p := range keyPanels() {
		width := uint32(6)
		if i == 1 || i == 2 {
			width = 9 // the two health time series beside the overall stat
		}
		b.WithPanel(p.build(next(), width))
	}
	for _, s := range signals {
		b.WithRow(dashboard.NewRowBuilder("Fleet: " + s.title).Id(next()))
		for _, m := range metrics {
			if m.def.Signal != s.signal {
				continue
			}
			p, err := metricPanel(m, fleet)
			if err != nil {
				return nil, err
			}
			b.WithPanel(p.build(next(), panelWidth))
		}
	}
	for _, s := range signals {
		row := dashboard.NewRowBuilder("Per instance: " + s.title).Id(next()).Collapsed(true)
		for _, m := range metrics {
			if m.def.Signal != s.signal {
				continue
			}
			p, err := metricPanel(m, perInstance)
			if err != nil {
				return nil, err
			}
			row.WithPanel(p.build(next(), panelWidth))
		}
		b.WithRow(row)
	}
	dash, err := b.Build()
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(dash, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
