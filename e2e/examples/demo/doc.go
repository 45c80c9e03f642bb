// Package demo holds the end-to-end tests of examples/demo and the
// dashboard and rules made for it: the demo runs as make demo runs it, a
// real Prometheus server scrapes it, and every panel query of
// examples/grafana/vitals-dashboard.json must return a series; two demo
// instances scraped as one job have Prometheus evaluate
// examples/prometheus/recording.yml and alerts.yml without error, every
// rule return a series, and the fleet aggregates agree with the
// instances'. It has no code of its own.
package demo
