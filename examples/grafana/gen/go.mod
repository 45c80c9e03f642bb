module github.com/otelvitals/vitals/examples/grafana/gen

go 1.26.0

// The dashboard is generated from the definitions beside it, never from a
// released vitals.
replace github.com/otelvitals/vitals => ../../../

require (
	github.com/grafana/grafana-foundation-sdk/go v0.0.22
	github.com/otelvitals/vitals v0.0.0-00010101000000-000000000000
	github.com/prometheus/otlptranslator v1.0.0
	go.opentelemetry.io/otel v1.47.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.opentelemetry.io/otel/metric v1.47.0 // indirect
)
