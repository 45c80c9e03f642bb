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
const stripes = 16

// Histogram is a cumulative explicit-bucket histogram whose Record is
// lock-free and scales across cores. Its methods are safe for concurrent
// use.
type Histogram struct {
	bounds []float64
	// cells holds the stripes one after the other, stride cells apart:
	// each stripe's bucket counts, then its sum, min and max (float64
	// bits), then at least 64 bytes of padding, so no two stripes share a
	// cache line.
	cells  []atomic.Uint64
	stride int
}

// NewHistogram returns a histogram with the given ascending bounds, copied.
func NewHistogram(bounds []float64) *Histogram {
	used := len(bounds) + 4 // buckets, the sum, the min and the max
	stride := (used + 8 + 7) &^ 7
	h := &Histogram{
		bounds: append([]float64(nil), bounds...),
		cells:  make([]atomic.Uint64, stripes*stride),
		stride: stride,
	}
	n := len(bounds) + 1
	for s := range stripes {
		st := h.cells[s*stride:]
		st[n+1].Store(math.Float64bits(math.Inf(1)))
		st[n+2].Store(math.Float64bits(math.Inf(-1)))
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
	st := h.cells[int(rand.Uint32()%stripes)*h.stride:]
	st[i].Add(1)
	n := len(h.bounds) + 1
	sum := &st[n]
	for {
		old := sum.Load()
		if sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
	// The extremes change rarely once a few values are in, so each costs
	// a load; a CAS only when v is a new one.
	for lo := &st[n+1]; ; {
		old := lo.Load()
		if v >= math.Float64frombits(old) || lo.CompareAndSwap(old, math.Float64bits(v)) {
			break
		}
	}
	for hi := &st[n+2]; ; {
		old := hi.Load()
		if v <= math.Float64frombits(old) || hi.CompareAndSwap(old, math.Float64bits(v)) {
			break
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
	for s := range stripes {
		st := h.cells[s*h.stride:]
		for i := range n {
			c := st[i].Load()
			counts[i] += c
			count += c
		}
		sum += math.Float64frombits(st[n].Load())
	}
	return counts, count, sum
}

// CountSum returns the number of values recorded and their sum, as Load
// does, without the bucket counts.
func (h *Histogram) CountSum() (count uint64, sum float64) {
	n := len(h.bounds) + 1
	for s := range stripes {
		st := h.cells[s*h.stride:]
		for i := range n {
			count += st[i].Load()
		}
		sum += math.Float64frombits(st[n].Load())
	}
	return count, sum
}

// Extremes returns the smallest and the largest value recorded, and false
// when nothing was.
func (h *Histogram) Extremes() (lo, hi float64, ok bool) {
	n := len(h.bounds) + 1
	lo, hi = math.Inf(1), math.Inf(-1)
	for s := range stripes {
		st := h.cells[s*h.stride:]
		lo = math.Min(lo, math.Float64frombits(st[n+1].Load()))
		hi = math.Max(hi, math.Float64frombits(st[n+2].Load()))
	}
	return lo, hi, lo <= hi
}
