package healthscore

import (
	"math"
	"time"
)

// Policy holds the weights, thresholds and evidence minimums of the rules.
// Its zero value is the default policy: every zero field takes the default
// its comment names. So does every field that cannot be meant: a NaN,
// infinite or negative number, or a duration that is not positive.
type Policy struct {
	// DegradedBelow and UnhealthyBelow are the score thresholds of the
	// statuses: healthy at or above DegradedBelow (default 80), degraded at
	// or above UnhealthyBelow (default 50), unhealthy below. An
	// UnhealthyBelow above DegradedBelow is taken as DegradedBelow.
	DegradedBelow  float64
	UnhealthyBelow float64
	// Weights of the components in the overall score, which is that of the
	// worst judged component, its shortfall from 100 multiplied by its
	// weight: a weight of 0.5 makes a component at 0 count as 50, one of 2
	// makes a component at 80 count as 60. Default 1 each.
	ConnectionsWeight float64
	QueuesWeight      float64
	CachesWeight      float64
	FeaturesWeight    float64

	// Critical lists the entities whose score caps their component's and
	// the overall score: one of them unhealthy makes the service
	// unhealthy. Any other entity weighs as one among its component's
	// entities. Empty by default.
	Critical []Ref

	// PoolSaturation is the share of a pool's known maximum in use above
	// which its saturation score falls, to PoolFullScore when every
	// connection is in use (defaults 0.9 and 60: a pool at its maximum is
	// degraded; its waits say whether callers suffer).
	PoolSaturation float64
	PoolFullScore  float64
	// PoolWaitLoadOK and PoolWaitLoadMax bound the wait rule: the seconds
	// callers spent waiting for a connection per second of the window
	// (the mean number of callers waiting) scores 100 up to PoolWaitLoadOK
	// (default 0.1) and 0 at PoolWaitLoadMax (default 1). Once the pool has
	// free connections again, past waits degrade at most: the pool is no
	// longer holding callers up.
	PoolWaitLoadOK  float64
	PoolWaitLoadMax float64
	// PoolMaxLeakShare is the share of a pool's connections ended in the
	// window that expired unclosed at which the leak rule scores 0
	// (default 0.2); the rule abstains below PoolMinEnded connections
	// ended in the window (default 5).
	PoolMaxLeakShare float64
	PoolMinEnded     int64
	// PoolMaxOldShare is the share of open connections past the pool's
	// declared max age at which the old-connection rule scores 0 (default
	// 0.5).
	PoolMaxOldShare float64
	// PoolMinLifetime is the mean connection lifetime below which a pool
	// with a known maximum churns (default 1s): its churn score falls to
	// PoolFullScore as the lifetime falls to 0. The rule abstains below
	// PoolMinCreated connections created in the window (default 20).
	PoolMinLifetime time.Duration
	PoolMinCreated  int64

	// QueueThreshold is the utilization above which a queue's score falls,
	// to 0 at full (default 0.8); QueueMaxOverflowShare the share of the
	// window in overflow at which it scores 0 (default 0.5).
	QueueThreshold        float64
	QueueMaxOverflowShare float64
	// QueueMinRejections is the number of items turned away in the window
	// from which the rejection rule scores (default 10): from just below
	// DegradedBelow there, falling to UnhealthyBelow at
	// QueueMaxRejections (default 1000). Rejections alone never make a
	// queue unhealthy: turning work away is a queue protecting itself.
	QueueMinRejections int64
	QueueMaxRejections int64
	// QueueGrowingCap is the most a growing queue scores (default 90);
	// the trend needs QueueMinSamples samples in the window (default 10).
	QueueGrowingCap float64
	QueueMinSamples int64

	// CacheTargetHitRatio is the window hit ratio a cache scores 100 at,
	// falling in proportion below it (default 0.8); CacheMinEfficiency the
	// efficiency below which the efficiency score falls in proportion
	// (default 0.5). Both abstain below CacheMinLookups lookups in the
	// window (default 100) and during the CacheWarmup after the first
	// lookup (default 5m): a cache warming from cold misses by design.
	CacheTargetHitRatio float64
	CacheMinEfficiency  float64
	CacheMinLookups     int64
	CacheWarmup         time.Duration

	// FeatureFailureOK is the failure rate up to which a feature scores 100
	// (default 0.01), falling to 0 at FeatureFailureMax (default 0.2). The
	// rate scored is the lower bound of its 95% Wilson interval, so that a
	// few unlucky uses do not count as a failing feature, and the rule
	// abstains below FeatureMinUses uses in the window (default 20).
	FeatureFailureOK  float64
	FeatureFailureMax float64
	FeatureMinUses    int64
	// FeatureBudget is the mean duration a feature scores 100 within
	// (default 1s), falling to 0 at four times it; FeatureBudgets overrides
	// it per feature name.
	FeatureBudget  time.Duration
	FeatureBudgets map[string]time.Duration
}

// Ref names an entity of a report: a component and the entity's type and
// name. An empty Type or Name matches any.
type Ref struct {
	Component string `json:"component"`
	Type      string `json:"type,omitempty"`
	Name      string `json:"name,omitempty"`
}

// matches reports whether r names the entity typ/name of component.
func (r Ref) matches(component, typ, name string) bool {
	return r.Component == component && (r.Type == "" || r.Type == typ) && (r.Name == "" || r.Name == name)
}

// critical reports whether p marks the entity typ/name of component
// critical.
func (p Policy) critical(component, typ, name string) bool {
	for _, r := range p.Critical {
		if r.matches(component, typ, name) {
			return true
		}
	}
	return false
}

// withDefaults returns p with every zero or invalid field set to its
// default.
func (p Policy) withDefaults() Policy {
	def := func(v *float64, d float64) {
		if *v == 0 || *v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = d
		}
	}
	count := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&p.DegradedBelow, 80)
	def(&p.UnhealthyBelow, 50)
	p.UnhealthyBelow = math.Min(p.UnhealthyBelow, p.DegradedBelow) // no degraded band, rather than an unreachable one
	def(&p.ConnectionsWeight, 1)
	def(&p.QueuesWeight, 1)
	def(&p.CachesWeight, 1)
	def(&p.FeaturesWeight, 1)
	def(&p.PoolSaturation, 0.9)
	def(&p.PoolFullScore, 60)
	def(&p.PoolWaitLoadOK, 0.1)
	def(&p.PoolWaitLoadMax, 1)
	def(&p.PoolMaxLeakShare, 0.2)
	count(&p.PoolMinEnded, 5)
	def(&p.PoolMaxOldShare, 0.5)
	dur(&p.PoolMinLifetime, time.Second)
	count(&p.PoolMinCreated, 20)
	def(&p.QueueThreshold, 0.8)
	def(&p.QueueMaxOverflowShare, 0.5)
	count(&p.QueueMinRejections, 10)
	count(&p.QueueMaxRejections, 1000)
	def(&p.QueueGrowingCap, 90)
	count(&p.QueueMinSamples, 10)
	def(&p.CacheTargetHitRatio, 0.8)
	def(&p.CacheMinEfficiency, 0.5)
	count(&p.CacheMinLookups, 100)
	dur(&p.CacheWarmup, 5*time.Minute)
	def(&p.FeatureFailureOK, 0.01)
	def(&p.FeatureFailureMax, 0.2)
	count(&p.FeatureMinUses, 20)
	dur(&p.FeatureBudget, time.Second)
	return p
}
