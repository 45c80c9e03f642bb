package healthscore

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// warm is a cache snapshot past its warm-up with enough lookups.
func warm(ratio, efficiency float64, measured bool) cache.Entry {
	return cache.Entry{WindowLookups: 1000, WindowHitRatio: ratio, Efficiency: efficiency, LatencyMeasured: measured,
		SinceFirstLookupSeconds: 3600}
}

// TestRules checks each rule at and around its thresholds, and at the
// evidence below which it abstains.
func TestRules(t *testing.T) {
	p := Policy{}.withDefaults()
	window := conn.Entry{WindowSeconds: 300, WindowCoveredSeconds: 300}
	pool := func(f func(*conn.Entry)) Entity {
		s := window
		f(&s)
		return poolEntity(s, p)
	}
	tests := []struct {
		name      string
		entity    Entity
		want      float64
		reason    string // part of the single reason, "" for none
		abstained string // a rule that must have abstained, "" for none
	}{
		{"pool idle, no maximum", pool(func(s *conn.Entry) { s.Open, s.InUse, s.InUseKnown, s.Stateful = 1, 1, true, true }), 100, "", RuleSaturation},
		{"pool all in use, no maximum", pool(func(s *conn.Entry) { s.Open, s.InUse, s.InUseKnown = 100, 100, true }), 100, "", RuleSaturation},
		{"pool 90% of max", pool(func(s *conn.Entry) { s.MaxOpen, s.InUse, s.InUseKnown = 10, 9, true }), 100, "", ""},
		{"pool 95% of max", pool(func(s *conn.Entry) { s.MaxOpen, s.InUse, s.InUseKnown = 20, 19, true }), 80, "19 of its maximum of 20", ""},
		{"pool at max", pool(func(s *conn.Entry) { s.MaxOpen, s.InUse, s.InUseKnown = 10, 10, true }), 60, "10 of its maximum of 10", ""},
		{"pool max, in use unknown", pool(func(s *conn.Entry) { s.MaxOpen = 10 }), 100, "", RuleSaturation},
		{"pool short waits", pool(func(s *conn.Entry) { s.StatsReported, s.WindowWaits, s.WindowWaitSeconds = true, 30, 3 }), 100, "", ""},
		{"pool waiting half the time", pool(func(s *conn.Entry) {
			s.StatsReported, s.WindowWaits, s.RecentWaits, s.WindowWaitSeconds = true, 900, 60, 165
		}), 50, "0.6 callers on average waiting", ""},
		{"pool always waiting", pool(func(s *conn.Entry) {
			s.StatsReported, s.WindowWaits, s.RecentWaits, s.WindowWaitSeconds = true, 9000, 600, 600
		}), 0, "2.0 callers on average waiting for a connection over the last 5m0s", ""},
		{"pool waited, none lately", pool(func(s *conn.Entry) {
			s.StatsReported, s.WindowWaitSeconds, s.MaxOpen, s.InUse, s.InUseKnown = true, 600, 10, 3, true
		}), 50, "2.0 callers on average waiting for a connection over the last 5m0s, none lately", ""},
		{"pool no waits reported", pool(func(s *conn.Entry) {}), 100, "", RuleWaitLoad},
		{"pool 1 of 4 ended leaked", pool(func(s *conn.Entry) { s.WindowDestroyed, s.WindowExpired = 3, 1 }), 100, "", RuleLeaks},
		{"pool 1 in 20 leaked", pool(func(s *conn.Entry) { s.WindowDestroyed, s.WindowExpired = 19, 1 }), 75, "1 of 20 connections", ""},
		{"pool managing its own", pool(func(s *conn.Entry) { s.StatsReported, s.WindowDestroyed, s.WindowExpired = true, 0, 9 }), 100, "", RuleLeaks},
		{"pool 1 in 5 leaked", pool(func(s *conn.Entry) { s.WindowDestroyed, s.WindowExpired = 4, 1 }), 0, "leaked", ""},
		{"pool old, no max age", pool(func(s *conn.Entry) { s.Open, s.OlderThanMaxAge = 10, 10 }), 100, "", RuleOldConnections},
		{"pool 10% past max age", pool(func(s *conn.Entry) { s.Open, s.MaxAgeSeconds, s.OlderThanLimit = 10, 60, 1 }), 80, "past their max age of 1m0s", ""},
		{"pool churning", pool(func(s *conn.Entry) { s.MaxOpen, s.Open, s.WindowCreated = 10, 1, 600 }), 80, "living 500ms on average", ""},
		{"pool rotating each minute", pool(func(s *conn.Entry) { s.MaxOpen, s.Open, s.WindowCreated = 10, 10, 50 }), 100, "", ""},
		{"server pool churning", pool(func(s *conn.Entry) { s.Open, s.WindowCreated = 1, 6000 }), 100, "", RuleChurn},
		{"queue at threshold", queueEntity(queue.Entry{Capacity: 10, Utilization: 0.8}, p), 100, "", ""},
		{"queue at 90%", queueEntity(queue.Entry{Capacity: 10, Utilization: 0.9}, p), 50, "at 90% of capacity", ""},
		{"queue full", queueEntity(queue.Entry{Capacity: 10, Utilization: 1.2}, p), 0, "at 120% of capacity", ""},
		{"queue no capacity", queueEntity(queue.Entry{Depth: 1000}, p), 100, "", RuleUtilization},
		{"queue overflow 4 of 5 min", queueEntity(queue.Entry{Capacity: 10, WindowSeconds: 300, WindowOverflowShare: 0.8, Overflowing: true}, p), 0, "for 4m0s of the last 5m0s", ""},
		{"queue overflow 4 of 5 min, drained", queueEntity(queue.Entry{Capacity: 10, WindowSeconds: 300, WindowOverflowShare: 0.8}, p), 50, "for 4m0s of the last 5m0s, not now", ""},
		{"queue overflow 10%", queueEntity(queue.Entry{Capacity: 10, WindowSeconds: 300, WindowOverflowShare: 0.1}, p), 80, "for 30s of the last 5m0s", ""},
		{"queue 9 rejected", queueEntity(queue.Entry{WindowSeconds: 300, WindowRejected: 9}, p), 100, "", RuleRejections},
		{"queue 10 rejected", queueEntity(queue.Entry{WindowSeconds: 300, WindowRejected: 10}, p), 79, "turned 10 items away", ""},
		{"queue 5000 rejected", queueEntity(queue.Entry{WindowSeconds: 300, WindowRejected: 5000}, p), 50, "turned 5000 items away", ""},
		{"queue growing", queueEntity(queue.Entry{Samples: 300, WindowSeconds: 300, Trend: instrument.TrendGrowing}, p), 90, "growing", ""},
		{"queue growing, 3 samples", queueEntity(queue.Entry{Samples: 3, Trend: instrument.TrendGrowing}, p), 100, "", RuleTrend},
		{"cache at target", cacheEntity(warm(0.8, 0.6, true), p), 100, "", ""},
		{"cache 40% hits", cacheEntity(warm(0.4, 0.4, false), p), 50, "hit ratio 40% over 1000 lookups", RuleEfficiency},
		{"cache poor efficiency", cacheEntity(warm(0.9, 0.1, true), p), 50, "efficiency 0.10", ""},
		{"cache 10% hits", cacheEntity(warm(0.1, 0.1, false), p), 50, "hit ratio 10%", RuleEfficiency},
		{"cache efficiency unmeasured", cacheEntity(warm(0.99, 0, false), p), 100, "", RuleEfficiency},
		{"cache 3 lookups", cacheEntity(cache.Entry{WindowLookups: 3, SinceFirstLookupSeconds: 3600}, p), 100, "", RuleHitRatio},
		{"cache warming", cacheEntity(cache.Entry{WindowLookups: 1000, WindowHitRatio: 0.2, SinceFirstLookupSeconds: 60}, p), 100, "", RuleHitRatio},
		{"cache idle", cacheEntity(cache.Entry{}, p), 100, "", RuleHitRatio},
		{"feature 1 of 2 failing", featureEntity(feature.Entry{WindowUses: 2, WindowSuccessRatio: 0.5}, p), 100, "", RuleFailureRate},
		{"feature 1% failing", featureEntity(feature.Entry{WindowUses: 100, WindowSuccessRatio: 0.99}, p), 100, "", ""},
		{"feature 2 of 20 failing", featureEntity(feature.Entry{WindowUses: 20, WindowSuccessRatio: 0.9}, p), 90.6, "at least 2.8% at 95% confidence", ""},
		{"feature 20% of 10000 failing", featureEntity(feature.Entry{WindowUses: 10000, WindowSuccessRatio: 0.8}, p), 4.07, "failing 20.0% of 10000 uses", ""},
		{"feature within budget", featureEntity(feature.Entry{WindowUses: 100, WindowSuccessRatio: 1, MeanDurationSeconds: 1}, p), 100, "", ""},
		{"feature 2.5× budget", featureEntity(feature.Entry{WindowUses: 100, WindowSuccessRatio: 1, MeanDurationSeconds: 2.5}, p), 50, "mean duration 2.5s (budget 1s)", ""},
		{"feature own budget", featureEntity(feature.Entry{Name: "export", WindowUses: 100, WindowSuccessRatio: 1, MeanDurationSeconds: 2.5},
			Policy{FeatureBudgets: map[string]time.Duration{"export": 5 * time.Second}}.withDefaults()), 100, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if math.Abs(tt.entity.Score-tt.want) > 0.01 {
				t.Errorf("score %v, want %v (reasons %v)", tt.entity.Score, tt.want, tt.entity.Reasons)
			}
			switch {
			case tt.reason == "" && len(tt.entity.Reasons) > 0:
				t.Errorf("reasons %v, want none", tt.entity.Reasons)
			case tt.reason != "" && (len(tt.entity.Reasons) != 1 || !strings.Contains(tt.entity.Reasons[0], tt.reason)):
				t.Errorf("reasons %v, want one containing %q", tt.entity.Reasons, tt.reason)
			}
			if tt.abstained != "" && !abstained(tt.entity, tt.abstained) {
				t.Errorf("rule %s did not abstain: %+v", tt.abstained, tt.entity.Checks)
			}
		})
	}
}

func abstained(e Entity, rule string) bool {
	for _, c := range e.Checks {
		if c.Rule == rule {
			return c.Abstained
		}
	}
	return false
}

// TestCombination checks how entity scores make component and overall
// scores: a mean per component, capped by critical entities.
func TestCombination(t *testing.T) {
	in := Input{
		Connections: []conn.Entry{{Type: "database", Name: "a", Open: 10, WindowDestroyed: 10}},
		Queues: []queue.Entry{
			{Type: "http", Name: "ok", Capacity: 10, Utilization: 0.1},
			{Type: "http", Name: "busy", Capacity: 10, Utilization: 0.9}, // 50
		},
		Caches: []cache.Entry{warm(0.6, 0.6, true)}, // 75
	}
	r := Score(in, Policy{})
	// Components: connections 100, queues (100 + 50) / 2 = 75, caches 75;
	// features absent. Overall: the worst, 75.
	if len(r.Components) != 3 || !near(r.Score, 75) || r.Status != Degraded {
		t.Fatalf("report %v %s", r.Score, r.Status)
	}
	if q := r.Components[1]; q.Name != Queues || q.Score != 75 || q.Status != Degraded || q.Entities[1].Status != Degraded {
		t.Fatalf("queues %+v", q)
	}
	weighted := Score(in, Policy{QueuesWeight: 2, CachesWeight: 0.5})
	if !near(weighted.Score, 100-2*25) { // the queues' shortfall counts twice, the caches' half

		t.Fatalf("weighted score %v", weighted.Score)
	}
	if empty := Score(Input{}, Policy{}); empty.Score != 100 || empty.Status != Healthy || len(empty.Components) != 0 {
		t.Fatalf("empty input %+v", empty)
	}
	// An entity no rule could judge (an idle pool) does not vote: the
	// stuck queue beside it is the whole story.
	idle := Score(Input{
		Connections: []conn.Entry{{Type: "http", Name: "api", Open: 1, InUse: 1, InUseKnown: true}},
		Queues:      []queue.Entry{{Type: "http", Name: "requests", Capacity: 10, Utilization: 1, WindowOverflowShare: 1}},
	}, Policy{})
	if c := idle.Components[0]; c.Judged || c.Entities[0].Judged || c.Score != 100 || idle.Score != 0 || idle.Status != Unhealthy {
		t.Fatalf("an idle pool beside a stuck queue: %v %s, connections %+v", idle.Score, idle.Status, c)
	}
	if again := Score(in, Policy{}); !reflect.DeepEqual(again, r) {
		t.Fatal("Score is not deterministic")
	}

	// The busy queue marked critical caps its component and the overall.
	crit := Score(in, Policy{Critical: []Ref{{Component: Queues, Name: "busy"}}})
	if q := crit.Components[1]; q.Score != 50 || !q.Entities[1].Critical || q.Entities[0].Critical {
		t.Fatalf("critical queues %+v", q)
	}
	if crit.Score != 50 || crit.Status != Degraded {
		t.Fatalf("overall with a critical queue at 50: %v %s", crit.Score, crit.Status)
	}

	// One failing feature among fifty: the features score 98, the service
	// is healthy; marked critical (by type), it makes the service
	// unhealthy.
	var features []feature.Entry
	for i := range 50 {
		features = append(features, feature.Entry{Type: "endpoint", Name: fmt.Sprint("f", i), WindowUses: 1000, WindowSuccessRatio: 1})
	}
	features[7].WindowSuccessRatio, features[7].Type = 0.5, "checkout"
	fifty := Score(Input{Features: features}, Policy{})
	if fifty.Score != 98 || fifty.Status != Healthy || fifty.Components[0].Entities[7].Status != Unhealthy {
		t.Fatalf("one of fifty features failing: %v %s", fifty.Score, fifty.Status)
	}
	critical := Score(Input{Features: features}, Policy{Critical: []Ref{{Component: Features, Type: "checkout"}}})
	if critical.Score != 0 || critical.Status != Unhealthy {
		t.Fatalf("a critical feature failing: %v %s", critical.Score, critical.Status)
	}
}

// snapshot is a random input for the property test, built from quick's
// random numbers.
type snapshot struct{ in Input }

// Generate implements quick.Generator.
func (snapshot) Generate(r *rand.Rand, _ int) reflect.Value {
	return reflect.ValueOf(snapshot{randomInput(r)})
}

func randomInput(r *rand.Rand) Input {
	open := int64(r.Intn(100) + 1)
	used := int64(r.Intn(int(open) + 1))
	return Input{
		Connections: []conn.Entry{{Open: open, InUse: used, InUseKnown: r.Intn(2) == 0, MaxOpen: int64(r.Intn(3)) * open,
			MaxAgeSeconds: float64(r.Intn(2) * 60), OlderThanLimit: int64(r.Intn(int(open) + 1)),
			StatsReported: r.Intn(2) == 0, WindowSeconds: 300, WindowCoveredSeconds: 300, WindowWaitSeconds: r.Float64() * 400,
			WindowCreated: int64(r.Intn(1000)), WindowDestroyed: int64(r.Intn(50)), WindowExpired: int64(r.Intn(10))}},
		Queues: []queue.Entry{{Capacity: 10, Utilization: r.Float64() * 1.2, WindowSeconds: 300, Samples: int64(r.Intn(20)),
			WindowOverflowShare: r.Float64(), WindowRejected: int64(r.Intn(2000)),
			Trend: []string{instrument.TrendStable, instrument.TrendGrowing, instrument.TrendDeclining}[r.Intn(3)]}},
		Caches: []cache.Entry{{WindowLookups: int64(r.Intn(300)), WindowHitRatio: r.Float64(), Efficiency: r.Float64(),
			LatencyMeasured: r.Intn(2) == 0, SinceFirstLookupSeconds: r.Float64() * 600}},
		Features: []feature.Entry{{WindowUses: int64(r.Intn(100)), WindowSuccessRatio: r.Float64(), MeanDurationSeconds: r.Float64() * 5}},
	}
}

// worsen returns in with one input, chosen by which, made worse by amount
// (0 to 1).
func worsen(in Input, which int, amount float64) Input {
	c, q, k, f := in.Connections[0], in.Queues[0], in.Caches[0], in.Features[0]
	switch which % 14 {
	case 0:
		c.OlderThanLimit += int64(amount * float64(c.Open-c.OlderThanLimit))
	case 1:
		c.WindowExpired += int64(amount * 20)
	case 2:
		c.InUse += int64(amount * float64(c.Open-c.InUse))
	case 3:
		q.Utilization += amount
	case 4:
		q.WindowOverflowShare = math.Min(1, q.WindowOverflowShare+amount)
	case 5:
		q.Trend = instrument.TrendGrowing
	case 6:
		k.WindowHitRatio *= 1 - amount
	case 7:
		k.Efficiency *= 1 - amount
	case 8:
		f.WindowSuccessRatio *= 1 - amount
	case 9:
		f.MeanDurationSeconds += amount * 10
	case 10:
		c.WindowDestroyed = int64(float64(c.WindowDestroyed) * (1 - amount)) // fewer clean closes: leaks weigh more
	case 11:
		c.WindowWaitSeconds += amount * 300
	case 12:
		c.WindowCreated += int64(amount * 1000)
	case 13:
		q.WindowRejected += int64(amount * 1000)
	}
	return Input{Connections: []conn.Entry{c}, Queues: []queue.Entry{q}, Caches: []cache.Entry{k}, Features: []feature.Entry{f}}
}

// TestWorseNeverRaises checks that making any one input worse never raises
// the overall score, any component's, or any entity's.
func TestWorseNeverRaises(t *testing.T) {
	prop := func(s snapshot, which uint8, amount float64) bool {
		amount = math.Abs(math.Mod(amount, 1))
		before := Score(s.in, Policy{})
		after := Score(worsen(s.in, int(which), amount), Policy{})
		if after.Score > before.Score+1e-9 {
			t.Logf("overall %v -> %v (input %d by %v)", before.Score, after.Score, which%14, amount)
			return false
		}
		for i := range before.Components {
			if after.Components[i].Score > before.Components[i].Score+1e-9 {
				t.Logf("%s %v -> %v", before.Components[i].Name, before.Components[i].Score, after.Components[i].Score)
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 5000}); err != nil {
		t.Fatal(err)
	}
}

func TestHandler(t *testing.T) {
	reports := map[Status]Report{
		Healthy:   {Score: 95, Status: Healthy, Components: []Component{{Name: Queues, Score: 95, Status: Healthy, Entities: []Entity{{Name: "q", Score: 95}}}}},
		Degraded:  {Score: 60, Status: Degraded},
		Unhealthy: {Score: 10, Status: Unhealthy, Components: []Component{{Name: Caches, Score: 10, Entities: []Entity{{Name: "c", Reasons: []string{"cache application/c hit ratio 8%"}}}}}},
	}
	tests := []struct {
		status Status
		opts   HandlerOptions
		query  string
		code   int
	}{
		{Healthy, HandlerOptions{}, "", 200},
		{Degraded, HandlerOptions{}, "", 200},
		{Degraded, HandlerOptions{DegradedCode: 503}, "", 503},
		{Unhealthy, HandlerOptions{}, "", 503},
		{Unhealthy, HandlerOptions{UnhealthyCode: 500}, "?verbose=1", 500},
	}
	for _, tt := range tests {
		rep := reports[tt.status]
		h := Handler(func() Report { return rep }, tt.opts)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz"+tt.query, nil))
		if rec.Code != tt.code || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s %v: %d %v", tt.status, tt.opts, rec.Code, rec.Header())
		}
		var got Report
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Status != tt.status {
			t.Errorf("%s: body %s (%v)", tt.status, rec.Body, err)
		}
		verbose := strings.Contains(rec.Body.String(), `"entities"`)
		if verbose != (tt.query != "" && len(rep.Components) > 0) {
			t.Errorf("%s %q: entities shown %v", tt.status, tt.query, verbose)
		}
	}
	// The handler does not change the report it was given.
	if len(reports[Unhealthy].Components[0].Entities) != 1 {
		t.Fatal("the handler changed the report")
	}
}
