package fasthist

import (
	"math"
	"slices"
	"sync"
	"testing"
)

func TestHistogramBuckets(t *testing.T) {
	h := NewHistogram([]float64{1, 5, 15})
	for _, v := range []float64{0, 1, 1.5, 5, 14, 15, 16, 1e9, math.NaN(), math.Inf(1)} {
		h.Record(v)
	}
	r := h.Read(nil)
	counts, count, sum := r.Counts, r.Count, r.Sum
	// Buckets are (-inf,1], (1,5], (5,15], (15,+inf); NaN and Inf dropped.
	if want := []uint64{2, 2, 2, 2}; !slices.Equal(counts, want) || count != 8 {
		t.Fatalf("counts %v count %d, want %v and 8", counts, count, want)
	}
	if want := 0 + 1 + 1.5 + 5 + 14 + 15 + 16 + 1e9; sum != want {
		t.Fatalf("sum %v, want %v", sum, want)
	}
}

func TestHistogramLongBoundsUseBinarySearch(t *testing.T) {
	var bounds []float64
	for i := range 40 {
		bounds = append(bounds, float64(i))
	}
	h := NewHistogram(bounds)
	h.Record(20.5)
	h.Record(-3)
	h.Record(100)
	counts := h.Read(nil).Counts
	if counts[21] != 1 || counts[0] != 1 || counts[40] != 1 {
		t.Fatalf("counts %v", counts)
	}
}

func TestHistogramConcurrentSafe(t *testing.T) {
	h := NewHistogram([]float64{1, 2})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10000 {
				h.Record(1.5) // exact in float64 sums
			}
		}()
	}
	wg.Wait()
	r := h.Read(nil)
	counts, count, sum := r.Counts, r.Count, r.Sum
	if count != 80000 || counts[1] != 80000 || sum != 120000 {
		t.Fatalf("counts %v count %d sum %v", counts, count, sum)
	}
}

// TestExtremes checks the min and max across stripes, and that NaN and
// infinities, which Record drops, do not reach them.
func TestExtremes(t *testing.T) {
	h := NewHistogram([]float64{1, 10})
	if h.Read(nil).Count > 0 {
		t.Fatal("an empty histogram has extremes")
	}
	for _, v := range []float64{3, -2, 7.5, math.NaN(), math.Inf(1), math.Inf(-1), 0.25} {
		h.Record(v)
	}
	r := h.Read(nil)
	lo, hi, ok := r.Min, r.Max, r.Count > 0
	if !ok || lo != -2 || hi != 7.5 {
		t.Fatalf("Read() min %v, max %v, recorded %v; want -2, 7.5, true", lo, hi, ok)
	}
}
