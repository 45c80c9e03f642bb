package fasthist

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync/atomic"
)

// Stripes is the number of copies of a histogram's counters: GOMAXPROCS
// at start, rounded up to a power of two, at most 16. Record adds to one
// chosen at random, so goroutines on different cores rarely write the same
// cache line; a read adds the copies up, so fewer copies on fewer cores
// keep reads cheap and memory small.
var Stripes = stripesFor(runtime.GOMAXPROCS(0))

func stripesFor(procs int) int {
	return 1 << min(bits.Len(uint(max(procs, 1)-1)), 4)
}

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
	mask   uint32 // stripes - 1
}

// NewHistogram returns a histogram with the given ascending bounds, copied.
func NewHistogram(bounds []float64) *Histogram {
	used := len(bounds) + 4 // buckets, the sum, the min and the max
	stride := used
	if Stripes > 1 {
		stride = (used + 8 + 7) &^ 7
	}
	h := &Histogram{
		bounds: append([]float64(nil), bounds...),
		cells:  make([]atomic.Uint64, Stripes*stride),
		stride: stride,
		mask:   uint32(Stripes - 1),
	}
	n := len(bounds) + 1
	for s := range Stripes {
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
	st := h.cells[int(rand.Uint32()&h.mask)*h.stride:]
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

// Snapshot is one read of a histogram.
type Snapshot struct {
	// Bounds are the histogram's, shared: do not change them.
	Bounds []float64
	// Counts are the bucket counts, Count their total, Sum the sum.
	Counts []uint64
	Count  uint64
	Sum    float64
	// Min and Max are the extremes, valid when Count > 0.
	Min, Max float64
}

// Read returns the histogram's state, its counts in dst[:0] when dst has
// room (a new slice otherwise). Buckets are read one by one while
// recording may go on, so the sum may include a value whose bucket was
// read before it landed; Count is always the total of the Counts.
func (h *Histogram) Read(dst []uint64) Snapshot {
	n := len(h.bounds) + 1
	var counts []uint64
	if cap(dst) >= n {
		counts = dst[:n]
		clear(counts)
	} else {
		counts = make([]uint64, n)
	}
	s := Snapshot{Bounds: h.bounds, Counts: counts, Min: math.Inf(1), Max: math.Inf(-1)}
	for i := range int(h.mask) + 1 {
		st := h.cells[i*h.stride:]
		for j := range n {
			c := st[j].Load()
			counts[j] += c
			s.Count += c
		}
		s.Sum += math.Float64frombits(st[n].Load())
		s.Min = math.Min(s.Min, math.Float64frombits(st[n+1].Load()))
		s.Max = math.Max(s.Max, math.Float64frombits(st[n+2].Load()))
	}
	return s
}
