package benchmarks

import (
	"context"
	"testing"
)

// histogramRecordParallelRows are the rows of
// BenchmarkHistogramRecordParallel: record latencies in the same cache
// series from GOMAXPROCS goroutines at once, each walking the latencies
// table on its own.
//
// vitals' rows go here, beside the ones they compete with, named
// impl=vitals-<op> (vitals-cache-hit, vitals-queue-sample, vitals-conn-use,
// vitals-feature-use): a tracker op that carries a duration or an age, on
// one handle made before the loop and shared by all goroutines.
var histogramRecordParallelRows = []row{
	{"otel-kept-set", func(b *testing.B) {
		h := newOTelHistogram(b)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				h.recordKeptSet(ctx, latency(i))
			}
		})
		b.StopTimer()
		checkCount(b, h.count(b))
	}},
	{"otel-set-per-call", func(b *testing.B) {
		h := newOTelHistogram(b)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				h.recordSetPerCall(ctx, latency(i))
			}
		})
		b.StopTimer()
		checkCount(b, h.count(b))
	}},
	{"otel-attrs-per-call", func(b *testing.B) {
		h := newOTelHistogram(b)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				h.recordAttrsPerCall(ctx, latency(i))
			}
		})
		b.StopTimer()
		checkCount(b, h.count(b))
	}},
	{"prom-kept", func(b *testing.B) {
		h := newPromHistogram(b)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				h.observeKept(latency(i))
			}
		})
		b.StopTimer()
		checkCount(b, h.count(b))
	}},
	{"prom-labels-per-call", func(b *testing.B) {
		h := newPromHistogram(b)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				h.observeLabelsPerCall(latency(i))
			}
		})
		b.StopTimer()
		checkCount(b, h.count(b))
	}},
}

// BenchmarkHistogramRecordParallel compares recording one value in a single
// histogram series shared by all goroutines of b.RunParallel; ns/op is wall
// time per operation across them.
func BenchmarkHistogramRecordParallel(b *testing.B) { runRows(b, histogramRecordParallelRows) }
