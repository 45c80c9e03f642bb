// Package fasthist holds vitals' fast histograms: explicit-bucket
// histograms kept in striped atomics, with their sum, min and max.
//
// Recording into a [Histogram] costs a bucket search and a few atomic
// operations, a fraction of an OTel SDK Float64Histogram.Record, which
// takes a lock per series. Only a producer reads them (vitals.Producer,
// through internal/core): a tracker records into them only when a
// producer collects it, and into the SDK's histograms otherwise.
//
// This package depends on nothing but the standard library.
package fasthist
