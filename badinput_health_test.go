package vitals_test

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

func badHealthCases() []badCase {
	nan, inf := math.NaN(), math.Inf(1)
	sameAsDefault := func(p healthscore.Policy) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			got := badScore(t, badHealthInput(), p)
			want := badScore(t, badHealthInput(), healthscore.Policy{})
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
				t.Errorf("report\n%s\nwant the default policy's\n%s", g, w)
			}
			return nil
		}
	}
	return []badCase{
		{
			Name: "handler status codes out of range", API: "healthscore.Handler", Input: "HandlerOptions{DegradedCode: 42, UnhealthyCode: 1000}",
			Result: "each takes its default: 200 for degraded, 503 for unhealthy; no panic",
			Call: func(t *testing.T, _ *badRig) error {
				for status, want := range map[healthscore.Status]int{healthscore.Degraded: 200, healthscore.Unhealthy: 503} {
					rep := healthscore.Report{Status: status}
					h := healthscore.Handler(func() healthscore.Report { return rep }, healthscore.HandlerOptions{DegradedCode: 42, UnhealthyCode: 1000})
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
					if rec.Code != want {
						t.Errorf("%s: %d, want %d", status, rec.Code, want)
					}
				}
				return nil
			},
		},
		{
			Name: "handler nil report", API: "healthscore.Handler, healthscore.LivenessHandler", Input: "report: nil; alive: nil",
			Result: "the report of nothing tracked (200, healthy); liveness 200",
			Call: func(t *testing.T, _ *badRig) error {
				for _, h := range []http.Handler{healthscore.Handler(nil, healthscore.HandlerOptions{}), healthscore.LivenessHandler(nil)} {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
					if rec.Code != 200 {
						t.Errorf("%d, want 200: %s", rec.Code, rec.Body)
					}
				}
				return nil
			},
		},
		{
			Name: "judge odd options", API: "healthscore.NewJudge", Input: "WithHold(-1h), WithEvaluations(-3), WithClock(nil), nil option",
			Result: "no hold, one evaluation, time.Now: statuses follow the scores",
			Call: func(t *testing.T, _ *badRig) error {
				j := healthscore.NewJudge(healthscore.Policy{}, healthscore.WithHold(-time.Hour), healthscore.WithEvaluations(-3), healthscore.WithClock(nil), nil)
				full := healthscore.Input{Queues: []queue.Entry{{Name: "q", Capacity: 1, Utilization: 1}}}
				if s := j.Judge(healthscore.Input{}).Status; s != healthscore.Healthy {
					t.Errorf("empty: %s", s)
				}
				if s := j.Judge(full).Status; s != healthscore.Unhealthy {
					t.Errorf("full queue: %s, want unhealthy at once", s)
				}
				return nil
			},
		},
		{
			Name: "judge clock stepping back", API: "healthscore.Judge", Input: "a clock an hour back between evaluations",
			Result: "the hold restarts: no status change, no panic",
			Call: func(t *testing.T, _ *badRig) error {
				now := time.Unix(1_800_000_000, 0)
				j := healthscore.NewJudge(healthscore.Policy{}, healthscore.WithClock(func() time.Time { return now }))
				full := healthscore.Input{Queues: []queue.Entry{{Name: "q", Capacity: 1, Utilization: 1}}}
				j.Judge(healthscore.Input{Queues: []queue.Entry{{Name: "q", Capacity: 1}}})
				j.Judge(full)
				now = now.Add(-time.Hour)
				if s := j.Judge(full).Status; s != healthscore.Healthy {
					t.Errorf("after the step back: %s, want healthy (held)", s)
				}
				return nil
			},
		},
		{
			Name: "health empty input", API: "healthscore.Score", Input: "Input{}",
			Result: "100, healthy, no components",
			Call: func(t *testing.T, _ *badRig) error {
				if r := badScore(t, healthscore.Input{}, healthscore.Policy{}); r.Score != 100 || r.Status != healthscore.Healthy || len(r.Components) != 0 {
					t.Errorf("report %+v", r)
				}
				return nil
			},
		},
		{
			Name: "health NaN input", API: "healthscore.Score", Input: "NaN utilization, overflow share, hit ratio, efficiency, success rate, mean duration",
			Result: "each NaN rule scores 0: unhealthy at 0, every score in 0-100, JSON encodes",
			Call: func(t *testing.T, _ *badRig) error {
				in := healthscore.Input{
					Queues: []queue.Entry{{Name: "q1", Capacity: 10, Utilization: nan}, {Name: "q2", Capacity: 10, WindowOverflowShare: nan, WindowSeconds: nan}},
					Caches: []cache.Entry{
						{Name: "c1", WindowLookups: 1000, SinceFirstLookupSeconds: 3600, WindowHitRatio: nan, Efficiency: 1, LatencyMeasured: true},
						{Name: "c2", WindowLookups: 1000, SinceFirstLookupSeconds: 3600, WindowHitRatio: 1, Efficiency: nan, LatencyMeasured: true},
					},
					Features: []feature.Entry{{Name: "f1", WindowUses: 100, WindowSuccessRatio: nan}, {Name: "f2", WindowUses: 100, WindowSuccessRatio: 1, MeanDurationSeconds: nan}},
				}
				r := badScore(t, in, healthscore.Policy{})
				for _, c := range r.Components {
					for _, e := range c.Entities {
						if e.Score != 0 {
							t.Errorf("%s %s scores %v, want 0", c.Name, e.Name, e.Score)
						}
					}
				}
				if r.Score != 0 || r.Status != healthscore.Unhealthy {
					t.Errorf("report %v %s, want 0 unhealthy", r.Score, r.Status)
				}
				return nil
			},
		},
		{
			Name: "health infinite input", API: "healthscore.Score", Input: "±Inf utilization, hit ratio, efficiency, mean duration",
			Result: "scored as the bound: +Inf utilization 0, -Inf 100, +Inf hit ratio 100, +Inf mean duration 0",
			Call: func(t *testing.T, _ *badRig) error {
				in := healthscore.Input{
					Queues:   []queue.Entry{{Name: "full", Capacity: 10, Utilization: inf}, {Name: "empty", Capacity: 10, Utilization: -inf}},
					Caches:   []cache.Entry{{Name: "c", WindowLookups: 1000, SinceFirstLookupSeconds: 3600, WindowHitRatio: inf, Efficiency: inf, LatencyMeasured: true}},
					Features: []feature.Entry{{Name: "f", WindowUses: 100, WindowSuccessRatio: 1, MeanDurationSeconds: inf}},
				}
				want := map[string]float64{"full": 0, "empty": 100, "c": 100, "f": 0}
				for _, c := range badScore(t, in, healthscore.Policy{}).Components {
					for _, e := range c.Entities {
						if e.Score != want[e.Name] {
							t.Errorf("%s scores %v, want %v", e.Name, e.Score, want[e.Name])
						}
					}
				}
				return nil
			},
		},
		{
			Name: "health NaN policy", API: "healthscore.Score", Input: "every Policy number NaN",
			Result: "each takes its default: the default policy's report",
			Call: sameAsDefault(healthscore.Policy{
				DegradedBelow: nan, UnhealthyBelow: nan, ConnectionsWeight: nan, QueuesWeight: nan, CachesWeight: nan, FeaturesWeight: nan,
				PoolMaxOldShare: nan, PoolMaxLeakShare: nan, PoolSaturation: nan, QueueThreshold: nan, QueueMaxOverflowShare: nan,
				QueueGrowingCap: nan, CacheTargetHitRatio: nan, CacheMinEfficiency: nan, FeatureFailureOK: nan, FeatureFailureMax: nan,
			}),
		},
		{
			Name: "health infinite policy", API: "healthscore.Score", Input: "Policy thresholds ±Inf",
			Result: "each takes its default: the default policy's report",
			Call: sameAsDefault(healthscore.Policy{
				DegradedBelow: inf, UnhealthyBelow: -inf, QueueThreshold: inf, CacheTargetHitRatio: -inf, FeatureFailureMax: inf,
			}),
		},
		{
			Name: "health negative policy", API: "healthscore.Score", Input: "negative weights, shares and FeatureBudget",
			Result: "each takes its default: the default policy's report",
			Call: sameAsDefault(healthscore.Policy{
				ConnectionsWeight: -1, QueuesWeight: -2, CachesWeight: -1, FeaturesWeight: -1, PoolMaxOldShare: -0.5,
				QueueGrowingCap: -10, FeatureBudget: -time.Second, FeatureBudgets: map[string]time.Duration{"f": -time.Second},
			}),
		},
	}
}
