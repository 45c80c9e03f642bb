// Package sqldb holds the end-to-end tests of package
// github.com/otelvitals/vitals/integrations/sqldb: database/sql pools
// through tracked connections against a real PostgreSQL, with what a real
// OpenTelemetry Collector receives, and pools with bad names exported to
// one. It has no code of its own.
package sqldb
