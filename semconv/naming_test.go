package semconv_test

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/dbconv"

	"github.com/otelvitals/vitals/semconv"
)

// This file lints every definition against the semantic conventions'
// naming guidelines (docs/general/naming.md, the metrics guidelines of
// docs/general/metrics.md, both of v1.44.0) and the registry's name
// collision checks, so that a new metric cannot drift from them. Each rule
// has an ID; TestLintCatchesBadDefinitions holds, for every rule, a
// definition that breaks it and nothing else.

// official is a metric of the semantic conventions, as model/db/metrics.yaml
// defines it.
type official struct {
	name, unit, class string
	stability         semconv.Stability
}

// officialMetrics are the official metrics a vitals definition may carry
// (the database client family, whose pools vitals reports), or must not be
// mistaken for.
var officialMetrics = func() map[string]official {
	dev := semconv.StabilityDevelopment
	m := map[string]official{}
	for _, o := range []official{
		{dbconv.ClientConnectionCount{}.Name(), dbconv.ClientConnectionCount{}.Unit(), "updowncounter", dev},
		{dbconv.ClientConnectionMax{}.Name(), dbconv.ClientConnectionMax{}.Unit(), "updowncounter", dev},
		{dbconv.ClientConnectionIdleMax{}.Name(), dbconv.ClientConnectionIdleMax{}.Unit(), "updowncounter", dev},
		{dbconv.ClientConnectionIdleMin{}.Name(), dbconv.ClientConnectionIdleMin{}.Unit(), "updowncounter", dev},
		{dbconv.ClientConnectionPendingRequests{}.Name(), dbconv.ClientConnectionPendingRequests{}.Unit(), "updowncounter", dev},
		{dbconv.ClientConnectionTimeouts{}.Name(), dbconv.ClientConnectionTimeouts{}.Unit(), "counter", dev},
		{dbconv.ClientConnectionCreateTime{}.Name(), dbconv.ClientConnectionCreateTime{}.Unit(), "histogram", dev},
		{dbconv.ClientConnectionWaitTime{}.Name(), dbconv.ClientConnectionWaitTime{}.Unit(), "histogram", dev},
		{dbconv.ClientConnectionUseTime{}.Name(), dbconv.ClientConnectionUseTime{}.Unit(), "histogram", dev},
		{dbconv.ClientOperationDuration{}.Name(), dbconv.ClientOperationDuration{}.Unit(), "histogram", semconv.StabilityStable},
	} {
		m[o.name] = o
	}
	return m
}()

// officialKeys are the official attribute keys a definition may carry.
var officialKeys = map[attribute.Key]bool{
	otelsemconv.ErrorTypeKey:                  true,
	otelsemconv.DBClientConnectionPoolNameKey: true,
	otelsemconv.DBClientConnectionStateKey:    true,
	otelsemconv.FeatureFlagKeyKey:             true,
	otelsemconv.FeatureFlagResultVariantKey:   true,
	otelsemconv.FeatureFlagResultReasonKey:    true,
	otelsemconv.FeatureFlagProviderNameKey:    true,
	otelsemconv.FeatureFlagSetIDKey:           true,
	otelsemconv.FeatureFlagVersionKey:         true,
	otelsemconv.FeatureFlagContextIDKey:       true,
}

// class is the instrument class of k as the conventions name it.
func class(k semconv.Kind) string {
	switch k {
	case semconv.KindInt64Counter, semconv.KindInt64ObservableCounter, semconv.KindFloat64ObservableCounter:
		return "counter"
	case semconv.KindInt64UpDownCounter, semconv.KindInt64ObservableUpDownCounter:
		return "updowncounter"
	case semconv.KindInt64ObservableGauge, semconv.KindFloat64ObservableGauge:
		return "gauge"
	case semconv.KindFloat64Histogram:
		return "histogram"
	}
	return "invalid"
}

// countsIntegers reports whether k records integer counts.
func countsIntegers(k semconv.Kind) bool {
	switch k {
	case semconv.KindInt64Counter, semconv.KindInt64ObservableCounter, semconv.KindInt64UpDownCounter,
		semconv.KindInt64ObservableUpDownCounter, semconv.KindInt64ObservableGauge:
		return true
	}
	return false
}

var (
	// nameSyntax: lowercase Latin letters and digits, snake_case within a
	// component, at least two dot-separated components, each starting with
	// a letter, no empty or doubled delimiters.
	nameSyntax = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*(\.[a-z][a-z0-9]*(_[a-z0-9]+)*)+$`)
	// annotation is a UCUM curly-brace annotation of a count.
	annotation = regexp.MustCompile(`^\{[a-z][a-z0-9_]*\}$`)
	// plainUnits are the UCUM units a definition may use besides
	// annotations: dimensionless, seconds (durations are in seconds) and
	// bytes, none prefixed.
	plainUnits = map[string]bool{"1": true, "s": true, "By": true}
	// unitWords are words that name a unit or a Prometheus suffix, which a
	// name must not carry: the unit is metadata, and _total marks
	// monotonic sums in Prometheus.
	unitWords = map[string]bool{
		"total": true, "seconds": true, "second": true, "secs": true, "milliseconds": true, "ms": true,
		"microseconds": true, "us": true, "nanoseconds": true, "ns": true, "bytes": true, "byte": true,
		"percent": true, "percentage": true, "pct": true,
	}
	// ratioWords end the names of scores and ratios, which share one
	// scale, 0 to 1 with unit 1.
	ratioWords = []string{"ratio", "utilization", "score", "efficiency", "health"}
	// zeroToOne is how a score's or ratio's description states its scale.
	zeroToOne = regexp.MustCompile(`\bfrom 0\b.*\bto 1\b`)
)

// plural reports whether the word is a plural noun, as far as an English
// -s tells (status, process, analysis are not).
func plural(w string) bool {
	return strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is")
}

// lastWord returns the last word of a name: after its last dot and its
// last underscore.
func lastWord(name string) string {
	w := name[strings.LastIndex(name, ".")+1:]
	return w[strings.LastIndex(w, "_")+1:]
}

// words returns every word of a name, split at dots and underscores.
func words(name string) []string {
	return strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '_' })
}

// lint returns the IDs of the rules defs break, each with what broke it,
// sorted.
func lint(defs []semconv.Metric) []string {
	var found []string
	fail := func(rule, format string, args ...any) {
		found = append(found, rule+": "+fmt.Sprintf(format, args...))
	}
	keys := map[attribute.Key]bool{}
	for _, d := range defs {
		own := d.Convention == ""
		cls := class(d.Kind)

		// Names.
		if !nameSyntax.MatchString(d.Name) {
			fail("name.syntax", "%q is not lowercase, dot-namespaced snake_case", d.Name)
		}
		for _, w := range words(d.Name) {
			if unitWords[w] {
				fail("name.unit_word", "%q carries the unit or suffix %q", d.Name, w)
			}
		}
		if o, isOfficial := officialMetrics[d.Name]; isOfficial {
			if own {
				fail("name.official", "%q is an official name, not marked official", d.Name)
			} else if o.unit != d.Unit || o.class != cls || o.stability != d.Stability {
				fail("name.official", "%q is official as %s %s (%s), defined as %s %s (%s)",
					d.Name, o.class, o.unit, o.stability, cls, d.Unit, d.Stability)
			}
		} else if !own {
			fail("name.official", "%q is marked official, but is no official metric", d.Name)
		}
		if own && !strings.HasPrefix(d.Name, "vitals.") {
			fail("name.namespace", "%q is vitals' own, outside vitals.*", d.Name)
		}
		if o, ok := officialMetrics[strings.TrimPrefix(d.Name, "vitals.")]; own && ok && strings.HasPrefix(d.Name, "vitals.") {
			fail("name.shadow", "%q reads as the official %s %s", d.Name, o.class, o.name)
		}

		// Units.
		switch {
		case annotation.MatchString(d.Unit):
			if plural(strings.Trim(d.Unit, "{}")) {
				fail("unit.annotation", "%q: annotation %s is plural", d.Name, d.Unit)
			}
			if !countsIntegers(d.Kind) && d.Kind != semconv.KindFloat64Histogram {
				fail("unit.annotation", "%q: annotation %s on a %v, which counts nothing", d.Name, d.Unit, d.Kind)
			}
		case !plainUnits[d.Unit]:
			fail("unit.ucum", "%q: unit %q is no unprefixed UCUM unit or annotation", d.Name, d.Unit)
		}
		if d.Unit == "1" && countsIntegers(d.Kind) {
			fail("unit.annotation", "%q: an integer count with unit 1, not an annotation", d.Name)
		}

		// Scores and ratios: one scale, 0 to 1, unit 1, a gauge.
		ratioName := slices.Contains(ratioWords, lastWord(d.Name))
		if ratioName || d.Unit == "1" {
			if d.Unit != "1" || d.Kind != semconv.KindFloat64ObservableGauge ||
				!zeroToOne.MatchString(d.Description) {
				fail("ratio.scale", "%q: a score or ratio is a float gauge of unit 1 whose description says from 0 to 1; got %v %q",
					d.Name, d.Kind, d.Unit)
			}
		}

		// Instrument naming, for vitals' own (official names are what the
		// conventions made them).
		if own {
			last := lastWord(d.Name)
			switch cls {
			case "counter":
				if annotation.MatchString(d.Unit) && !plural(last) {
					fail("counter.plural", "%q counts %s, so its name ends in a plural noun", d.Name, d.Unit)
				}
				if d.Unit == "s" && !strings.HasSuffix(d.Name, ".time") {
					fail("counter.time", "%q is a counter of seconds, so {entity}.time", d.Name)
				}
			case "updowncounter":
				if plural(last) {
					fail("updowncounter.singular", "%q is an UpDownCounter, whose names are not pluralised", d.Name)
				}
			case "histogram":
				if d.Unit == "s" && !strings.HasSuffix(d.Name, ".duration") {
					fail("histogram.duration", "%q is a histogram of seconds, so {operation}.duration", d.Name)
				}
			}
			if strings.HasSuffix(d.Name, ".duration") && (cls != "histogram" || d.Unit != "s") {
				fail("histogram.duration", "%q: .duration is a histogram of seconds, not a %s of %s", d.Name, cls, d.Unit)
			}
			if strings.HasSuffix(d.Name, ".time") && (cls != "counter" || d.Unit != "s") {
				fail("counter.time", "%q: .time is a counter of seconds, not a %s of %s", d.Name, cls, d.Unit)
			}
			if (strings.HasSuffix(d.Name, ".usage") || strings.HasSuffix(d.Name, ".limit")) && cls == "counter" {
				fail("name.usage", "%q: .usage and .limit are amounts of a limit, not counts", d.Name)
			}
			if d.Stability != semconv.StabilityDevelopment && d.Stability != semconv.StabilityStable {
				fail("stability", "%q: stability %q", d.Name, d.Stability)
			}
		}

		// Description: a sentence.
		if d.Description == "" || !strings.HasSuffix(d.Description, ".") ||
			strings.ToUpper(d.Description[:1]) != d.Description[:1] {
			fail("description", "%q: description %q is not a capitalised sentence", d.Name, d.Description)
		}

		// Attributes.
		for _, k := range d.Attributes {
			keys[k] = true
			if !nameSyntax.MatchString(string(k)) {
				fail("attribute.syntax", "%q: key %q is not lowercase, dot-namespaced snake_case", d.Name, k)
			}
			if !strings.HasPrefix(string(k), "vitals.") && !officialKeys[k] {
				fail("attribute.namespace", "%q: key %q is neither vitals.* nor an official key", d.Name, k)
			}
		}
	}

	// Collisions: a name that is the namespace of another, or two names
	// that are one where dots and underscores are alike (Prometheus),
	// among metrics and among attribute keys.
	names := map[string]bool{}
	for _, d := range defs {
		names[d.Name] = true
	}
	keyNames := map[string]bool{}
	for k := range keys {
		keyNames[string(k)] = true
	}
	for _, set := range []struct {
		what  string
		names map[string]bool
	}{{"metric", names}, {"attribute", keyNames}} {
		constant := map[string]string{}
		for n := range set.names {
			for m := range set.names {
				if strings.HasPrefix(m, n+".") {
					fail(set.what+".collision", "%q is a name and the namespace of %q", n, m)
				}
			}
			c := strings.ReplaceAll(n, ".", "_")
			if other, ok := constant[c]; ok {
				fail(set.what+".collision", "%q and %q are one name with dots as underscores", min(n, other), max(n, other))
			}
			constant[c] = n
		}
	}
	sort.Strings(found)
	return found
}

// TestDefinitionsFollowNamingGuidelines lints every definition.
func TestDefinitionsFollowNamingGuidelines(t *testing.T) {
	for _, f := range lint(semconv.All()) {
		t.Error(f)
	}
}

// rules returns the rule IDs of findings, deduplicated.
func rules(findings []string) []string {
	var ids []string
	for _, f := range findings {
		id, _, _ := strings.Cut(f, ":")
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestLintCatchesBadDefinitions checks that each rule catches a definition
// that breaks it, and only it: each case changes one well-formed
// definition (or adds a second) in one way.
func TestLintCatchesBadDefinitions(t *testing.T) {
	counter := semconv.QueueOverflows.Metric
	udc := semconv.QueueDepth.Metric
	hist := semconv.CacheOperationDuration.Metric
	gauge := semconv.QueueUtilization.Metric
	timeCounter := semconv.QueueOverflowTime.Metric
	oldest := semconv.ConnectionAgeOldest.Metric
	officialUDC := semconv.DBClientConnectionCount.Metric
	with := func(m semconv.Metric, f func(*semconv.Metric)) semconv.Metric {
		m.Attributes = slices.Clone(m.Attributes)
		f(&m)
		return m
	}
	tests := []struct {
		name  string
		defs  []semconv.Metric
		rules []string // exactly these break
	}{
		{"uppercase", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "vitals.queue.Overflows" })}, []string{"name.syntax"}},
		{"no namespace", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "overflows" })}, []string{"name.namespace", "name.syntax"}},
		{"camelCase component", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "vitals.queue.overflowEvents" })}, []string{"name.syntax"}},
		{"doubled underscore", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "vitals.queue.overflow__events" })}, []string{"name.syntax"}},
		{"_total", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "vitals.queue.total_overflows" })}, []string{"name.unit_word"}},
		{"_seconds", []semconv.Metric{with(oldest, func(m *semconv.Metric) { m.Name = "vitals.connection.age.oldest_seconds" })}, []string{"name.unit_word"}},
		{"outside vitals.*", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "queue.overflows" })}, []string{"name.namespace"}},
		{"official name unmarked", []semconv.Metric{with(officialUDC, func(m *semconv.Metric) { m.Convention = "" })}, []string{"name.namespace", "name.official"}},
		{"official name, other unit", []semconv.Metric{with(officialUDC, func(m *semconv.Metric) { m.Unit = "{conn}" })}, []string{"name.official"}},
		{"official name, other kind", []semconv.Metric{with(officialUDC, func(m *semconv.Metric) { m.Kind = semconv.KindInt64ObservableGauge })}, []string{"name.official"}},
		{"official name, other stability", []semconv.Metric{with(officialUDC, func(m *semconv.Metric) { m.Stability = semconv.StabilityStable })}, []string{"name.official"}},
		{"marked official, is not", []semconv.Metric{with(officialUDC, func(m *semconv.Metric) { m.Name = "db.client.connection.leaks" })}, []string{"name.official"}},
		{"shadows an official name", []semconv.Metric{with(udc, func(m *semconv.Metric) { m.Name = "vitals.db.client.connection.idle.max" })}, []string{"name.shadow"}},
		{"plural annotation", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Unit = "{overflows}" })}, []string{"unit.annotation"}},
		{"annotation on a float gauge", []semconv.Metric{with(oldest, func(m *semconv.Metric) { m.Unit = "{second}" })}, []string{"unit.annotation"}},
		{"score as {score}", []semconv.Metric{with(gauge, func(m *semconv.Metric) { m.Unit = "{score}" })}, []string{"ratio.scale", "unit.annotation"}},
		{"count with unit 1", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Unit = "1" })}, []string{"ratio.scale", "unit.annotation"}},
		{"prefixed unit", []semconv.Metric{with(oldest, func(m *semconv.Metric) { m.Unit = "ms" })}, []string{"unit.ucum"}},
		{"duration in ms", []semconv.Metric{with(hist, func(m *semconv.Metric) { m.Unit = "ms" })}, []string{"histogram.duration", "unit.ucum"}},
		{"no unit", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Unit = "" })}, []string{"unit.ucum"}},
		{"ratio in percent", []semconv.Metric{with(gauge, func(m *semconv.Metric) { m.Unit = "%" })}, []string{"ratio.scale", "unit.ucum"}},
		{"score from 0 to 100", []semconv.Metric{with(gauge, func(m *semconv.Metric) {
			m.Name, m.Description = "vitals.queue.score", "Queue score from 0 to 100."
		})}, []string{"ratio.scale"}},
		{"singular counter", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "vitals.queue.dropped" })}, []string{"counter.plural"}},
		{"counter of seconds as _time", []semconv.Metric{with(timeCounter, func(m *semconv.Metric) { m.Name = "vitals.queue.overflow_time" })}, []string{"counter.time"}},
		{"gauge named .time", []semconv.Metric{with(gauge, func(m *semconv.Metric) {
			m.Name, m.Unit, m.Kind, m.Description = "vitals.queue.wait.time", "s", semconv.KindFloat64ObservableGauge, "Wait."
		})}, []string{"counter.time"}},
		{"plural UpDownCounter", []semconv.Metric{with(udc, func(m *semconv.Metric) { m.Name = "vitals.queue.items" })}, []string{"updowncounter.singular"}},
		{"duration histogram not .duration", []semconv.Metric{with(hist, func(m *semconv.Metric) { m.Name = "vitals.cache.operation.latency" })}, []string{"histogram.duration"}},
		{".duration on a gauge", []semconv.Metric{with(gauge, func(m *semconv.Metric) {
			m.Name, m.Unit, m.Description = "vitals.connection.duration", "s", "Lifetime."
		})}, []string{"histogram.duration"}},
		{"counted .usage", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Name = "vitals.queue.usage" })}, []string{"counter.plural", "name.usage"}},
		{"no stability", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Stability = "" })}, []string{"stability"}},
		{"description not a sentence", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Description = "overflows" })}, []string{"description"}},
		{"attribute not namespaced", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Attributes = append(m.Attributes, "pool") })}, []string{"attribute.namespace", "attribute.syntax"}},
		{"attribute of another namespace", []semconv.Metric{with(counter, func(m *semconv.Metric) { m.Attributes = append(m.Attributes, "queue.name") })}, []string{"attribute.namespace"}},
		{"metric as namespace", []semconv.Metric{udc, with(udc, func(m *semconv.Metric) { m.Name = "vitals.queue.depth.peak"; m.Kind = semconv.KindInt64ObservableGauge })}, []string{"metric.collision"}},
		{"metrics alike but for a dot", []semconv.Metric{counter, with(counter, func(m *semconv.Metric) { m.Name = "vitals.queue_overflows" })}, []string{"metric.collision"}},
		{"attribute as namespace", []semconv.Metric{with(counter, func(m *semconv.Metric) {
			m.Attributes = append(m.Attributes, "vitals.queue.owner", "vitals.queue.owner.name")
		})}, []string{"attribute.collision"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lint(tt.defs)
			if ids := rules(got); !slices.Equal(ids, tt.rules) {
				t.Errorf("rules broken %v, want exactly %v: %v", ids, tt.rules, got)
			}
		})
	}
	// The well-formed definitions the cases start from pass alone.
	for _, d := range []semconv.Metric{counter, udc, hist, gauge, timeCounter, oldest, officialUDC} {
		if got := lint([]semconv.Metric{d}); len(got) > 0 {
			t.Errorf("%s: %v", d.Name, got)
		}
	}
}
