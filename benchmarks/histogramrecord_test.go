package benchmarks

import (
	"context"
	"testing"
)

// histogramRecordRows are the rows of BenchmarkHistogramRecord: record one
// latency, taken in turn from the latencies table, in the cache series of a
// histogram with vitals' latency buckets, from one goroutine.
//
// vitals' rows go here, beside the ones they compete with, named
// impl=vitals-<op> (vitals-cache-hit, vitals-queue-sample, vitals-conn-use,
// vitals-feature-use): a tracker op that carries a duration or an age, on a
// handle made once before the loop.
var histogramRecordRows = []row{
	{"otel-kept-set", func(b *testing.B) {
		h := newOTelHistogram(b)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			h.recordKeptSet(ctx, latency(i))
			i++
		}
		checkCount(b, h.count(b))
	}},
	{"otel-set-per-call", func(b *testing.B) {
		h := newOTelHistogram(b)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			h.recordSetPerCall(ctx, latency(i))
			i++
		}
		checkCount(b, h.count(b))
	}},
	{"otel-attrs-per-call", func(b *testing.B) {
		h := newOTelHistogram(b)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			h.recordAttrsPerCall(ctx, latency(i))
			i++
		}
		checkCount(b, h.count(b))
	}},
	{"prom-kept", func(b *testing.B) {
		h := newPromHistogram(b)
		i := 0
		for b.Loop() {
			h.observeKept(latency(i))
			i++
		}
		checkCount(b, h.count(b))
	}},
	{"prom-labels-per-call", func(b *testing.B) {
		h := newPromHistogram(b)
		i := 0
		for b.Loop() {
			h.observeLabelsPerCall(latency(i))
			i++
		}
		checkCount(b, h.count(b))
	}},
}

// BenchmarkHistogramRecord compares recording one value in a single series
// of an explicit-bucket histogram, from one goroutine.
func BenchmarkHistogramRecord(b *testing.B) { runRows(b, histogramRecordRows) }
