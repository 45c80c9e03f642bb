// Package demo holds the end-to-end test of examples/demo and the
// dashboard and alert rules made for it: the demo runs as make demo runs
// it, a real Prometheus server scrapes it, and every panel query of
// examples/grafana/vitals-dashboard.json and every rule of
// examples/prometheus/alerts.yml must return a series. It has no code of
// its own.
package demo
