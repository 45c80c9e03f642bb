package semconv

import (
	"go.opentelemetry.io/otel/attribute"
)

// Kind is the OpenTelemetry instrument kind of a metric.
type Kind int

// The instrument kinds vitals uses.
const (
	KindInt64Counter Kind = iota + 1
	KindInt64UpDownCounter
	KindFloat64Histogram
	KindInt64ObservableCounter
	KindFloat64ObservableCounter
	KindInt64ObservableUpDownCounter
	KindInt64ObservableGauge
	KindFloat64ObservableGauge
)

var kindNames = map[Kind]string{
	KindInt64Counter:                 "Int64Counter",
	KindInt64UpDownCounter:           "Int64UpDownCounter",
	KindFloat64Histogram:             "Float64Histogram",
	KindInt64ObservableCounter:       "Int64ObservableCounter",
	KindFloat64ObservableCounter:     "Float64ObservableCounter",
	KindInt64ObservableUpDownCounter: "Int64ObservableUpDownCounter",
	KindInt64ObservableGauge:         "Int64ObservableGauge",
	KindFloat64ObservableGauge:       "Float64ObservableGauge",
}

// String returns the name of the instrument kind as the OTel metric API
// spells it, such as "Int64Counter".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "Kind(invalid)"
}

// Synchronous reports whether instruments of this kind are recorded where an
// event happens (counters, histograms) rather than observed at collection.
func (k Kind) Synchronous() bool {
	return k == KindInt64Counter || k == KindInt64UpDownCounter || k == KindFloat64Histogram
}

// Metric describes one metric. Its fields are read-only by convention: use
// the typed definitions ([Int64Counter], [Float64Histogram], …) to create
// instruments from it.
type Metric struct {
	// Name is the instrument name, such as "vitals.cache.operations".
	Name string
	// Unit is the UCUM unit, such as "s" or "{connection}".
	Unit string
	// Description is the instrument description.
	Description string
	// Kind is the instrument kind.
	Kind Kind
	// Signal groups the metric in the reference: one of the Signal*
	// constants.
	Signal string
	// Attributes lists the attribute keys the metric's series carry.
	Attributes []attribute.Key
	// Buckets holds the explicit bucket boundaries of a histogram, nil for
	// any other kind.
	Buckets []float64
	// Convention names the official semantic convention the metric follows,
	// such as "OpenTelemetry semantic conventions v1.43.0", and is empty for
	// vitals' own metrics.
	Convention string
	// Stability is how settled the definition is: for an official metric,
	// the stability the semantic conventions give it; for vitals' own,
	// [StabilityDevelopment] until vitals 1.0 (a release before it may
	// rename them, each change listed in the changelog with the old and the
	// new form), [StabilityStable] from then on.
	Stability Stability
}

// Stability is the stability level of a metric definition, as the
// semantic conventions grade theirs.
type Stability string

// The stability levels of vitals' definitions.
const (
	// StabilityDevelopment: the definition may still change, name, unit,
	// kind or attributes.
	StabilityDevelopment Stability = "development"
	// StabilityStable: the definition no longer changes.
	StabilityStable Stability = "stable"
)

// Def returns the metric's definition; every typed definition has it, so
// code can handle them alike.
func (m Metric) Def() Metric { return m }
