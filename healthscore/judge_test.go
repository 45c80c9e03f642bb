package healthscore

import (
	"testing"
	"time"

	"github.com/otelvitals/vitals/instrument/queue"
)

// fakeClock is a clock moved by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// queueAt is the input of one critical-free queue at utilization u.
func queueAt(u float64) Input {
	return Input{Queues: []queue.Entry{{Type: "http", Name: "requests", Capacity: 100, Utilization: u}}}
}

// TestJudgeOscillation feeds a queue whose utilization crosses the
// threshold every second for a minute, evaluated every second: with a hold
// of 10s the status never changes, though the raw status changes 60 times.
// Then the queue stays full, and the status changes once, after the hold.
func TestJudgeOscillation(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	j := NewJudge(Policy{}, WithHold(10*time.Second), WithClock(clk.now))
	if r := j.Judge(queueAt(0.1)); r.Status != Healthy {
		t.Fatalf("at rest: %s", r.Status)
	}
	changes, last := 0, Healthy
	for i := range 60 {
		clk.advance(time.Second)
		u := 0.1
		if i%2 == 0 {
			u = 1 // full: the raw score is 0, unhealthy
		}
		r := j.Judge(queueAt(u))
		if want := map[bool]Status{true: Unhealthy, false: Healthy}[u == 1]; Score(queueAt(u), Policy{}).Status != want {
			t.Fatalf("the raw status at %v is not %s", u, want)
		}
		if r.Status != last {
			changes++
			last = r.Status
		}
	}
	if changes != 0 {
		t.Fatalf("the status changed %d times in a minute of oscillation", changes)
	}

	var changedAt time.Duration
	for i := 1; i <= 30; i++ {
		clk.advance(time.Second)
		r := j.Judge(queueAt(1))
		if r.Score != 0 {
			t.Fatalf("score %v: scores are not held", r.Score)
		}
		if held := r.Status == Healthy; held != (r.Pending == Unhealthy) {
			t.Fatalf("at %ds status %s, pending %q", i, r.Status, r.Pending)
		}
		if r.Status != last {
			if changedAt != 0 {
				t.Fatalf("a second change at %ds", i)
			}
			changedAt, last = time.Duration(i)*time.Second, r.Status
		}
	}
	// The first full evaluation starts the hold; 10s later it changes.
	if changedAt != 11*time.Second || last != Unhealthy {
		t.Fatalf("changed to %s after %v, want unhealthy after 11s", last, changedAt)
	}
	for _, c := range j.Judge(queueAt(1)).Components {
		if c.Status != Unhealthy || c.Entities[0].Status != Unhealthy {
			t.Fatalf("component %s %s, entity %s: held apart from the overall", c.Name, c.Status, c.Entities[0].Status)
		}
	}
}

// TestJudgeEvaluations needs three evaluations in a row besides the hold.
func TestJudgeEvaluations(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	j := NewJudge(Policy{}, WithHold(time.Second), WithEvaluations(3), WithClock(clk.now))
	j.Judge(queueAt(0))
	var got []Status
	for range 4 {
		clk.advance(time.Minute)
		got = append(got, j.Judge(queueAt(1)).Status)
	}
	if got[0] != Healthy || got[1] != Healthy || got[2] != Unhealthy || got[3] != Unhealthy {
		t.Fatalf("statuses %v, want healthy, healthy, unhealthy, unhealthy", got)
	}
}

// TestJudgeWithoutHold follows the scores at once, as Score does; a clock
// that steps back restarts a hold instead of ending it.
func TestJudgeWithoutHold(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	j := NewJudge(Policy{}, WithHold(0), WithClock(clk.now))
	for _, u := range []float64{0, 1, 0.9, 0} {
		if got, want := j.Judge(queueAt(u)).Status, Score(queueAt(u), Policy{}).Status; got != want {
			t.Fatalf("at %v: %s, want %s", u, got, want)
		}
	}

	held := NewJudge(Policy{}, WithHold(time.Minute), WithClock(clk.now))
	held.Judge(queueAt(0))
	held.Judge(queueAt(1))
	clk.advance(-time.Hour)
	if s := held.Judge(queueAt(1)).Status; s != Healthy {
		t.Fatalf("a clock stepping back ended the hold: %s", s)
	}
	clk.advance(time.Minute)
	if s := held.Judge(queueAt(1)).Status; s != Unhealthy {
		t.Fatalf("a minute after the restarted hold: %s", s)
	}
}

// TestJudgeForgets drops the state of entities that are gone.
func TestJudgeForgets(t *testing.T) {
	j := NewJudge(Policy{})
	j.Judge(queueAt(0))
	j.Judge(Input{})
	if len(j.held) != 1 { // the overall status alone
		t.Fatalf("%d statuses held after the queue went", len(j.held))
	}
}
