package healthscore

import (
	"math"
	"time"
)

// Policy holds the weights and thresholds of the rules. Its zero value is
// the default policy: every zero field takes the default its comment names.
// So does every field that cannot be meant: a NaN, infinite or negative
// number, or a FeatureBudget (or FeatureBudgets entry) that is not
// positive.
type Policy struct {
	// DegradedBelow and UnhealthyBelow are the score thresholds of the
	// statuses: healthy at or above DegradedBelow (default 80), degraded at
	// or above UnhealthyBelow (default 50), unhealthy below.
	DegradedBelow  float64
	UnhealthyBelow float64

	// Weights of the components in the overall score; default 1 each.
	ConnectionsWeight float64
	QueuesWeight      float64
	CachesWeight      float64
	FeaturesWeight    float64

	// PoolMaxOldShare is the share of a pool's open connections past their
	// max age at which the pool scores 0 (default 0.5); PoolMaxLeakShare
	// the same for the share of ended connections that expired instead of
	// closing (default 0.2); PoolSaturation the share of a stateful pool's
	// connections in use above which its score falls, to 0 when all are
	// (default 0.9).
	PoolMaxOldShare  float64
	PoolMaxLeakShare float64
	PoolSaturation   float64

	// QueueThreshold is the utilization above which a queue's score falls,
	// to 0 at full (default 0.8); QueueMaxOverflowShare the share of the
	// window in overflow at which it scores 0 (default 0.5); a growing
	// queue scores at most QueueGrowingCap (default 90).
	QueueThreshold        float64
	QueueMaxOverflowShare float64
	QueueGrowingCap       float64

	// CacheTargetHitRatio is the window hit ratio a cache scores 100 at,
	// falling in proportion below it (default 0.8); CacheMinEfficiency the
	// efficiency below which the score falls in proportion (default 0.5).
	CacheTargetHitRatio float64
	CacheMinEfficiency  float64

	// FeatureFailureOK is the failure rate up to which a feature scores 100
	// (default 0.01), falling to 0 at FeatureFailureMax (default 0.2).
	FeatureFailureOK  float64
	FeatureFailureMax float64
	// FeatureBudget is the mean duration a feature scores 100 within
	// (default 1s), falling to 0 at four times it; FeatureBudgets overrides
	// it per feature name.
	FeatureBudget  time.Duration
	FeatureBudgets map[string]time.Duration
}

// withDefaults returns p with every zero or invalid field set to its
// default.
func (p Policy) withDefaults() Policy {
	def := func(v *float64, d float64) {
		if *v == 0 || *v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = d
		}
	}
	def(&p.DegradedBelow, 80)
	def(&p.UnhealthyBelow, 50)
	def(&p.ConnectionsWeight, 1)
	def(&p.QueuesWeight, 1)
	def(&p.CachesWeight, 1)
	def(&p.FeaturesWeight, 1)
	def(&p.PoolMaxOldShare, 0.5)
	def(&p.PoolMaxLeakShare, 0.2)
	def(&p.PoolSaturation, 0.9)
	def(&p.QueueThreshold, 0.8)
	def(&p.QueueMaxOverflowShare, 0.5)
	def(&p.QueueGrowingCap, 90)
	def(&p.CacheTargetHitRatio, 0.8)
	def(&p.CacheMinEfficiency, 0.5)
	def(&p.FeatureFailureOK, 0.01)
	def(&p.FeatureFailureMax, 0.2)
	if p.FeatureBudget <= 0 {
		p.FeatureBudget = time.Second
	}
	return p
}
