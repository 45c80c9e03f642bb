package fasthist

import (
	"math"
	"sort"
	"sync/atomic"
)

// Histogram is a cumulative explicit-bucket histogram whose Record is
// lock-free. Its methods are safe for concurrent use.
type Histogram struct {
	bounds  []float64
	counts  []atomic.Uint64 // len(bounds)+1; bucket i holds (bounds[i-1], bounds[i]]
	sumBits atomic.Uint64   // float64 bits
}

// NewHistogram returns a histogram with the given ascending bounds, copied.
func NewHistogram(bounds []float64) *Histogram {
	return &Histogram{
		bounds: append([]float64(nil), bounds...),
		counts: make([]atomic.Uint64, len(bounds)+1),
	}
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
	h.counts[i].Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
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
	counts = dst[:0]
	for i := range h.counts {
		c := h.counts[i].Load()
		counts = append(counts, c)
		count += c
	}
	return counts, count, math.Float64frombits(h.sumBits.Load())
}
