// Package admission holds the end-to-end test of package
// github.com/otelvitals/vitals/integrations/admission: a limited handler
// under 200 concurrent clients, read back from a real Prometheus server
// scraping vitals' exporter. It has no code of its own.
package admission
