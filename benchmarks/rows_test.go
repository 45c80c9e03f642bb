package benchmarks

import "testing"

// row is one implementation of a group's operation. name becomes the impl
// key of the sub-benchmark (BenchmarkCounterAdd/impl=otel-kept-set), so that
// benchstat -col /impl lays the implementations of a group side by side.
//
// fn builds its instrument before the timed loop, runs the operation once
// per iteration, and afterwards checks, with the timer stopped, that the
// instrument holds exactly one count per iteration.
type row struct {
	name string
	fn   func(b *testing.B)
}

// runRows runs each row as a sub-benchmark of b, reporting allocations.
func runRows(b *testing.B, rows []row) {
	for _, r := range rows {
		b.Run("impl="+r.name, func(b *testing.B) {
			b.ReportAllocs()
			r.fn(b)
		})
	}
}

// checkCount fails b unless an instrument that counted got operations ran
// exactly b.N of them. Call it after the timed loop.
func checkCount(b *testing.B, got uint64) {
	b.Helper()
	if got != uint64(b.N) {
		b.Fatalf("recorded %d operations, ran %d", got, b.N)
	}
}
