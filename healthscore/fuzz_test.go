package healthscore

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// FuzzScore scores one pool, queue, cache and feature built from arbitrary
// numbers, under a policy built from arbitrary numbers, and checks what
// every report must hold: scores within 0..100, statuses that match the
// thresholds, a component as healthy as its worst entity, a reason for
// every score below 100, and JSON that encodes.
func FuzzScore(f *testing.F) {
	f.Add(int64(10), int64(4), int64(1), int64(6), int64(2), true,
		int64(100), 0.9, 0.3, 60.0, true,
		int64(50), 0.5, 0.2,
		int64(20), 0.95, 1.5,
		80.0, 50.0, 0.5, 0.8, 0.8, int64(time.Second))
	f.Add(int64(0), int64(0), int64(0), int64(0), int64(0), false,
		int64(0), math.NaN(), math.Inf(1), math.Inf(-1), false,
		int64(-1), math.NaN(), math.Inf(-1),
		int64(math.MaxInt64), math.Inf(1), math.NaN(),
		math.NaN(), math.Inf(1), -1.0, math.NaN(), 0.0, int64(-time.Second))
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MinInt64), int64(math.MaxInt64), int64(math.MaxInt64), true,
		int64(1), 1e308, -1e308, 1e308, true,
		int64(1), math.Copysign(0, -1), 1e-308,
		int64(1), -1.0, 1e300,
		1e-300, 1e300, 1e-300, 1e300, 5e-324, int64(1))

	f.Fuzz(func(t *testing.T,
		open, olderThanMax, used, destroyed, expired int64, stateful bool,
		capacity int64, utilization, overflowShare, windowSeconds float64, growing bool,
		lookups int64, hitRatio, efficiency float64,
		uses int64, successRate, meanDuration float64,
		degradedBelow, unhealthyBelow, queueThreshold, cacheTarget, failureMax float64, budget int64,
	) {
		trend := instrument.TrendStable
		if growing {
			trend = instrument.TrendGrowing
		}
		in := Input{
			Connections: []conn.Entry{{Type: "db", Name: "main", Open: open, OlderThanMaxAge: olderThanMax, Used: used,
				Destroyed: destroyed, Expired: expired, Stateful: stateful}},
			Queues: []queue.Entry{{Type: "worker", Name: "jobs", Capacity: capacity, Utilization: utilization,
				WindowOverflowShare: overflowShare, WindowSeconds: windowSeconds, Trend: trend}},
			Caches:   []cache.Entry{{Type: "app", Name: "users", WindowLookups: lookups, WindowHitRatio: hitRatio, Efficiency: efficiency}},
			Features: []feature.Entry{{Type: "flag", Name: "search", WindowUses: uses, WindowSuccessRatio: successRate, MeanDurationSeconds: meanDuration}},
		}
		p := Policy{
			DegradedBelow: degradedBelow, UnhealthyBelow: unhealthyBelow, QueueThreshold: queueThreshold,
			CacheTargetHitRatio: cacheTarget, FeatureFailureMax: failureMax, FeatureBudget: time.Duration(budget),
			FeatureBudgets: map[string]time.Duration{"search": time.Duration(budget) * 2},
		}
		r := Score(in, p)

		eff := p.withDefaults()
		valid := func(what string, score float64, status Status) {
			t.Helper()
			if math.IsNaN(score) || score < 0 || score > 100 {
				t.Fatalf("%s score %v, want 0..100", what, score)
			}
			if want := eff.status(score); status != want {
				t.Fatalf("%s status %q at score %v, want %q", what, status, score, want)
			}
		}
		valid("overall", r.Score, r.Status)
		if len(r.Components) != 4 {
			t.Fatalf("%d components, want 4", len(r.Components))
		}
		for _, c := range r.Components {
			valid(c.Name, c.Score, c.Status)
			worst := 100.0
			for _, e := range c.Entities {
				valid(c.Name+" "+e.Name, e.Score, e.Status)
				if (e.Score < 100) != (len(e.Reasons) > 0) {
					t.Fatalf("%s %s scores %v with reasons %q", c.Name, e.Name, e.Score, e.Reasons)
				}
				worst = math.Min(worst, e.Score)
			}
			if c.Score != worst {
				t.Fatalf("%s scores %v, its worst entity %v", c.Name, c.Score, worst)
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("the report does not encode: %v", err)
		}
	})
}
