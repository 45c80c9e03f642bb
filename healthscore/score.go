package healthscore

import (
	"fmt"
	"math"
	"sort"
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
	Connections []conn.Entry
	Queues      []queue.Entry
	Caches      []cache.Entry
	Features    []feature.Entry
}

// Report is the health of a system: an overall score from 0 to 100, its
// status, and the components behind it.
type Report struct {
	Score  float64 `json:"score"`
	Status Status  `json:"status"`
	// Pending is the status the score points to while a [Judge] still
	// holds Status (see [WithHold]); empty when they agree.
	Pending Status `json:"pending,omitempty"`
	// Time is when the report was made; [Score] leaves it zero, a
	// [Judge] sets it.
	Time       time.Time   `json:"time,omitzero"`
	Components []Component `json:"components"`
}

// Component is the health of one component: connections, queues, caches or
// features. Its score is the mean of the scores of its judged entities
// (100 with none), capped by the score of its worst critical entity (see
// [Policy.Critical]).
type Component struct {
	Name    string  `json:"name"`
	Score   float64 `json:"score"`
	Status  Status  `json:"status"`
	Pending Status  `json:"pending,omitempty"`
	// Judged tells whether any of its entities was judged; a component
	// that was not does not count in the overall score.
	Judged   bool     `json:"judged"`
	Entities []Entity `json:"entities,omitempty"`
}

// Entity is the health of one pool, queue, cache or feature: the lowest
// score of the rules that had enough evidence to score, and a reason for
// each that scored below 100.
type Entity struct {
	Type     string  `json:"type"`
	Name     string  `json:"name"`
	Score    float64 `json:"score"`
	Status   Status  `json:"status"`
	Pending  Status  `json:"pending,omitempty"`
	Critical bool    `json:"critical,omitempty"`
	// Judged tells whether any rule had the evidence to score the entity.
	// One that was not (every rule abstained: an idle pool, a cache not
	// looked up) scores 100 and does not count in its component's mean.
	Judged bool `json:"judged"`
	// Reasons says why the entity scores below 100, one line per rule,
	// worst first.
	Reasons []string `json:"reasons,omitempty"`
	// Checks holds every rule applied to the entity, including those that
	// abstained for lack of evidence.
	Checks []Check `json:"checks,omitempty"`
}

// Check is one rule applied to one entity.
type Check struct {
	// Rule names the rule, such as "hit_ratio" (see the package
	// documentation's table).
	Rule string `json:"rule"`
	// Value is what the rule measured, in Unit ("1" for ratios and
	// shares, "s" for durations, "{item}" and the like for counts).
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Score is the rule's score from 0 to 100, and Status its status;
	// 100 and healthy when the rule abstained.
	Score  float64 `json:"score"`
	Status Status  `json:"status"`
	// Abstained is set when the evidence was below the rule's minimum:
	// the rule then says nothing about the entity.
	Abstained bool `json:"abstained,omitempty"`
	// Output is the reason, for a rule that scored below 100, or what
	// evidence was missing, for one that abstained.
	Output string `json:"output,omitempty"`
}

// Score computes the report of in under policy p. It is pure: the same
// input gives the same report, and nothing is read or kept elsewhere. Its
// statuses follow the scores at once; a [Judge] holds them steady. The
// overall score is that of the worst judged component, its shortfall from
// 100 times the component's weight (100 with none), capped by the worst
// critical entity.
func Score(in Input, p Policy) Report {
	p = p.withDefaults()
	var comps []Component
	overall := 100.0  // the worst judged component's, its shortfall weighted
	capScore := 100.0 // the worst critical entity's score
	add := func(name string, weight float64, ents []Entity) {
		if len(ents) == 0 {
			return
		}
		c := Component{Name: name, Score: 100, Entities: ents}
		var sum float64
		var judged int
		worstCritical := 100.0
		for i := range ents {
			e := &ents[i]
			e.Critical = p.critical(name, e.Type, e.Name)
			if e.Judged {
				sum += e.Score
				judged++
			}
			if e.Critical {
				worstCritical = math.Min(worstCritical, e.Score)
			}
		}
		if judged > 0 {
			c.Judged = true
			c.Score = sum / float64(judged)
		}
		c.Score = math.Min(c.Score, worstCritical)
		c.Status = p.status(c.Score)
		capScore = math.Min(capScore, worstCritical)
		comps = append(comps, c)
		if c.Judged {
			overall = math.Min(overall, 100-weight*(100-c.Score))
		}
	}
	add(Connections, p.ConnectionsWeight, mapEntities(in.Connections, p, poolEntity))
	add(Queues, p.QueuesWeight, mapEntities(in.Queues, p, queueEntity))
	add(Caches, p.CachesWeight, mapEntities(in.Caches, p, cacheEntity))
	add(Features, p.FeaturesWeight, mapEntities(in.Features, p, featureEntity))

	r := Report{Score: clamp(math.Min(overall, capScore)), Components: comps}
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

// rules gathers an entity's checks.
type rules struct {
	p      Policy
	entity Entity
}

func newRules(p Policy, typ, name string) *rules {
	return &rules{p: p, entity: Entity{Type: typ, Name: name, Score: 100}}
}

// score applies one rule's score, with the reason when it is below 100.
func (r *rules) score(rule string, value float64, unit string, score float64, reason string, args ...any) {
	score = clamp(score)
	c := Check{Rule: rule, Value: finite(value), Unit: unit, Score: score, Status: r.p.status(score)}
	if score < 100 {
		c.Output = fmt.Sprintf(reason, args...)
	}
	r.entity.Checks = append(r.entity.Checks, c)
	r.entity.Score = math.Min(r.entity.Score, score)
	r.entity.Judged = true
}

// abstain records a rule that had too little evidence to score.
func (r *rules) abstain(rule string, value float64, unit string, why string, args ...any) {
	r.entity.Checks = append(r.entity.Checks, Check{Rule: rule, Value: finite(value), Unit: unit, Score: 100, Status: Healthy, Abstained: true,
		Output: fmt.Sprintf(why, args...)})
}

// done returns the entity, its reasons those of the rules below 100,
// worst first.
func (r *rules) done() Entity {
	e := r.entity
	scored := make([]Check, 0, len(e.Checks))
	for _, c := range e.Checks {
		if !c.Abstained && c.Score < 100 {
			scored = append(scored, c)
		}
	}
	sort.SliceStable(scored, func(i, j int) bool { return scored[i].Score < scored[j].Score })
	for _, c := range scored {
		e.Reasons = append(e.Reasons, c.Output)
	}
	return e
}

// clamp bounds a score to 0..100 and rounds it to a hundredth: a rule a
// hair below 100 has nothing to report.
func clamp(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Round(100*math.Max(0, math.Min(100, v))) / 100
}

// finite keeps a measured value encodable as JSON.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

// falling is 100 at or below ok, 0 at or above bad, linear between.
func falling(v, ok, bad float64) float64 {
	return fallingTo(v, ok, bad, 100, 0)
}

// fallingTo is top at or below ok, bottom at or above bad, linear between;
// NaN scores bottom.
func fallingTo(v, ok, bad, top, bottom float64) float64 {
	switch {
	case math.IsNaN(v):
		return bottom
	case v <= ok:
		return top
	case v >= bad || bad <= ok:
		return bottom
	}
	return top - (top-bottom)*(v-ok)/(bad-ok)
}

func name(typ, name string) string {
	if typ == "" && name == "" {
		return "(overflow)"
	}
	return typ + "/" + name
}

// seconds formats s seconds as a rounded duration.
func seconds(s float64, round time.Duration) time.Duration {
	if math.IsNaN(s) || s <= 0 {
		return 0
	}
	if s > math.MaxInt64/1e9 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second)).Round(round)
}

// roundTo is the rounding that keeps s seconds readable.
func roundTo(s float64) time.Duration {
	switch {
	case s >= 10:
		return time.Second
	case s >= 1:
		return 100 * time.Millisecond
	default:
		return time.Millisecond
	}
}
