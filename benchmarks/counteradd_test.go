package benchmarks

import (
	"context"
	"testing"
)

// counterAddRows are the rows of BenchmarkCounterAdd: add 1 to the cache
// series of a counter, from one goroutine.
//
// vitals' rows go here, beside the ones they compete with, named
// impl=vitals-<op> (vitals-cache-hit, vitals-queue-sample, vitals-conn-use,
// vitals-feature-use): the counting part of a tracker op on a handle made
// once before the loop.
var counterAddRows = []row{
	{"otel-kept-set", func(b *testing.B) {
		c := newOTelCounter(b)
		ctx := context.Background()
		for b.Loop() {
			c.addKeptSet(ctx)
		}
		checkCount(b, c.count(b))
	}},
	{"otel-set-per-call", func(b *testing.B) {
		c := newOTelCounter(b)
		ctx := context.Background()
		for b.Loop() {
			c.addSetPerCall(ctx)
		}
		checkCount(b, c.count(b))
	}},
	{"otel-attrs-per-call", func(b *testing.B) {
		c := newOTelCounter(b)
		ctx := context.Background()
		for b.Loop() {
			c.addAttrsPerCall(ctx)
		}
		checkCount(b, c.count(b))
	}},
	{"prom-kept", func(b *testing.B) {
		c := newPromCounter(b)
		for b.Loop() {
			c.incKept()
		}
		checkCount(b, c.count(b))
	}},
	{"prom-labels-per-call", func(b *testing.B) {
		c := newPromCounter(b)
		for b.Loop() {
			c.incLabelsPerCall()
		}
		checkCount(b, c.count(b))
	}},
	{"atomic", func(b *testing.B) {
		var c atomicCounter
		for b.Loop() {
			c.add()
		}
		checkCount(b, c.count(b))
	}},
}

// BenchmarkCounterAdd compares one counter increment on a single series,
// from one goroutine.
func BenchmarkCounterAdd(b *testing.B) { runRows(b, counterAddRows) }
