// Command ratio prints, for each benchmark group of a go test -bench output,
// the median ns/op, B/op and allocs/op of every row and its ratio to the
// baseline rows of the same group, measured in the same run. scripts/bench.sh
// runs it after benchstat:
//
//	go run ./benchmarks/internal/ratio [-base otel-kept-set,prom-kept,otel-sync] [file ...]
//
// A group is a benchmark name without its impl key
// (BenchmarkCounterAdd/impl=prom-kept-2 is row prom-kept of group
// CounterAdd; BenchmarkCollectPools/n=1000/impl=vitals-2 is row vitals of
// group CollectPools/n=1000); lines of benchmarks without an impl key are
// ignored. With no file it reads standard input.
//
// # Ratios
//
// For each baseline row a group has, every row gets two ratios:
//
//   - "vs X": the row's median ns/op over X's median ns/op.
//   - "paired vs X": the median of the paired ratios, the row's i-th ns/op
//     over X's i-th ns/op, followed by their range. scripts/bench.sh runs
//     go test -count 1 once per pass, so the i-th result of every row comes
//     from pass i: a moment the machine was busy slows both sides of the
//     ratios of its pass, where it can move one median and not the other.
//
// A group without a baseline row gets no ratio columns.
package main
