// Package metricsdoc renders the metric reference (docs/metrics.md) from the
// definitions in [github.com/otelvitals/vitals/semconv]. The command
// internal/cmd/metricsdoc writes it (go generate ./semconv), and this
// package's test fails when the committed file is stale.
package metricsdoc
