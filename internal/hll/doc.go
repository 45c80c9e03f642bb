// Package hll counts distinct 64-bit hashes in fixed memory: a
// HyperLogLog of precision [Precision] (16384 registers, standard error
// about 0.81%) whose estimate is kept up to date as it fills, so that
// reading it costs the same at 1 hash and at a billion.
//
// A [Sketch] holds one set of hashes; a [Window] holds the hashes of the
// last few epochs (the quarters of a tracker's usage window), ready to be
// estimated as one set. Neither is safe for concurrent use: the caller
// holds a lock.
//
// # Sizes
//
// A sketch starts sparse: an open-addressing set of the exact hashes,
// allocated at the first insert with 8 slots and doubled whenever it is
// over half full, up to [SparseMax] hashes in 1024 slots, 8 KiB. While
// sparse, its estimate is the exact number of distinct hashes. One more
// distinct hash turns it dense: [Registers] one-byte registers, 16 KiB, and
// a 104-byte histogram of their values ([DenseBytes] in all), allocated
// once; the sparse set is dropped. So a sketch allocates at most 8 times
// while sparse and once when it turns dense, and never after: a sketch that
// has been dense stays dense after [Sketch.Reset], keeping its registers,
// and a sparse one keeps its set. A [Window] of n epochs holds n+1
// sketches: at most (n+1)·16 KiB, 80 KiB for 4 epochs.
//
// # Estimate
//
// Inserting a hash costs O(1) in either form, about 3 ns: a probe of the
// sparse set, or a register update. Each register update moves one count in
// a histogram of register values (52 counts), and the estimate is computed
// from that histogram alone, never from the registers: O(1), about 35 ns
// at any cardinality. The estimator is Ertl's improved raw estimator ("New
// cardinality estimation algorithms for HyperLogLog sketches", 2017,
// algorithm 6), which needs no empirical bias tables and no switch between
// linear counting and the raw HyperLogLog estimate: the classic estimator,
// switching at 2.5·16384, is 1.6% off on average around 40 000 distinct
// hashes; this one stays unbiased, with a relative standard error of 0.6%
// to 0.8% at every cardinality, and agrees with linear counting for small
// ones.
//
// # Window
//
// A [Window] keeps one sketch per live epoch in a ring and a union sketch
// of them all, updated on every insert that changes the epoch's sketch (an
// insert that leaves it unchanged would leave the union unchanged too), so
// that a known hash costs one sketch insert and a new one two. Estimating
// the window reads the union. When an epoch leaves the window the union is rebuilt from the
// epochs that remain, once per epoch that leaves, never per estimate. An
// epoch older than the newest one inserted reads as the newest: a clock
// that stepped back reads as one that stood still.
package hll
