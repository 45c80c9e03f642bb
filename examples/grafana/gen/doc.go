// Command gen writes the Grafana dashboard examples/grafana/vitals-dashboard.json
// from the metric definitions in package semconv, with the Grafana
// Foundation SDK. It is a module of its own, so that the SDK stays out of
// vitals' dependencies; go generate ./semconv in the core module runs it.
//
// Usage:
//
//	go run . [-o ../vitals-dashboard.json]
//
// The dashboard has three variables (datasource, job, instance), a row of
// key panels (health scores, then the fleet's hit, success, utilisation and
// saturation ratios), a fleet row per signal with a panel for every metric
// summed over the selected instances (ratios from summed counters, scores
// at their worst instance, the fleet-wide user count at its max), and a
// collapsed per-instance row per signal with the same metrics by instance.
package main
