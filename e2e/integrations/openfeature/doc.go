// Package openfeature holds the end-to-end tests of the module
// github.com/otelvitals/vitals/integrations/openfeature: flag evaluations
// through the OpenFeature SDK, counted with the official feature_flag.*
// attributes and read back from a real OpenTelemetry Collector. It has no
// code of its own.
package openfeature
