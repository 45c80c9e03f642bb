// Package demo holds the end-to-end test of examples/demo and the
// dashboard and alert rules made for it: two demos run as make demo runs
// it, with a service of the adapters the demo does not use (go-redis,
// database/sql over PostgreSQL, OpenFeature), a real Prometheus server
// scrapes the three, and every panel query of
// examples/grafana/vitals-dashboard.json and every rule of
// examples/prometheus/alerts.yml must return a series; the dashboard's
// fleet panels must show the sum (or the max, or the min) of the two
// demos' per-instance panels. It has no code of its own.
package demo
