// Package produce turns what the sources of a [core.Hub] emit into
// OpenTelemetry metric data, for an SDK reader: the SDK side of
// vitals.Producer.
package produce
