package healthscore

import (
	"fmt"
	"math"
	"time"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// Status is the verdict of a score.
type Status string

// The statuses, from best to worst.
const (
	Healthy   Status = "healthy"
	Degraded  Status = "degraded"
	Unhealthy Status = "unhealthy"
)

// Component names.
const (
	Connections = "connections"
	Queues      = "queues"
	Caches      = "caches"
	Features    = "features"
)

// Input is what the score is computed from: the snapshots of the four
// trackers. Any part may be empty.
type Input struct {
	Connections []conn.PoolSnapshot
	Queues      []queue.QueueSnapshot
	Caches      []cache.CacheSnapshot
	Features    []feature.FeatureSnapshot
}

// Report is the health of a system: an overall score from 0 to 100, its
// status, and the components behind it.
type Report struct {
	Score      float64     `json:"score"`
	Status     Status      `json:"status"`
	Components []Component `json:"components"`
}

// Component is the health of one component: connections, queues, caches or
// features. Its score is that of its worst entity: a component is as
// healthy as the pool, queue, cache or feature that drags it down most.
type Component struct {
	Name     string   `json:"name"`
	Score    float64  `json:"score"`
	Status   Status   `json:"status"`
	Entities []Entity `json:"entities,omitempty"`
}

// Entity is the health of one pool, queue, cache or feature: the lowest
// score of its rules, and a reason for each rule that scored below 100.
type Entity struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Score   float64  `json:"score"`
	Status  Status   `json:"status"`
	Reasons []string `json:"reasons,omitempty"`
}

// Score computes the report of in under policy p. It is pure: the same
// input gives the same report, and nothing is read or kept elsewhere.
func Score(in Input, p Policy) Report {
	p = p.withDefaults()
	var comps []Component
	var weighted, weights float64
	add := func(name string, weight float64, ents []Entity) {
		if len(ents) == 0 {
			return
		}
		c := Component{Name: name, Score: 100, Entities: ents}
		for _, e := range ents {
			c.Score = math.Min(c.Score, e.Score)
		}
		c.Status = p.status(c.Score)
		comps = append(comps, c)
		weighted += weight * c.Score
		weights += weight
	}
	add(Connections, p.ConnectionsWeight, mapEntities(in.Connections, p, poolEntity))
	add(Queues, p.QueuesWeight, mapEntities(in.Queues, p, queueEntity))
	add(Caches, p.CachesWeight, mapEntities(in.Caches, p, cacheEntity))
	add(Features, p.FeaturesWeight, mapEntities(in.Features, p, featureEntity))
	r := Report{Score: 100, Components: comps}
	if weights > 0 {
		r.Score = weighted / weights
	}
	r.Status = p.status(r.Score)
	return r
}

func mapEntities[S any](in []S, p Policy, f func(S, Policy) Entity) []Entity {
	out := make([]Entity, 0, len(in))
	for _, s := range in {
		e := f(s, p)
		e.Status = p.status(e.Score)
		out = append(out, e)
	}
	return out
}

func (p Policy) status(score float64) Status {
	switch {
	case score >= p.DegradedBelow:
		return Healthy
	case score >= p.UnhealthyBelow:
		return Degraded
	default:
		return Unhealthy
	}
}

// rules gathers an entity's rule scores and reasons.
type rules struct {
	score   float64
	reasons []string
}

func newRules() *rules { return &rules{score: 100} }

// add applies one rule's score, with the reason when it is below 100.
func (r *rules) add(score float64, reason string, args ...any) {
	score = clamp(score)
	if score < 100 {
		r.reasons = append(r.reasons, fmt.Sprintf(reason, args...))
	}
	r.score = math.Min(r.score, score)
}

func clamp(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(0, math.Min(100, v))
}

// falling is 100 at or below ok, 0 at or above bad, linear between.
func falling(v, ok, bad float64) float64 {
	if v <= ok {
		return 100
	}
	if v >= bad || bad <= ok {
		return 0
	}
	return 100 * (bad - v) / (bad - ok)
}

func name(typ, name string) string {
	if typ == "" && name == "" {
		return "(overflow)"
	}
	return typ + "/" + name
}

// poolEntity scores a connection pool by three rules: the share of open
// connections past the max age (100 with none, 0 at PoolMaxOldShare), the
// share of ended connections that expired rather than closed (100 with
// none, 0 at PoolMaxLeakShare), and, for pools that report acquire and
// release, the share in use (100 up to PoolSaturation, 0 when all are).
func poolEntity(s conn.PoolSnapshot, p Policy) Entity {
	r := newRules()
	n := name(s.Type, s.Name)
	if s.Open > 0 {
		old := float64(s.OlderThanMaxAge) / float64(s.Open)
		r.add(falling(old, 0, p.PoolMaxOldShare), "pool %s: %.0f%% of %d open connections past their max age", n, 100*old, s.Open)
		if s.Stateful {
			used := float64(s.Used) / float64(s.Open)
			r.add(falling(used, p.PoolSaturation, 1), "pool %s: %.0f%% of its connections in use", n, 100*used)
		}
	}
	if ended := s.Destroyed + s.Expired; ended > 0 {
		leak := float64(s.Expired) / float64(ended)
		r.add(falling(leak, 0, p.PoolMaxLeakShare), "pool %s: %d of %d ended connections expired unused (leaked)", n, s.Expired, ended)
	}
	return Entity{Type: s.Type, Name: s.Name, Score: r.score, Reasons: r.reasons}
}

// queueEntity scores a queue by its utilization (100 up to QueueThreshold,
// 0 when full), the share of the window it spent in overflow (100 with
// none, 0 at QueueMaxOverflowShare), and its trend (at most
// QueueGrowingCap while growing).
func queueEntity(s queue.QueueSnapshot, p Policy) Entity {
	r := newRules()
	n := name(s.Type, s.Name)
	if s.Capacity > 0 {
		r.add(falling(s.Utilization, p.QueueThreshold, 1), "queue %s at %.0f%% of capacity (threshold %.0f%%)", n, 100*s.Utilization, 100*p.QueueThreshold)
	}
	if !(s.WindowOverflowShare <= 0) { // NaN too: it scores 0
		window := time.Duration(s.WindowSeconds * float64(time.Second))
		r.add(falling(s.WindowOverflowShare, 0, p.QueueMaxOverflowShare), "queue %s above its overflow threshold for %s of the last %s",
			n, time.Duration(s.WindowOverflowShare*float64(window)).Round(time.Second), window)
	}
	if s.Trend == queue.TrendGrowing {
		r.add(p.QueueGrowingCap, "queue %s growing", n)
	}
	return Entity{Type: s.Type, Name: s.Name, Score: r.score, Reasons: r.reasons}
}

// cacheEntity scores a cache looked up in its window by its window hit
// ratio (100 at CacheTargetHitRatio or above, in proportion below) and its
// efficiency (100 at CacheMinEfficiency or above, in proportion below). A
// cache without lookups in the window scores 100: there is nothing wrong
// to see.
func cacheEntity(s cache.CacheSnapshot, p Policy) Entity {
	r := newRules()
	n := name(s.Type, s.Name)
	if s.WindowLookups > 0 {
		r.add(100*s.WindowHitRatio/p.CacheTargetHitRatio, "cache %s hit ratio %.0f%% (target %.0f%%)", n, 100*s.WindowHitRatio, 100*p.CacheTargetHitRatio)
		r.add(100*s.Efficiency/p.CacheMinEfficiency, "cache %s efficiency %.2f (minimum %.2f)", n, s.Efficiency, p.CacheMinEfficiency)
	}
	return Entity{Type: s.Type, Name: s.Name, Score: r.score, Reasons: r.reasons}
}

// featureEntity scores a feature used in its window by its failure rate
// (100 up to FeatureFailureOK, 0 at FeatureFailureMax) and its mean
// duration (100 within its budget, 0 at four times it).
func featureEntity(s feature.FeatureSnapshot, p Policy) Entity {
	r := newRules()
	n := name(s.Type, s.Name)
	if s.WindowUses > 0 {
		fail := 1 - s.WindowSuccessRate
		r.add(falling(fail, p.FeatureFailureOK, p.FeatureFailureMax), "feature %s failing %.1f%% of %d uses", n, 100*fail, s.WindowUses)
	}
	budget := p.FeatureBudget
	if b, ok := p.FeatureBudgets[s.Name]; ok && b > 0 {
		budget = b
	}
	if !(s.MeanDurationSeconds <= 0) { // NaN too: it scores 0
		r.add(falling(s.MeanDurationSeconds, budget.Seconds(), 4*budget.Seconds()), "feature %s mean duration %s (budget %s)",
			n, time.Duration(s.MeanDurationSeconds*float64(time.Second)).Round(time.Millisecond), budget)
	}
	return Entity{Type: s.Type, Name: s.Name, Score: r.score, Reasons: r.reasons}
}
