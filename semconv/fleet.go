package semconv

// Fleet metrics, reported by integrations that count across the processes
// of a fleet.
var (
	// FeatureFleetUsers is the estimated number of distinct users of a
	// feature over the usage window across every process that shares one
	// Redis and one user hash key. Every process reports the same count, so
	// it is aggregated across instances with max, never summed.
	FeatureFleetUsers = Int64ObservableGauge{Metric{
		Name:        "vitals.feature.fleet.users",
		Unit:        "{user}",
		Description: "Estimated distinct users of the feature over the usage window across the fleet; the same in every instance: aggregate with max, not sum.",
		Kind:        KindInt64ObservableGauge,
		Stability:   StabilityDevelopment,
		Signal:      SignalFeature,
		Attributes:  keys(featureKeys),
	}}
)
