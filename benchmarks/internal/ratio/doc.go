// Command ratio prints, for each benchmark group of a go test -bench output,
// the median ns/op of every row and its ratio to the median of baseline rows
// of the same group, measured in the same run. scripts/bench.sh runs it
// after benchstat:
//
//	go run ./benchmarks/internal/ratio [-base otel-kept-set,prom-kept] [file ...]
//
// A group is a benchmark name without its impl key
// (BenchmarkCounterAdd/impl=prom-kept-2 is row prom-kept of group
// CounterAdd); lines of benchmarks without an impl key are ignored. With no
// file it reads standard input.
package main
