package queue

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// shareWindow is the window of the overflow-share tests: buckets of 1s.
const shareWindow = 30 * time.Second

// setClock moves the fixture's clock to d after the monitor was made,
// forward or back.
func (f *fixture) setClock(d time.Duration) {
	f.clock.Advance(t0.Add(d).Sub(f.clock.Now()))
}

// TestWindowOverflowShare checks the share of the window spent in overflow
// against the time the queue really spent there, however its overflows
// began and ended and however long ago it was sampled. Capacity 10 and
// threshold 0.8: a depth of 8 or more is an overflow.
func TestWindowOverflowShare(t *testing.T) {
	tests := []struct {
		name string
		fn   func(f *fixture, q *Queue) // leaves the clock at the read
		want float64
		tol  float64 // 0: exact, to 1e-9
	}{
		{
			// The spell [10s, 25s) lies wholly in the window [10s, 40s],
			// though the sample that began it is older than the window.
			name: "ended spell within the window",
			fn: func(f *fixture, q *Queue) {
				sampleAt(f, q, 0, 0)
				sampleAt(f, q, 10*time.Second, 9)
				sampleAt(f, q, 25*time.Second, 0)
				f.setClock(40 * time.Second)
			},
			want: 15.0 / 30,
		},
		{
			// The window [15s, 45s] holds 10s of the spell [10s, 25s).
			name: "ended spell straddling the window's start",
			fn: func(f *fixture, q *Queue) {
				sampleAt(f, q, 0, 0)
				sampleAt(f, q, 10*time.Second, 9)
				sampleAt(f, q, 25*time.Second, 0)
				f.setClock(45 * time.Second)
			},
			want: 10.0 / 30,
		},
		{
			name: "stuck in overflow with no new samples",
			fn: func(f *fixture, q *Queue) {
				sampleAt(f, q, 0, 9)
				f.setClock(50 * time.Second)
			},
			want: 1,
		},
		{
			// Enter/Leave and Enter/Cancel only, never sampled: [2s, 7s)
			// and [20s, 26s).
			name: "overflows entered and left through Enter, Leave and Cancel",
			fn: func(f *fixture, q *Queue) {
				var held []Ticket
				for range 7 {
					held = append(held, q.Enter())
				}
				f.setClock(2 * time.Second)
				held = append(held, q.Enter()) // depth 8: overflow
				f.setClock(7 * time.Second)
				held[7].Leave() // depth 7: out
				f.setClock(20 * time.Second)
				last := q.Enter() // depth 8 again
				f.setClock(26 * time.Second)
				last.Cancel()
				f.setClock(30 * time.Second)
				for _, tk := range held[:7] {
					tk.Leave()
				}
			},
			want: 11.0 / 30,
		},
		{
			// The spell [0s, 100s) is longer than the window; [70s, 100s]
			// is wholly in overflow.
			name: "spell longer than the window, read at its end",
			fn: func(f *fixture, q *Queue) {
				sampleAt(f, q, 0, 9)
				sampleAt(f, q, 100*time.Second, 0)
			},
			want: 1,
		},
		{
			name: "spell longer than the window, read after its end",
			fn: func(f *fixture, q *Queue) {
				sampleAt(f, q, 0, 9)
				sampleAt(f, q, 100*time.Second, 0)
				f.setClock(110 * time.Second) // window [80s, 110s]
			},
			want: 20.0 / 30,
		},
		{
			name: "spell that ended more than a window ago",
			fn: func(f *fixture, q *Queue) {
				sampleAt(f, q, 0, 9)
				sampleAt(f, q, 5*time.Second, 0)
				f.setClock(40 * time.Second)
			},
			want: 0,
		},
		{
			// Half a bucket off the boundaries: [10.5s, 25.5s) read at
			// 40.5s is 15s of the window [10.5s, 40.5s]; the bucket
			// [10s, 11s), which straddles its start, is counted pro rata,
			// so the share is exact only to 1/30.
			name: "unaligned spell",
			fn: func(f *fixture, q *Queue) {
				sampleAt(f, q, 10500*time.Millisecond, 9)
				sampleAt(f, q, 25500*time.Millisecond, 0)
				f.setClock(40500 * time.Millisecond)
			},
			want: 15.0 / 30,
			tol:  1.0 / 30,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, true, WithWindow(shareWindow))
			q := f.m.Queue(TypeHTTP, "requests", 10)
			tt.fn(f, q)
			got := f.m.Snapshot().Queues[0].WindowOverflowShare
			if math.Abs(got-tt.want) > max(tt.tol, 1e-9) {
				t.Errorf("share %v, want %v", got, tt.want)
			}
		})
	}
}

// sampleAt samples depth at d after the monitor was made.
func sampleAt(f *fixture, q *Queue, d time.Duration, depth int) {
	f.setClock(d)
	_ = q.Sample(depth)
}

// TestWindowOverflowShareClockStepsBack steps the clock back during and
// after overflows: nothing panics, and the share and the overflow time
// stay in range, a step back counting as no time.
func TestWindowOverflowShareClockStepsBack(t *testing.T) {
	f := newFixture(t, true, WithWindow(shareWindow))
	q := f.m.Queue(TypeHTTP, "requests", 10)
	check := func(when string) Entry {
		t.Helper()
		s := f.m.Snapshot().Queues[0]
		if s.WindowOverflowShare < 0 || s.WindowOverflowShare > 1 || math.IsNaN(s.WindowOverflowShare) || s.OverflowSeconds < 0 {
			t.Errorf("%s: share %v, %vs in overflow", when, s.WindowOverflowShare, s.OverflowSeconds)
		}
		return s
	}
	sampleAt(f, q, 10*time.Second, 9)
	f.setClock(5 * time.Second) // before the spell began
	if s := check("open spell, clock before its start"); s.WindowOverflowShare != 0 {
		t.Errorf("share %v before the spell began, want 0", s.WindowOverflowShare)
	}
	_ = q.Sample(0) // ends the spell before it began: no time
	if s := check("spell ended before it began"); s.OverflowSeconds != 0 || s.WindowOverflowShare != 0 {
		t.Errorf("%vs in overflow, share %v, want none", s.OverflowSeconds, s.WindowOverflowShare)
	}
	sampleAt(f, q, 60*time.Second, 9)
	sampleAt(f, q, 80*time.Second, 0) // [60s, 80s)
	f.setClock(-20 * time.Second)     // before the monitor was made
	check("before the monitor was made")
	sampleAt(f, q, -19*time.Second, 9)
	sampleAt(f, q, -10*time.Second, 0) // [-19s, -10s)
	check("spell before the monitor was made")
	f.setClock(90 * time.Second) // window [60s, 90s]
	if s := check("forward again"); math.Abs(s.WindowOverflowShare-20.0/30) > 1e-9 {
		t.Errorf("share %v, want 20/30", s.WindowOverflowShare)
	}
}

// TestWindowRejected counts rejects within the window, read back while the
// queue is sampled every second, and forgets those older than the window.
func TestWindowRejected(t *testing.T) {
	f := newFixture(t, true, WithWindow(shareWindow))
	q := f.m.Queue(TypeHTTP, "requests", 10)
	rejected := func(at time.Duration, windowed, total int64) {
		t.Helper()
		f.setClock(at)
		if s := f.m.Snapshot().Queues[0]; s.WindowRejected != windowed || s.Rejected != total {
			t.Errorf("at %v: %d rejected in the window, %d in all; want %d and %d", at, s.WindowRejected, s.Rejected, windowed, total)
		}
	}
	for i := range 60 {
		sampleAt(f, q, time.Duration(i)*time.Second, 1) // marks the count at each second
		switch i {
		case 3:
			q.Reject()
			q.Reject()
			q.Reject()
		case 20:
			q.Reject()
			q.Reject()
		}
		switch i {
		case 10:
			rejected(10*time.Second, 3, 3)
		case 25:
			rejected(25*time.Second, 5, 5)
		case 33: // window [3s, 33s]: the rejects after the mark at 3s count
			rejected(33*time.Second, 5, 5)
		case 34: // window [4s, 34s]
			rejected(34*time.Second, 2, 5)
		case 51: // window [21s, 51s]
			rejected(51*time.Second, 0, 5)
		}
	}

	// A queue made less than a window ago counts from its creation,
	// though nothing read it in between.
	f.setClock(100 * time.Second)
	late := f.m.Queue(TypeHTTP, "late", 10)
	late.Reject()
	late.Reject()
	f.setClock(110 * time.Second)
	if s := f.m.Snapshot().Queues[1]; s.WindowRejected != 2 {
		t.Errorf("new queue: %d rejected in the window, want 2", s.WindowRejected)
	}
	// Without a read in the window before now, there is no mark to count
	// from: the count is a lower bound, 0.
	f.setClock(200 * time.Second)
	q.Reject()
	rejected(200*time.Second, 0, 6)
	f.setClock(201 * time.Second)
	q.Reject()
	rejected(201*time.Second, 1, 7)
}

// TestSnapshotSampled checks that Snapshot.Sampled is zero, and left out of
// the JSON, until the sampler completes a round, and then tells when.
func TestSnapshotSampled(t *testing.T) {
	f := newFixture(t, true)
	f.m.Queue(TypeHTTP, "requests", 10).Enter()
	s := f.m.Snapshot()
	if !s.Sampled.IsZero() {
		t.Fatalf("Sampled %v before any round, want zero", s.Sampled)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"sampled"`) {
		t.Errorf("JSON %s has sampled before any round", b)
	}
	f.clock.Advance(3 * time.Second)
	f.m.sampleAll()
	f.clock.Advance(time.Second)
	s = f.m.Snapshot()
	if want := t0.Add(3 * time.Second); !s.Sampled.Equal(want) {
		t.Errorf("Sampled %v, want %v", s.Sampled, want)
	}
	if s.Queues[0].Samples != 1 {
		t.Errorf("%d samples, want the round's one", s.Queues[0].Samples)
	}
}

// TestWindowOverflowConcurrentSafe moves a queue in and out of overflow
// from several goroutines while the clock moves and snapshots read the
// window: the share stays within [0, 1] and every spell ends.
func TestWindowOverflowConcurrentSafe(t *testing.T) {
	f := newFixture(t, true, WithWindow(shareWindow))
	q := f.m.Queue(TypeHTTP, "requests", 10)
	const workers, ops = 8, 2000
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				tk := q.Enter() // 8 workers: depth up to 8, an overflow
				if i%2 == 0 {
					tk.Leave()
				} else {
					tk.Cancel()
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 500 {
			f.clock.Advance(100 * time.Millisecond)
			if s := f.m.Snapshot().Queues[0]; s.WindowOverflowShare < 0 || s.WindowOverflowShare > 1 {
				t.Errorf("share %v", s.WindowOverflowShare)
			}
		}
	}()
	wg.Wait()
	<-done
	s := f.m.Snapshot().Queues[0]
	if s.Depth != 0 || s.Overflowing || s.WindowOverflowShare < 0 || s.WindowOverflowShare > 1 || s.OverflowSeconds < 0 {
		t.Fatalf("%+v", s)
	}
}
