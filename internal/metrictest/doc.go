// Package metrictest helps the trackers' tests read their metrics back: a
// ManualReader under a MeterProvider like the one vitals.Start builds (with
// or without the fast histogram path), and lookups of every point
// (EachPoint) or of one point by metric name and attributes (Point, Want).
// The e2e module keeps a copy of the lookups, as it may not import this.
package metrictest
