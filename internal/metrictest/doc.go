// Package metrictest helps the trackers' tests read their metrics back: a
// ManualReader under a MeterProvider like the one vitals.Start builds (with
// or without the fast histogram path), and lookups of one point by metric
// name and attributes.
package metrictest
