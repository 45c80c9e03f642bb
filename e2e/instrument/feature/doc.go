// Package feature holds the end-to-end tests of package
// github.com/otelvitals/vitals/instrument/feature: user identifiers
// recorded through every API of the package reach neither a real
// OpenTelemetry Collector nor a Prometheus scrape. It has no code of its
// own.
package feature
