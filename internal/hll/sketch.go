package hll

import (
	"math"
	"math/bits"
)

const (
	// Precision is the number of hash bits that pick a register.
	Precision = 14
	// Registers is the number of registers of a dense sketch, 2^Precision.
	Registers = 1 << Precision
	// DenseBytes is the heap a dense sketch holds: a byte per register,
	// 16 KiB, and the 104-byte histogram of register values.
	DenseBytes = Registers + 2*(maxRank+1)
	// SparseMax is the number of distinct hashes a sketch counts exactly,
	// in a sparse set of at most 8 KiB; one more turns it dense.
	SparseMax = 512

	// maxRank is the largest register value: the position of the first
	// set bit in the 64-Precision bits left after the register index, or
	// one past them when they are all zero.
	maxRank = 64 - Precision + 1
	// sparseMinSlots is the size of a sparse set when first allocated; it
	// doubles whenever it is more than half full, up to 2·SparseMax.
	sparseMinSlots = 8
)

// A Sketch counts distinct 64-bit hashes. The zero value is an empty
// sketch, ready to use; it allocates nothing until the first insert. A
// Sketch is not safe for concurrent use. See the package doc for its
// forms and sizes.
type Sketch struct {
	// set is the sparse form: the distinct non-zero hashes, by open
	// addressing with linear probing from the hash's low bits, 0 marking a
	// free slot; nil before the first insert and once dense.
	set  []uint64
	n    int  // non-zero hashes in set
	zero bool // the hash 0 was inserted while sparse
	d    *dense
}

// dense is the dense form: the registers and the histogram of their
// values, which the estimate is computed from.
type dense struct {
	regs [Registers]uint8
	hist [maxRank + 1]uint16 // registers by value; hist[0] + ... = Registers
}

// Insert adds the hash h, which must be uniformly distributed (maphash,
// or the bits of a cryptographic MAC), and reports whether the sketch
// changed: a new hash while sparse, a raised register once dense. It costs
// O(1) and allocates only while the sparse set grows and once when the
// sketch turns dense.
func (s *Sketch) Insert(h uint64) bool {
	if s.d != nil {
		return s.d.update(h)
	}
	return s.insertSparse(h)
}

// update raises h's register to h's rank, keeping the histogram, and
// reports whether it did.
func (d *dense) update(h uint64) bool {
	i := h >> (64 - Precision)
	r := uint8(bits.LeadingZeros64(h<<Precision|1<<(Precision-1))) + 1
	old := d.regs[i]
	if r <= old {
		return false
	}
	d.regs[i] = r
	d.hist[old]--
	d.hist[r]++
	return true
}

func (s *Sketch) insertSparse(h uint64) bool {
	if h == 0 {
		if s.zero {
			return false
		}
		if s.count() == SparseMax {
			s.densify()
			return s.d.update(h)
		}
		s.zero = true
		return true
	}
	if s.set == nil {
		s.set = make([]uint64, sparseMinSlots)
	}
	mask := uint64(len(s.set) - 1)
	for j := h & mask; ; j = (j + 1) & mask {
		switch s.set[j] {
		case h:
			return false
		case 0:
			if s.count() == SparseMax {
				s.densify()
				return s.d.update(h)
			}
			s.set[j] = h
			s.n++
			if 2*s.n > len(s.set) {
				s.grow()
			}
			return true
		}
	}
}

// count returns the number of distinct hashes of a sparse sketch.
func (s *Sketch) count() int {
	if s.zero {
		return s.n + 1
	}
	return s.n
}

// grow doubles the sparse set.
func (s *Sketch) grow() {
	old := s.set
	s.set = make([]uint64, 2*len(old))
	mask := uint64(len(s.set) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		j := h & mask
		for s.set[j] != 0 {
			j = (j + 1) & mask
		}
		s.set[j] = h
	}
}

// densify turns a sparse sketch dense, moving its hashes into registers
// and dropping the sparse set.
func (s *Sketch) densify() {
	d := &dense{}
	d.hist[0] = Registers
	for _, h := range s.set {
		if h != 0 {
			d.update(h)
		}
	}
	if s.zero {
		d.update(0)
	}
	s.d, s.set, s.n, s.zero = d, nil, 0, false
}

// Estimate returns the number of distinct hashes inserted: exact while the
// sketch is sparse, and Ertl's improved HyperLogLog estimate once dense,
// within about 0.8% (one standard error). It costs O(1): it reads the
// histogram of register values, never the registers.
func (s *Sketch) Estimate() uint64 {
	if s.d == nil {
		return uint64(s.count())
	}
	return estimate(&s.d.hist)
}

// Merge adds the hashes of o to s, as if each had been inserted in s; o is
// unchanged. Merging a dense o costs O(Registers).
func (s *Sketch) Merge(o *Sketch) {
	if o.d == nil {
		for _, h := range o.set {
			if h != 0 {
				s.Insert(h)
			}
		}
		if o.zero {
			s.Insert(0)
		}
		return
	}
	if s.d == nil {
		s.densify()
	}
	d := s.d
	for i, r := range &o.d.regs {
		if r > d.regs[i] {
			d.regs[i] = r
		}
	}
	d.recount()
}

// recount rebuilds the histogram from the registers.
func (d *dense) recount() {
	d.hist = [maxRank + 1]uint16{}
	for _, r := range &d.regs {
		d.hist[r]++
	}
}

// Reset empties s, keeping its memory: a sparse set keeps its size, and a
// dense sketch stays dense with its registers zeroed, so that a reused
// sketch allocates nothing. A dense sketch then estimates small counts by
// what amounts to linear counting, within 0.6% (one standard error).
func (s *Sketch) Reset() {
	if s.d != nil {
		clear(s.d.regs[:])
		s.d.hist = [maxRank + 1]uint16{}
		s.d.hist[0] = Registers
		return
	}
	clear(s.set)
	s.n, s.zero = 0, false
}

// Bytes returns the heap s holds beyond the Sketch itself: the sparse set,
// or the dense registers and their histogram.
func (s *Sketch) Bytes() int {
	if s.d != nil {
		return DenseBytes
	}
	return 8 * len(s.set)
}

// estimate is Ertl's improved raw estimator (O. Ertl, "New cardinality
// estimation algorithms for HyperLogLog sketches", 2017, algorithm 6) of
// a histogram c of register values:
//
//	z = m·τ(1 − c[q+1]/m); z = (z + c[k])/2 for k = q down to 1;
//	z += m·σ(c[0]/m); estimate = m² / (2·ln 2 · z)
//
// with m registers and q = 64 − Precision. Its loops run at most q times
// plus the few dozen iterations σ and τ take to converge.
func estimate(c *[maxRank + 1]uint16) uint64 {
	const m = float64(Registers)
	const q = maxRank - 1
	if c[0] == Registers {
		return 0
	}
	z := 0.0
	if c[q+1] > 0 {
		z = m * tau(1-float64(c[q+1])/m)
	}
	k := q
	for z == 0 && k >= 1 && c[k] == 0 { // halving 0 leaves 0
		k--
	}
	for ; k >= 1; k-- {
		z = 0.5 * (z + float64(c[k]))
	}
	if c[0] > 0 {
		z += m * sigma(float64(c[0])/m)
	}
	e := m * m / (2 * math.Ln2 * z)
	if !(e < math.MaxUint64) { // z == 0: every register saturated
		return math.MaxUint64
	}
	return uint64(math.Round(e))
}

// sigma is x + Σ_{k≥1} x^(2^k)·2^(k−1), for 0 ≤ x < 1.
func sigma(x float64) float64 {
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

// tau is (1 − x − Σ_{k≥1} (1 − x^(2^−k))²·2^−k) / 3, for 0 ≤ x ≤ 1.
func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}
