// Package metrictest reads the e2e suites' collections back: every point,
// or one point by metric name and attributes. It is the e2e module's own
// copy of the lookups of the core module's internal/metrictest (EachPoint,
// Point and Want, the same code), which a nested module may not import;
// change the two together.
package metrictest
