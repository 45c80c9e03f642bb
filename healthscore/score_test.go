package healthscore

import (
	"encoding/json"
	"math"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestRules checks each rule at and around its thresholds.
func TestRules(t *testing.T) {
	p := Policy{}.withDefaults()
	tests := []struct {
		name   string
		entity Entity
		want   float64
		reason string // part of the single reason, "" for none
	}{
		{"pool fine", poolEntity(conn.PoolSnapshot{Open: 10, Destroyed: 5}, p), 100, ""},
		{"pool 10% old", poolEntity(conn.PoolSnapshot{Open: 10, OlderThanMaxAge: 1}, p), 80, "past their max age"},
		{"pool half old", poolEntity(conn.PoolSnapshot{Open: 10, OlderThanMaxAge: 5}, p), 0, "past their max age"},
		{"pool 1 in 20 leaked", poolEntity(conn.PoolSnapshot{Destroyed: 19, Expired: 1}, p), 75, "leaked"},
		{"pool 1 in 5 leaked", poolEntity(conn.PoolSnapshot{Destroyed: 4, Expired: 1}, p), 0, "leaked"},
		{"pool 90% used", poolEntity(conn.PoolSnapshot{Open: 10, Used: 9, Stateful: true}, p), 100, ""},
		{"pool 95% used", poolEntity(conn.PoolSnapshot{Open: 20, Used: 19, Stateful: true}, p), 50, "in use"},
		{"pool all used", poolEntity(conn.PoolSnapshot{Open: 10, Used: 10, Stateful: true}, p), 0, "in use"},
		{"pool not stateful", poolEntity(conn.PoolSnapshot{Open: 10, Used: 10}, p), 100, ""},
		{"queue at threshold", queueEntity(queue.QueueSnapshot{Capacity: 10, Utilization: 0.8}, p), 100, ""},
		{"queue at 90%", queueEntity(queue.QueueSnapshot{Capacity: 10, Utilization: 0.9}, p), 50, "at 90% of capacity"},
		{"queue full", queueEntity(queue.QueueSnapshot{Capacity: 10, Utilization: 1.2}, p), 0, "at 120% of capacity"},
		{"queue no capacity", queueEntity(queue.QueueSnapshot{Depth: 1000}, p), 100, ""},
		{"queue overflow 4 of 5 min", queueEntity(queue.QueueSnapshot{WindowSeconds: 300, WindowOverflowShare: 0.8}, p), 0, "for 4m0s of the last 5m0s"},
		{"queue overflow 10%", queueEntity(queue.QueueSnapshot{WindowSeconds: 300, WindowOverflowShare: 0.1}, p), 80, "for 30s of the last 5m0s"},
		{"queue growing", queueEntity(queue.QueueSnapshot{Trend: queue.TrendGrowing}, p), 90, "growing"},
		{"cache at target", cacheEntity(cache.CacheSnapshot{WindowLookups: 10, WindowHitRatio: 0.8, Efficiency: 0.6}, p), 100, ""},
		{"cache 40% hits", cacheEntity(cache.CacheSnapshot{WindowLookups: 10, WindowHitRatio: 0.4, Efficiency: 0.5}, p), 50, "hit ratio 40%"},
		{"cache poor efficiency", cacheEntity(cache.CacheSnapshot{WindowLookups: 10, WindowHitRatio: 0.9, Efficiency: 0.1}, p), 20, "efficiency 0.10"},
		{"cache idle", cacheEntity(cache.CacheSnapshot{}, p), 100, ""},
		{"feature 1% failing", featureEntity(feature.FeatureSnapshot{WindowUses: 100, WindowSuccessRate: 0.99}, p), 100, ""},
		{"feature 10.5% failing", featureEntity(feature.FeatureSnapshot{WindowUses: 200, WindowSuccessRate: 0.895}, p), 50, "failing 10.5%"},
		{"feature 20% failing", featureEntity(feature.FeatureSnapshot{WindowUses: 10, WindowSuccessRate: 0.8}, p), 0, "failing 20.0%"},
		{"feature within budget", featureEntity(feature.FeatureSnapshot{MeanDurationSeconds: 1}, p), 100, ""},
		{"feature 2.5× budget", featureEntity(feature.FeatureSnapshot{MeanDurationSeconds: 2.5}, p), 50, "mean duration 2.5s (budget 1s)"},
		{"feature own budget", featureEntity(feature.FeatureSnapshot{Name: "export", MeanDurationSeconds: 2.5},
			Policy{FeatureBudgets: map[string]time.Duration{"export": 5 * time.Second}}.withDefaults()), 100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !near(tt.entity.Score, tt.want) {
				t.Errorf("score %v, want %v (reasons %v)", tt.entity.Score, tt.want, tt.entity.Reasons)
			}
			switch {
			case tt.reason == "" && len(tt.entity.Reasons) > 0:
				t.Errorf("reasons %v, want none", tt.entity.Reasons)
			case tt.reason != "" && (len(tt.entity.Reasons) != 1 || !strings.Contains(tt.entity.Reasons[0], tt.reason)):
				t.Errorf("reasons %v, want one containing %q", tt.entity.Reasons, tt.reason)
			}
		})
	}
}

func TestCombination(t *testing.T) {
	in := Input{
		Connections: []conn.PoolSnapshot{{Type: "database", Name: "a", Open: 10}},
		Queues: []queue.QueueSnapshot{
			{Type: "http", Name: "ok", Capacity: 10, Utilization: 0.1},
			{Type: "http", Name: "busy", Capacity: 10, Utilization: 0.9}, // 50
		},
		Caches: []cache.CacheSnapshot{{Type: "application", Name: "users", WindowLookups: 10, WindowHitRatio: 0.6, Efficiency: 0.6}}, // 75
	}
	r := Score(in, Policy{})
	// Components: connections 100, queues 50 (the worst queue), caches 75;
	// features absent. Overall: (100 + 50 + 75) / 3 = 75.
	if len(r.Components) != 3 || !near(r.Score, 75) || r.Status != Degraded {
		t.Fatalf("report %+v", r)
	}
	if q := r.Components[1]; q.Name != Queues || q.Score != 50 || q.Status != Degraded || q.Entities[0].Status != Healthy {
		t.Fatalf("queues %+v", q)
	}
	weighted := Score(in, Policy{QueuesWeight: 2})
	if !near(weighted.Score, (100+2*50+75)/4.0) {
		t.Fatalf("weighted score %v", weighted.Score)
	}
	if empty := Score(Input{}, Policy{}); empty.Score != 100 || empty.Status != Healthy || len(empty.Components) != 0 {
		t.Fatalf("empty input %+v", empty)
	}
	if again := Score(in, Policy{}); !reflect.DeepEqual(again, r) {
		t.Fatal("Score is not deterministic")
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
		Connections: []conn.PoolSnapshot{{Open: open, Used: used, Stateful: r.Intn(2) == 0,
			OlderThanMaxAge: int64(r.Intn(int(open) + 1)), Destroyed: int64(r.Intn(50)), Expired: int64(r.Intn(10))}},
		Queues: []queue.QueueSnapshot{{Capacity: 10, Utilization: r.Float64() * 1.2, WindowSeconds: 300,
			WindowOverflowShare: r.Float64(), Trend: []string{queue.TrendStable, queue.TrendGrowing, queue.TrendDeclining}[r.Intn(3)]}},
		Caches:   []cache.CacheSnapshot{{WindowLookups: int64(r.Intn(3)), WindowHitRatio: r.Float64(), Efficiency: r.Float64()}},
		Features: []feature.FeatureSnapshot{{WindowUses: int64(r.Intn(3)), WindowSuccessRate: r.Float64(), MeanDurationSeconds: r.Float64() * 5}},
	}
}

// worsen returns in with one input, chosen by which, made worse by amount
// (0 to 1).
func worsen(in Input, which int, amount float64) Input {
	c, q, k, f := in.Connections[0], in.Queues[0], in.Caches[0], in.Features[0]
	switch which % 11 {
	case 0:
		c.OlderThanMaxAge += int64(amount * float64(c.Open-c.OlderThanMaxAge))
	case 1:
		c.Expired += int64(amount * 20)
	case 2:
		c.Used += int64(amount * float64(c.Open-c.Used))
	case 3:
		q.Utilization += amount
	case 4:
		q.WindowOverflowShare = math.Min(1, q.WindowOverflowShare+amount)
	case 5:
		q.Trend = queue.TrendGrowing
	case 6:
		k.WindowHitRatio *= 1 - amount
	case 7:
		k.Efficiency *= 1 - amount
	case 8:
		f.WindowSuccessRate *= 1 - amount
	case 9:
		f.MeanDurationSeconds += amount * 10
	case 10:
		c.Destroyed = int64(float64(c.Destroyed) * (1 - amount)) // fewer clean closes: leaks weigh more
	}
	return Input{Connections: []conn.PoolSnapshot{c}, Queues: []queue.QueueSnapshot{q}, Caches: []cache.CacheSnapshot{k}, Features: []feature.FeatureSnapshot{f}}
}

// TestWorseNeverRaises checks that making any one input worse never raises
// the overall score, any component's, or any entity's.
func TestWorseNeverRaises(t *testing.T) {
	prop := func(s snapshot, which uint8, amount float64) bool {
		amount = math.Abs(math.Mod(amount, 1))
		before := Score(s.in, Policy{})
		after := Score(worsen(s.in, int(which), amount), Policy{})
		if after.Score > before.Score+1e-9 {
			t.Logf("overall %v -> %v (input %d by %v)", before.Score, after.Score, which%11, amount)
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
