// Package spool keeps metric exports that could not be delivered on disk,
// so that a later process can deliver them.
//
// [Encode] and [Decode] turn a metricdata.ResourceMetrics into a versioned
// JSON document and back: resource, scopes, every aggregation of the SDK
// (sums, gauges, histograms, exponential histograms, summaries) and every
// attribute type. Exemplars are not kept. [Dir] stores such documents as
// files, written atomically, listed oldest first and bounded in number, in
// a directory that must be the process's own: [Dir.Check] refuses a
// symbolic link, or one others may write in.
package spool
