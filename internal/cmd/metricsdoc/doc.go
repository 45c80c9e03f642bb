// Command metricsdoc writes the metric reference table generated from the
// definitions in package semconv. It is run by go generate ./semconv.
package main
