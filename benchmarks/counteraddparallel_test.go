package benchmarks

import (
	"context"
	"testing"
)

// counterAddParallelRows are the rows of BenchmarkCounterAddParallel: add 1
// to the same cache series from GOMAXPROCS goroutines at once.
//
// vitals' rows go here, beside the ones they compete with, named
// impl=vitals-<op> (vitals-cache-hit, vitals-queue-sample, vitals-conn-use,
// vitals-feature-use): the counting part of a tracker op on one handle made
// before the loop and shared by all goroutines.
var counterAddParallelRows = []row{
	{"otel-kept-set", func(b *testing.B) {
		c := newOTelCounter(b)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.addKeptSet(ctx)
			}
		})
		b.StopTimer()
		checkCount(b, c.count(b))
	}},
	{"otel-set-per-call", func(b *testing.B) {
		c := newOTelCounter(b)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.addSetPerCall(ctx)
			}
		})
		b.StopTimer()
		checkCount(b, c.count(b))
	}},
	{"otel-attrs-per-call", func(b *testing.B) {
		c := newOTelCounter(b)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.addAttrsPerCall(ctx)
			}
		})
		b.StopTimer()
		checkCount(b, c.count(b))
	}},
	{"prom-kept", func(b *testing.B) {
		c := newPromCounter(b)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.incKept()
			}
		})
		b.StopTimer()
		checkCount(b, c.count(b))
	}},
	{"prom-labels-per-call", func(b *testing.B) {
		c := newPromCounter(b)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.incLabelsPerCall()
			}
		})
		b.StopTimer()
		checkCount(b, c.count(b))
	}},
	{"atomic", func(b *testing.B) {
		var c atomicCounter
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.add()
			}
		})
		b.StopTimer()
		checkCount(b, c.count(b))
	}},
}

// BenchmarkCounterAddParallel compares one counter increment on a single
// series shared by all goroutines of b.RunParallel; ns/op is wall time per
// operation across them.
func BenchmarkCounterAddParallel(b *testing.B) { runRows(b, counterAddParallelRows) }
