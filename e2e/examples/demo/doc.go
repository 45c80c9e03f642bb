// Package demo holds the end-to-end tests of examples/demo and the
// dashboard and rules made for it. Two demos run as make demo runs it,
// with a service of the adapters the demo does not use (go-redis,
// database/sql over PostgreSQL, OpenFeature), a real Prometheus server
// scrapes the three, and every panel query of
// examples/grafana/vitals-dashboard.json must return a series; the
// dashboard's fleet panels must show the sum (or the max, or the min) of
// the two demos' per-instance panels. Two demo instances scraped as one
// job have Prometheus evaluate examples/prometheus/recording.yml and
// alerts.yml without error, every rule return a series, and the fleet
// aggregates agree with the instances'. It has no code of its own.
package demo
