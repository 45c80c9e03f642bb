package feature

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/otelvitals/vitals/semconv"
)

// TestUniqueUsersAcrossQuarters moves a 4h window (quarters of 1h) on
// the injected clock and checks, at every step, the exact number of
// distinct users in the snapshot and in vitals.feature.users: users seen
// again in a later quarter count once, a quarter's users leave with it,
// and a clock that steps back books its users in the newest quarter.
func TestUniqueUsersAcrossQuarters(t *testing.T) {
	f := newFixture(t, true, WithWindow(4*time.Hour))
	ctx := context.Background()
	x := f.a.Feature(TypeAPIEndpoint, "/search")
	use := func(prefix string, from, to int) {
		for i := from; i < to; i++ {
			x.Record(ctx, prefix+strconv.Itoa(i), PatternDirectCall, time.Millisecond, true)
		}
	}
	check := func(step string, n uint64) {
		t.Helper()
		s := f.a.Snapshot().Features[0]
		if s.UniqueUsers != n {
			t.Fatalf("%s: %d unique users in the snapshot, want %d", step, s.UniqueUsers, n)
		}
		if s.WindowUses > 0 { // the metric is reported while the window has uses
			want(t, f.collect(), int64(n), semconv.FeatureUsers.Name, endpoint, search)
		}
	}
	use("a", 0, 10) // 09:00, quarter 0: a0..a9
	check("quarter 0", 10)
	f.clock.Advance(time.Hour)
	use("a", 5, 15) // quarter 1: a5..a14, 5 of them new
	check("quarter 1", 15)
	f.clock.Advance(time.Hour)
	use("b", 0, 5) // quarter 2
	check("quarter 2", 20)
	f.clock.Advance(time.Hour)
	for range 3 { // quarter 3: anonymous uses only
		x.Record(ctx, "", PatternDirectCall, time.Millisecond, true)
	}
	check("quarter 3", 20)
	f.clock.Advance(time.Hour) // quarter 4: quarter 0 leaves, a0..a4 with it
	check("quarter 4, before any use", 15)
	use("c", 0, 1)
	check("quarter 4", 16)
	f.clock.Advance(time.Hour) // quarter 5: quarter 1 leaves
	check("quarter 5, before any use", 6)
	use("c", 1, 2)
	check("quarter 5", 7)
	f.clock.Advance(-3 * time.Hour) // back to quarter 2's time: no time passed
	check("clock stepped back", 7)
	use("d", 0, 1) // booked in quarter 5, the newest recorded in
	check("clock stepped back, one new user", 8)
	f.clock.Advance(6 * time.Hour) // quarter 8: quarter 5 is the last in
	check("quarter 8", 2)
	f.clock.Advance(time.Hour) // quarter 9: every quarter used has left
	check("quarter 9", 0)
	use("a", 0, 3)
	check("quarter 9, old users again", 3)
}

// TestUniqueUsersRotationAccuracy records 5,000 users a quarter, half of
// them the quarter before's, for 8 quarters of a 4h window, and checks the
// estimate (the window holds 12,500 distinct users once full) within 3%,
// 3.7 standard errors of the sketch, at every quarter.
func TestUniqueUsersRotationAccuracy(t *testing.T) {
	f := newFixture(t, true, WithWindow(4*time.Hour))
	ctx := context.Background()
	x := f.a.Feature(TypeMLModel, "ranker")
	const perQuarter, shared = 5_000, 2_500
	for q := range 8 {
		for i := range perQuarter {
			x.Record(ctx, "user-"+strconv.Itoa(q*(perQuarter-shared)+i), PatternDirectCall, 0, true)
		}
		truth := float64(min(q+1, 4)*(perQuarter-shared) + shared)
		got := f.a.Snapshot().Features[0].UniqueUsers
		if e := math.Abs(float64(got)-truth) / truth; e > 0.03 {
			t.Fatalf("quarter %d: estimate %d for %v users: %.2f%% off", q, got, truth, 100*e)
		}
		f.clock.Advance(time.Hour)
	}
}

// TestRecordAllocationsSparse checks that Record allocates nothing with a
// user the sketches hold already, while they are sparse (the benchmarks
// package checks the dense case).
func TestRecordAllocationsSparse(t *testing.T) {
	f := newFixture(t, true)
	x := f.a.Feature(TypeAPIEndpoint, "/search")
	ctx := context.Background()
	users := make([]string, 100)
	for i := range users {
		users[i] = "user-" + strconv.Itoa(i)
		x.Record(ctx, users[i], PatternDirectCall, time.Millisecond, true)
	}
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		x.Record(ctx, users[i%len(users)], PatternDirectCall, time.Millisecond, true)
		i++
	}); n != 0 {
		t.Errorf("Record: %v allocations, want 0", n)
	}
	if got := f.a.Snapshot().Features[0].UniqueUsers; got != uint64(len(users)) {
		t.Fatalf("%d unique users, want %d", got, len(users))
	}
}
