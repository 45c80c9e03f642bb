package clock

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestFromFuncFollowsFake(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := NewFake(start)
	c := FromFunc(f.Now)
	if c.Nanotime() != 0 || !c.Now().Equal(start) {
		t.Fatalf("at start: %d %v", c.Nanotime(), c.Now())
	}
	f.Advance(1500 * time.Millisecond)
	if got := c.Nanotime(); got != int64(1500*time.Millisecond) {
		t.Fatalf("Nanotime %d after 1.5s", got)
	}
	if !c.Now().Equal(start.Add(1500 * time.Millisecond)) {
		t.Fatalf("Now %v", c.Now())
	}
}

func TestFromFuncNilIsRealTime(t *testing.T) {
	c := FromFunc(nil)
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("Now is %v off", d)
	}
}

// TestSharedRefreshes checks that the coarse clock moves, lags by at most
// a few resolutions, and that its goroutine stops after the last release
// (goleak in TestMain).
func TestSharedRefreshes(t *testing.T) {
	c1, release1 := Shared()
	c2, release2 := Shared()
	defer release2()
	if c1 != c2 {
		t.Fatal("Shared returned two clocks")
	}
	first := c1.Nanotime()
	deadline := time.Now().Add(5 * time.Second)
	for c1.Nanotime() == first {
		if time.Now().After(deadline) {
			t.Fatal("the coarse clock did not move in 5s")
		}
		time.Sleep(Resolution)
	}
	release1()
	release1() // idempotent: must not release c2's hold
	second := c2.Nanotime()
	deadline = time.Now().Add(5 * time.Second)
	for c2.Nanotime() == second {
		if time.Now().After(deadline) {
			t.Fatal("the coarse clock stopped while a holder remained")
		}
		time.Sleep(Resolution)
	}
}

func BenchmarkNanotime(b *testing.B) {
	c, release := Shared()
	defer release()
	var sink int64
	for b.Loop() {
		sink += c.Nanotime()
	}
	_ = sink
}

func TestMonotonicMoves(t *testing.T) {
	c := Monotonic()
	a := c.Nanotime()
	time.Sleep(2 * time.Millisecond)
	if d := c.Nanotime() - a; d < int64(2*time.Millisecond) {
		t.Fatalf("moved %dns over a 2ms sleep", d)
	}
}
