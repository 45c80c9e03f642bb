package fasthist

import (
	"math"
	"math/rand/v2"
	"sort"
	"sync/atomic"
)

// stripes is the number of copies of a histogram's counters. Record adds to
// one chosen at random, so goroutines on different cores rarely write the
// same cache line; Load adds the copies up.
const stripes = 4

// Histogram is a cumulative explicit-bucket histogram whose Record is
// lock-free and scales across cores. Its methods are safe for concurrent
// use.
type Histogram struct {
	bounds  []float64
	stripes [stripes]stripe
}

type stripe struct {
	counts  []atomic.Uint64 // len(bounds)+1; bucket i holds (bounds[i-1], bounds[i]]
	sumBits atomic.Uint64   // float64 bits
	_       [48]byte        // keeps the next stripe's sum off this cache line
}

// NewHistogram returns a histogram with the given ascending bounds, copied.
func NewHistogram(bounds []float64) *Histogram {
	h := &Histogram{bounds: append([]float64(nil), bounds...)}
	for i := range h.stripes {
		h.stripes[i].counts = make([]atomic.Uint64, len(bounds)+1)
	}
	return h
}

// Record adds v. NaN and infinite values are dropped: they would poison the
// sum.
func (h *Histogram) Record(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	i := len(h.bounds)
	if len(h.bounds) <= 16 { // a short linear scan beats the binary search
		for j, b := range h.bounds {
			if v <= b {
				i = j
				break
			}
		}
	} else {
		i = sort.SearchFloat64s(h.bounds, v)
	}
	st := &h.stripes[rand.Uint32()%stripes]
	st.counts[i].Add(1)
	for {
		old := st.sumBits.Load()
		if st.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Bounds returns the histogram's bounds; the caller must not change them.
func (h *Histogram) Bounds() []float64 { return h.bounds }

// Load returns the bucket counts (appended to dst[:0]), their total and the
// sum. Buckets are read one by one while recording may go on, so the sum
// may include a value whose bucket was read before it landed; the count is
// always the total of the buckets returned.
func (h *Histogram) Load(dst []uint64) (counts []uint64, count uint64, sum float64) {
	n := len(h.bounds) + 1
	if cap(dst) >= n {
		counts = dst[:n]
		clear(counts)
	} else {
		counts = make([]uint64, n)
	}
	for s := range h.stripes {
		st := &h.stripes[s]
		for i := range st.counts {
			c := st.counts[i].Load()
			counts[i] += c
			count += c
		}
		sum += math.Float64frombits(st.sumBits.Load())
	}
	return counts, count, sum
}
