package hll

import (
	"math"
	"strconv"
	"testing"
)

// unionOf returns the sketch of the window's live epochs up to epoch,
// merged from scratch: what the window's union must equal.
func unionOf(w *Window, epoch int64) *Sketch {
	u := &Sketch{}
	for i := range w.ring {
		if b := &w.ring[i]; b.used && b.epoch > epoch-int64(len(w.ring)) {
			u.Merge(&b.s)
		}
	}
	return u
}

// sameSketch reports whether a and b hold the same hashes or registers.
func sameSketch(a, b *Sketch) bool {
	if a.d != nil || b.d != nil {
		if a.d == nil || b.d == nil {
			// One turned dense on a merge, the other by inserts: compare
			// as dense.
			x, y := *a, *b
			if x.d == nil {
				x.densify()
			}
			if y.d == nil {
				y.densify()
			}
			return *x.d == *y.d
		}
		return *a.d == *b.d
	}
	return a.Estimate() == b.Estimate()
}

// TestWindowRotation fills a window of 4 epochs with 60 distinct hashes
// per epoch, 20 of them shared with the epoch before, over 12 epochs, and
// checks the estimate (exact: the union stays sparse) and the union's
// contents at every epoch, before and after each epoch's inserts.
func TestWindowRotation(t *testing.T) {
	w := NewWindow(4)
	const perEpoch, shared = 60, 20
	for e := range int64(12) {
		for i := range perEpoch {
			w.Insert(e, hash(0, uint64(e*(perEpoch-shared)+int64(i))))
		}
		live := min(e+1, 4)
		want := uint64(live*(perEpoch-shared) + shared)
		if got := w.Estimate(e); got != want {
			t.Fatalf("epoch %d: estimate %d, want %d", e, got, want)
		}
		if !sameSketch(&w.union, unionOf(w, e)) {
			t.Fatalf("epoch %d: the union is not the merge of the live epochs", e)
		}
		// Before anything is inserted in the next epoch, the oldest one
		// has left it.
		want = uint64(min(e+1, 3)*(perEpoch-shared) + shared)
		if got := w.Estimate(e + 1); got != want {
			t.Fatalf("epoch %d, nothing inserted yet: estimate %d, want %d", e+1, got, want)
		}
	}
	if got := w.Estimate(14); got != perEpoch {
		t.Fatalf("two epochs later: %d, want the last epoch's %d", got, perEpoch)
	}
	if got := w.Estimate(15); got != 0 {
		t.Fatalf("window past every epoch: %d, want 0", got)
	}
}

// TestWindowAccuracy fills 8 epochs of a 4-epoch window so that the
// window holds 10², 10⁴ and 10⁶ distinct hashes once full: per epoch, 2k
// distinct hashes, k of them shared with the epoch before (duplicates in
// the union), so 4k+k in a full window. It checks the estimate against
// the truth at every epoch, across the rotations, and the union against a
// merge of the live epochs' sketches.
func TestWindowAccuracy(t *testing.T) {
	for _, tt := range []struct {
		name   string
		k      int
		maxErr float64
	}{
		{"1e2-exact", 20, 0}, // at most 100 distinct hashes: sparse
		{"1e4", 2_000, maxRelErr},
		{"1e6", 200_000, maxRelErr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.k > 2_000 {
				t.Skip("millions of inserts")
			}
			w := NewWindow(4)
			for e := range int64(8) {
				for i := range 2 * tt.k {
					w.Insert(e, hash(0, uint64(e*int64(tt.k)+int64(i))))
				}
				want := int(min(e+1, 4)+1) * tt.k
				got := w.Estimate(e)
				if err := relErr(got, want); err > tt.maxErr {
					t.Fatalf("epoch %d: estimate %d for %d: %.3f%% off, bound %.1f%%", e, got, want, 100*err, 100*tt.maxErr)
				}
				t.Logf("epoch %d: estimate %d for %d (%+.3f%%)", e, got, want, 100*(float64(got)/float64(want)-1))
				if !sameSketch(&w.union, unionOf(w, e)) {
					t.Fatalf("epoch %d: the union is not the merge of the live epochs", e)
				}
			}
		})
	}
}

// TestWindowRebuildsOncePerEpoch estimates a window many times per epoch
// over 40 epochs: the union is rebuilt once per epoch that leaves, not per
// estimate, and only when the epoch that leaves held hashes.
func TestWindowRebuildsOncePerEpoch(t *testing.T) {
	w := NewWindow(4)
	for e := range int64(40) {
		if e%10 != 9 { // every tenth epoch is empty
			for i := range 1_000 {
				w.Insert(e, hash(uint64(e), uint64(i)))
			}
		}
		for range 10 {
			w.Estimate(e)
		}
	}
	// Epochs 0..35 have left; three of them (9, 19, 29) were empty.
	if w.rebuilds != 36-3 {
		t.Fatalf("%d rebuilds, want %d", w.rebuilds, 36-3)
	}
}

// TestWindowClockStepsBack inserts at an epoch older than the newest one
// inserted in: the hash counts in the newest, and an estimate at the older
// epoch reads the window up to the newest.
func TestWindowClockStepsBack(t *testing.T) {
	w := NewWindow(4)
	w.Insert(10, hash(0, 1))
	w.Insert(13, hash(0, 2))
	w.Insert(5, hash(0, 3)) // back: counts in 13
	if got := w.Estimate(2); got != 3 {
		t.Fatalf("estimate at an earlier epoch: %d, want 3", got)
	}
	if got := w.Estimate(14); got != 2 {
		t.Fatalf("epoch 10 has left: %d, want 2", got)
	}
	if got := w.Estimate(16); got != 2 {
		t.Fatalf("epoch 13 still in: %d, want 2", got)
	}
	if got := w.Estimate(17); got != 0 {
		t.Fatalf("epoch 13 has left: %d, want 0", got)
	}
	// An estimate at a later epoch moves nothing: inserting at 14 brings
	// epochs 11..14 back, the hashes of 13 with them.
	w.Insert(14, hash(0, 4))
	if got := w.Estimate(14); got != 3 {
		t.Fatalf("after an insert at 14: %d, want 3", got)
	}
}

// TestWindowExtremeEpochs uses epochs at the ends of int64 (a clock
// saturated by time.Time.Sub): nothing overflows.
func TestWindowExtremeEpochs(t *testing.T) {
	w := NewWindow(4)
	w.Insert(math.MinInt64, hash(0, 1))
	w.Insert(math.MinInt64+1, hash(0, 2))
	if got := w.Estimate(math.MinInt64); got != 2 {
		t.Fatalf("at MinInt64: %d, want 2", got)
	}
	w.Insert(math.MaxInt64, hash(0, 3))
	if got := w.Estimate(math.MaxInt64); got != 1 {
		t.Fatalf("at MaxInt64: %d, want 1", got)
	}
}

// TestWindowOneEpoch is a window of a single epoch.
func TestWindowOneEpoch(t *testing.T) {
	w := NewWindow(1)
	w.Insert(0, hash(0, 1))
	w.Insert(0, hash(0, 2))
	w.Insert(1, hash(0, 3))
	if got := w.Estimate(1); got != 1 {
		t.Fatalf("%d, want 1", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("NewWindow(0) did not panic")
		}
	}()
	NewWindow(0)
}

// TestWindowAllocations rotates a window whose sketches are all dense
// through 20 epochs: inserts and estimates allocate nothing, rotations and
// rebuilds included.
func TestWindowAllocations(t *testing.T) {
	w := NewWindow(4)
	for e := range int64(5) {
		for i := range 2_000 {
			w.Insert(e, hash(uint64(e), uint64(i)))
		}
	}
	e := int64(5)
	if a := testing.AllocsPerRun(20, func() {
		for i := range 2_000 {
			w.Insert(e, hash(uint64(e), uint64(i)))
		}
		w.Estimate(e)
		e++
	}); a != 0 {
		t.Fatalf("%v allocations per epoch", a)
	}
	if b := w.Bytes(); b != 5*DenseBytes {
		t.Fatalf("%d bytes, want %d", b, 5*DenseBytes)
	}
}

func BenchmarkWindowInsert(b *testing.B) {
	for _, n := range []int{1, 1_000, 100_000} {
		b.Run("users="+strconv.Itoa(n), func(b *testing.B) {
			w := NewWindow(4)
			hs := hashes(1, n)
			for _, h := range hs {
				w.Insert(0, h)
			}
			b.ReportAllocs()
			j := 0
			for b.Loop() {
				w.Insert(0, hs[j])
				if j++; j == n {
					j = 0
				}
			}
		})
	}
}
