package hll

import (
	"math"
	"strconv"
	"testing"
)

// hash returns the i-th hash of stream seed: splitmix64's finaliser, a
// bijection, so distinct (seed, i) give distinct, uniformly spread hashes.
func hash(seed, i uint64) uint64 {
	x := seed<<40 ^ i + 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// fill returns a sketch of the hashes 0..n-1 of stream seed.
func fill(seed uint64, n int) *Sketch {
	s := &Sketch{}
	for i := range n {
		s.Insert(hash(seed, uint64(i)))
	}
	return s
}

// hashes returns the hashes 0..n-1 of stream seed.
func hashes(seed uint64, n int) []uint64 {
	hs := make([]uint64, n)
	for i := range hs {
		hs[i] = hash(seed, uint64(i))
	}
	return hs
}

// relErr returns |got − want| / want.
func relErr(got uint64, want int) float64 {
	return math.Abs(float64(got)-float64(want)) / float64(want)
}

// The accuracy bounds. The relative standard error of this estimator at
// precision 14 is about 0.6% for cardinalities up to a few times the
// 16384 registers and 0.78% above (1.04/√16384 = 0.81% is the textbook
// figure); the seeds are fixed, so each test is deterministic, and a bound
// of 3% is 3.7 standard errors: a change of seed or hash keeps passing
// with a probability above 99.9%. The mean over many seeds checks the
// bias, which the single runs are too noisy to see.
const (
	maxRelErr = 0.03
	maxBias   = 0.005 // mean relative error over biasSeeds runs
	biasSeeds = 16
)

// TestSketchExactWhileSparse inserts SparseMax distinct hashes, the hash 0
// among them, each twice: the estimate is exact after every insert, and
// the sketch stays sparse until one more distinct hash.
func TestSketchExactWhileSparse(t *testing.T) {
	var s Sketch
	if got := s.Estimate(); got != 0 {
		t.Fatalf("empty sketch: %d", got)
	}
	for i := range SparseMax {
		h := hash(1, uint64(i))
		if i == 100 {
			h = 0
		}
		if !s.Insert(h) || s.Insert(h) {
			t.Fatalf("hash %d: Insert reported no change when new, or a change when known", i)
		}
		if got := s.Estimate(); got != uint64(i+1) {
			t.Fatalf("after %d distinct hashes: estimate %d", i+1, got)
		}
	}
	if s.d != nil || len(s.set) != 2*SparseMax {
		t.Fatalf("dense %v, %d slots after %d hashes; want sparse, %d slots", s.d != nil, len(s.set), SparseMax, 2*SparseMax)
	}
	s.Insert(hash(1, 100)) // the hash 0 replaced this one: new
	if s.d == nil || s.set != nil {
		t.Fatal("still sparse past SparseMax")
	}
	if got := s.Estimate(); relErr(got, SparseMax+1) > 0.02 {
		t.Fatalf("just dense: estimate %d for %d", got, SparseMax+1)
	}
}

// TestSketchAccuracy estimates 10², 10⁴ and 10⁶ distinct hashes, and
// 40 000, where the classic estimator switches from linear counting and
// is 1.6% off on average.
func TestSketchAccuracy(t *testing.T) {
	for _, tt := range []struct {
		name   string
		n      int
		maxErr float64
	}{
		{"1e2-sparse-exact", 100, 0},
		{"1e4", 10_000, maxRelErr},
		{"4e4", 40_000, maxRelErr},
		{"1e6", 1_000_000, maxRelErr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := fill(7, tt.n).Estimate()
			if e := relErr(got, tt.n); e > tt.maxErr {
				t.Fatalf("estimate %d for %d: %.3f%% off, bound %.1f%%", got, tt.n, 100*e, 100*tt.maxErr)
			}
			t.Logf("estimate %d for %d (%+.3f%%)", got, tt.n, 100*(float64(got)/float64(tt.n)-1))
		})
	}
}

// TestSketchDenseSmall estimates 10² hashes in a sketch that has been
// dense: linear counting, within 2%.
func TestSketchDenseSmall(t *testing.T) {
	s := fill(1, 10_000)
	for seed := range uint64(biasSeeds) {
		s.Reset()
		for i := range 100 {
			s.Insert(hash(100+seed, uint64(i)))
		}
		if got := s.Estimate(); relErr(got, 100) > 0.02 {
			t.Fatalf("seed %d: estimate %d for 100 in a reset dense sketch", seed, got)
		}
	}
}

// TestSketchBias averages the relative error over biasSeeds sketches at
// cardinalities across the range, the old estimator's switch included.
func TestSketchBias(t *testing.T) {
	if testing.Short() {
		t.Skip("millions of inserts")
	}
	for _, n := range []int{1_000, 10_000, 30_000, 40_000, 50_000, 100_000} {
		sum := 0.0
		for seed := range uint64(biasSeeds) {
			sum += float64(fill(seed, n).Estimate())/float64(n) - 1
		}
		if bias := sum / biasSeeds; math.Abs(bias) > maxBias {
			t.Errorf("n=%d: mean error %+.3f%% over %d seeds, bound %.1f%%", n, 100*bias, biasSeeds, 100*maxBias)
		} else {
			t.Logf("n=%d: mean error %+.3f%%", n, 100*bias)
		}
	}
}

// TestSketchDuplicates inserts every hash of a set five times, in five
// orders: the estimate and the registers are those of one insert each.
func TestSketchDuplicates(t *testing.T) {
	for _, n := range []int{300, 20_000} {
		once := fill(3, n)
		var many Sketch
		// Strides prime to n visit every i < n once per pass; after the
		// first pass, no insert changes the sketch.
		for pass, stride := range []int{1, n - 1, 7, 7919, 104_729} {
			for i := range n {
				if many.Insert(hash(3, uint64(i*stride%n))) && pass > 0 {
					t.Fatalf("n=%d, pass %d: a duplicate changed the sketch", n, pass)
				}
			}
		}
		if many.Estimate() != once.Estimate() {
			t.Fatalf("n=%d: estimate %d with duplicates, %d without", n, many.Estimate(), once.Estimate())
		}
		if (once.d == nil) != (many.d == nil) || once.d != nil && *once.d != *many.d {
			t.Fatalf("n=%d: duplicates changed the registers", n)
		}
	}
}

// TestSketchInsertReportsChange checks, on a dense sketch, that Insert
// reports a change exactly when the registers change.
func TestSketchInsertReportsChange(t *testing.T) {
	s := fill(8, 1_000)
	changes := 0
	for i := range 100_000 {
		before := s.d.regs
		changed := s.Insert(hash(9, uint64(i)))
		if changed != (before != s.d.regs) {
			t.Fatalf("insert %d: reported %v, registers changed %v", i, changed, before != s.d.regs)
		}
		if changed {
			changes++
		}
	}
	t.Logf("%d of 100000 inserts raised a register", changes)
}

// TestSketchHistogram checks the histogram kept on insert against one
// counted from the registers, and the estimate against the formula
// computed from the registers directly.
func TestSketchHistogram(t *testing.T) {
	s := fill(5, 200_000)
	kept := s.d.hist
	s.d.recount()
	if kept != s.d.hist {
		t.Fatalf("histogram kept on insert %v, counted %v", kept, s.d.hist)
	}
	total := 0
	for _, c := range kept {
		total += int(c)
	}
	if total != Registers {
		t.Fatalf("histogram counts %d registers", total)
	}
	// σ and τ against their series, summed to far more terms than needed.
	for _, x := range []float64{0, 0.1, 0.5, 0.9, 0.999} {
		want := x
		for k := 1; k < 60; k++ {
			want += math.Pow(x, math.Pow(2, float64(k))) * math.Pow(2, float64(k-1))
		}
		if got := sigma(x); math.Abs(got-want) > 1e-9*want {
			t.Errorf("sigma(%v) = %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{0.001, 0.1, 0.5, 0.9} {
		want := 1 - x
		for k := 1; k < 60; k++ {
			want -= math.Pow(1-math.Pow(x, math.Pow(2, -float64(k))), 2) * math.Pow(2, -float64(k))
		}
		want /= 3
		if got := tau(x); math.Abs(got-want) > 1e-9 {
			t.Errorf("tau(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestSketchMerge merges sparse and dense sketches into sparse and dense
// ones: the result is the sketch of every hash inserted into one.
func TestSketchMerge(t *testing.T) {
	for _, tt := range []struct {
		name string
		a, b int
	}{
		{"sparse-into-sparse", 100, 200},
		{"sparse-into-sparse-past-max", 400, 400},
		{"dense-into-sparse", 100, 5_000},
		{"sparse-into-dense", 5_000, 100},
		{"dense-into-dense", 5_000, 50_000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := &Sketch{}
			b := &Sketch{}
			all := &Sketch{}
			for i := range tt.a {
				a.Insert(hash(1, uint64(i)))
				all.Insert(hash(1, uint64(i)))
			}
			for i := range tt.b { // the first 50 are a's too
				h := hash(1, uint64(tt.a-50+i))
				b.Insert(h)
				all.Insert(h)
			}
			b.Insert(0)
			all.Insert(0)
			bWas := b.Estimate()
			a.Merge(b)
			if got, want := a.Estimate(), all.Estimate(); got != want {
				t.Fatalf("merged estimate %d, want %d", got, want)
			}
			if all.d != nil && (a.d == nil || a.d.regs != all.d.regs || a.d.hist != all.d.hist) {
				t.Fatal("merged registers differ from the union's")
			}
			if b.Estimate() != bWas {
				t.Fatal("merge changed its argument")
			}
		})
	}
}

// TestSketchReset empties sparse and dense sketches, keeping their memory.
func TestSketchReset(t *testing.T) {
	for _, n := range []int{1, 300, 3_000} {
		s := fill(2, n)
		bytes := s.Bytes()
		s.Reset()
		if got := s.Estimate(); got != 0 {
			t.Fatalf("n=%d: %d after Reset", n, got)
		}
		if s.Bytes() != bytes {
			t.Fatalf("n=%d: Reset changed the memory from %d to %d bytes", n, bytes, s.Bytes())
		}
		for i := range n {
			s.Insert(hash(9, uint64(i)))
		}
		if got, want := s.Estimate(), fill(9, n).Estimate(); n <= SparseMax && got != want || relErr(got, n) > maxRelErr {
			t.Fatalf("n=%d: refilled estimate %d, fresh %d", n, got, want)
		}
	}
}

// TestSketchBytes checks the memory a sketch says it holds at each size.
func TestSketchBytes(t *testing.T) {
	for _, tt := range []struct{ n, want int }{
		{0, 0},
		{1, 8 * sparseMinSlots},
		{4, 8 * sparseMinSlots},
		{5, 16 * 8},
		{SparseMax, 8 * 2 * SparseMax},
		{SparseMax + 1, DenseBytes},
		{1_000_000, DenseBytes},
	} {
		if got := fill(4, tt.n).Bytes(); got != tt.want {
			t.Errorf("%d hashes: %d bytes, want %d", tt.n, got, tt.want)
		}
	}
}

// TestSketchInsertAllocations checks that inserts allocate nothing once
// the sparse set has its size, and nothing once dense.
func TestSketchInsertAllocations(t *testing.T) {
	for _, n := range []int{1, 200, SparseMax, 100_000} {
		s := fill(6, n)
		i := 0
		if a := testing.AllocsPerRun(1000, func() {
			s.Insert(hash(6, uint64(i%n)))
			i++
		}); a != 0 {
			t.Errorf("%d hashes: %v allocations per insert", n, a)
		}
		if a := testing.AllocsPerRun(100, func() { _ = s.Estimate() }); a != 0 {
			t.Errorf("%d hashes: %v allocations per estimate", n, a)
		}
	}
}

func BenchmarkSketchInsert(b *testing.B) {
	for _, n := range []int{1, 1_000, 100_000} {
		b.Run("users="+strconv.Itoa(n), func(b *testing.B) {
			s := fill(1, n)
			hs := hashes(1, n)
			b.ReportAllocs()
			j := 0
			for b.Loop() {
				s.Insert(hs[j])
				if j++; j == n {
					j = 0
				}
			}
		})
	}
}

var sink uint64

func BenchmarkSketchEstimate(b *testing.B) {
	for _, n := range []int{1, 1_000, 20_000, 1_000_000} {
		b.Run("users="+strconv.Itoa(n), func(b *testing.B) {
			s := fill(1, n)
			b.ReportAllocs()
			for b.Loop() {
				sink += s.Estimate()
			}
		})
	}
}
