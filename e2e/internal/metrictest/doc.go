// Package metrictest reads the e2e suites' collections back: one point by
// metric name and attributes. It is the e2e module's own copy of the
// lookups of the core module's internal/metrictest, which a nested module
// may not import.
package metrictest
