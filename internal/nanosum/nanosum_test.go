package nanosum

import (
	"math"
	"math/big"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// exact returns t as a big integer.
func exact(t Total) *big.Int {
	v := new(big.Int).SetUint64(t.Carries)
	v.Lsh(v, 64)
	return v.Add(v, new(big.Int).SetUint64(t.Lo))
}

// bigSum returns n × d as a big integer.
func bigSum(n, d int64) *big.Int {
	return new(big.Int).Mul(big.NewInt(n), big.NewInt(d))
}

func TestAddCarriesPast64Bits(t *testing.T) {
	var s Sum
	for range 5 {
		s.Add(math.MaxInt64)
	}
	got := s.Load()
	if want := bigSum(5, math.MaxInt64); exact(got).Cmp(want) != 0 {
		t.Fatalf("5 × MaxInt64 = %v (%+v), want %v", exact(got), got, want)
	}
	if got.Carries != 2 {
		t.Errorf("carries %d, want 2", got.Carries)
	}
	if ns, want := got.Nanoseconds(), 5*float64(math.MaxInt64); ns != want {
		t.Errorf("Nanoseconds %v, want %v", ns, want)
	}
}

func TestZeroAndSmallSums(t *testing.T) {
	var s Sum
	if got := s.Load(); got != (Total{}) || got.Nanoseconds() != 0 {
		t.Fatalf("empty sum %+v", got)
	}
	s.Add(0)
	s.Add(1500)
	s.Add(2500)
	if got := s.Load(); got != (Total{Lo: 4000}) || got.Nanoseconds() != 4000 {
		t.Errorf("sum %+v, want 4000", got)
	}
}

func TestPlusAndMinusCarryAndBorrow(t *testing.T) {
	for _, tc := range []struct{ a, b Total }{
		{Total{Lo: 5}, Total{Lo: 3}},
		{Total{Lo: math.MaxUint64}, Total{Lo: 1}},             // carry out of Lo
		{Total{Lo: 1, Carries: 3}, Total{Lo: math.MaxUint64}}, // borrow on Minus
		{Total{Lo: 7, Carries: 9}, Total{Lo: 7, Carries: 9}},  // difference 0
		{Total{Lo: math.MaxUint64, Carries: 2}, Total{Carries: 1}},
	} {
		a, b := exact(tc.a), exact(tc.b)
		if got, want := exact(tc.a.Plus(tc.b)), new(big.Int).Add(a, b); got.Cmp(want) != 0 {
			t.Errorf("%+v + %+v = %v, want %v", tc.a, tc.b, got, want)
		}
		if a.Cmp(b) < 0 {
			continue
		}
		if got, want := exact(tc.a.Minus(tc.b)), new(big.Int).Sub(a, b); got.Cmp(want) != 0 {
			t.Errorf("%+v − %+v = %v, want %v", tc.a, tc.b, got, want)
		}
	}
}

// TestConcurrentAddsAreExact adds from several goroutines, each add large
// enough that the sum carries many times, and checks the exact total.
func TestConcurrentAddsAreExact(t *testing.T) {
	const goroutines, each, d = 8, 2000, math.MaxInt64 / 3
	var s Sum
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				s.Add(d)
			}
		})
	}
	// A Load while adding never runs ahead of what was added.
	done := make(chan struct{})
	var loads sync.WaitGroup
	loads.Go(func() {
		all := bigSum(goroutines*each, d)
		for {
			select {
			case <-done:
				return
			default:
			}
			if v := exact(s.Load()); v.Cmp(all) > 0 {
				t.Errorf("Load %v is more than everything added, %v", v, all)
				return
			}
		}
	})
	wg.Wait()
	close(done)
	loads.Wait()
	if got, want := exact(s.Load()), bigSum(goroutines*each, d); got.Cmp(want) != 0 {
		t.Errorf("sum %v, want %v", got, want)
	}
}
