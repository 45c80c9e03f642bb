// Package metrictest helps the trackers' tests read their metrics back: a
// ManualReader under a MeterProvider like the one vitals.Start builds (with
// or without the fast histogram path), and lookups of every point
// (EachPoint) or of one point by metric name and attributes (Point, Want),
// and the printer of the package examples (PrintExported). The nested
// modules (e2e, integrations/goredis) use it too: their import paths lie
// under this module's, which is all Go's internal rule asks.
package metrictest
