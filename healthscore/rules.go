package healthscore

import (
	"math"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// The rules' names, as in [Check].Rule and the health+json check keys.
const (
	RuleSaturation     = "saturation"
	RuleWaitLoad       = "wait_load"
	RuleLeaks          = "leaks"
	RuleOldConnections = "old_connections"
	RuleChurn          = "churn"
	RuleUtilization    = "utilization"
	RuleOverflowTime   = "overflow_time"
	RuleRejections     = "rejections"
	RuleTrend          = "trend"
	RuleHitRatio       = "hit_ratio"
	RuleEfficiency     = "efficiency"
	RuleFailureRate    = "failure_rate"
	RuleDuration       = "duration"
)

// poolEntity scores a connection pool; see the package documentation's
// table for each rule.
func poolEntity(s conn.Entry, p Policy) Entity {
	r := newRules(p, s.Type, s.Name)
	n := name(s.Type, s.Name)

	switch {
	case s.MaxOpen <= 0:
		r.abstain(RuleSaturation, float64(s.InUse), "{connection}", "no known maximum: connections in use are not saturation")
	case !s.InUseKnown:
		r.abstain(RuleSaturation, 0, "{connection}", "the pool reports no connections in use")
	default:
		used := float64(s.InUse) / float64(s.MaxOpen)
		r.score(RuleSaturation, used, "1", fallingTo(used, p.PoolSaturation, 1, 100, p.PoolFullScore),
			"pool %s: %d of its maximum of %d connections in use", n, s.InUse, s.MaxOpen)
	}

	switch {
	case !s.StatsReported:
		r.abstain(RuleWaitLoad, 0, "1", "the pool reports no waits")
	case !(s.WindowCoveredSeconds > 0):
		r.abstain(RuleWaitLoad, 0, "1", "no time observed yet")
	default:
		load := s.WindowWaitSeconds / s.WindowCoveredSeconds
		score := falling(load, p.PoolWaitLoadOK, p.PoolWaitLoadMax)
		reason := "pool %s: %.1f callers on average waiting for a connection over the last %s"
		if s.RecentWaits == 0 && !math.IsNaN(load) {
			score = floorAt(score, p.UnhealthyBelow) // nobody has waited lately: the pool no longer holds callers up
			reason += ", none lately"
		}
		r.score(RuleWaitLoad, load, "1", score, reason,
			n, load, seconds(s.WindowCoveredSeconds, roundTo(s.WindowCoveredSeconds)))
	}

	leaked := s.WindowExpired
	switch ended := s.WindowDestroyed + s.WindowExpired; {
	case s.StatsReported:
		r.abstain(RuleLeaks, float64(leaked), "{connection}",
			"the pool manages its connections: it closes what it keeps idle, and its leaks show as connections in use")
	case ended < p.PoolMinEnded:
		r.abstain(RuleLeaks, float64(leaked), "{connection}", "%d connections ended in the window, %d needed", ended, p.PoolMinEnded)
	default:
		leak := float64(leaked) / float64(ended)
		r.score(RuleLeaks, leak, "1", falling(leak, 0, p.PoolMaxLeakShare),
			"pool %s: %d of %d connections ended in the last %s expired unclosed (leaked)",
			n, leaked, ended, seconds(s.WindowSeconds, roundTo(s.WindowSeconds)))
	}

	switch {
	case !(s.MaxAgeSeconds > 0):
		r.abstain(RuleOldConnections, float64(s.OlderThanLimit), "{connection}", "no declared max age")
	case s.Open <= 0:
		r.abstain(RuleOldConnections, 0, "{connection}", "no open connections")
	default:
		old := float64(s.OlderThanLimit) / float64(s.Open)
		r.score(RuleOldConnections, old, "1", falling(old, 0, p.PoolMaxOldShare),
			"pool %s: %d of %d open connections past their max age of %s", n, s.OlderThanLimit, s.Open, seconds(s.MaxAgeSeconds, roundTo(s.MaxAgeSeconds)))
	}

	switch {
	case s.MaxOpen <= 0:
		r.abstain(RuleChurn, 0, "s", "no known maximum: a server's clients choose how long its connections live")
	case s.WindowCreated < p.PoolMinCreated:
		r.abstain(RuleChurn, 0, "s", "%d connections created in the window, %d needed", s.WindowCreated, p.PoolMinCreated)
	default:
		// Little's law: the mean lifetime is the open connections over the
		// rate at which they are made.
		life := s.WindowCoveredSeconds * float64(max(s.Open, 1)) / float64(s.WindowCreated)
		r.score(RuleChurn, life, "s", fallingTo(-life, -p.PoolMinLifetime.Seconds(), 0, 100, p.PoolFullScore),
			"pool %s churns: %d connections made in the last %s, living %s on average (minimum %s)",
			n, s.WindowCreated, seconds(s.WindowCoveredSeconds, roundTo(s.WindowCoveredSeconds)), seconds(life, roundTo(life)), p.PoolMinLifetime)
	}
	return r.done()
}

// queueEntity scores a queue; see the package documentation's table.
func queueEntity(s queue.Entry, p Policy) Entity {
	r := newRules(p, s.Type, s.Name)
	n := name(s.Type, s.Name)
	if s.Capacity <= 0 {
		r.abstain(RuleUtilization, float64(s.Depth), "{item}", "no known capacity")
		r.abstain(RuleOverflowTime, 0, "1", "no known capacity")
	} else {
		r.score(RuleUtilization, s.Utilization, "1", falling(s.Utilization, p.QueueThreshold, 1),
			"queue %s at %.0f%% of capacity (threshold %.0f%%)", n, 100*s.Utilization, 100*p.QueueThreshold)
		window := seconds(s.WindowSeconds, roundTo(s.WindowSeconds))
		score, reason := falling(s.WindowOverflowShare, 0, p.QueueMaxOverflowShare), "queue %s above its overflow threshold for %s of the last %s"
		if !s.Overflowing && !math.IsNaN(s.WindowOverflowShare) { // NaN scores 0 all the same
			score = floorAt(score, p.UnhealthyBelow) // drained: the overflow is past
			reason += ", not now"
		}
		r.score(RuleOverflowTime, s.WindowOverflowShare, "1", score, reason,
			n, seconds(s.WindowOverflowShare*s.WindowSeconds, roundTo(s.WindowOverflowShare*s.WindowSeconds)), window)
	}

	if s.WindowRejected < p.QueueMinRejections {
		r.abstain(RuleRejections, float64(s.WindowRejected), "{item}", "%d items turned away in the window, %d count", s.WindowRejected, p.QueueMinRejections)
	} else {
		top := math.Max(p.DegradedBelow-1, p.UnhealthyBelow)
		r.score(RuleRejections, float64(s.WindowRejected), "{item}",
			fallingTo(float64(s.WindowRejected), float64(p.QueueMinRejections), float64(p.QueueMaxRejections), top, p.UnhealthyBelow),
			"queue %s turned %d items away in the last %s", n, s.WindowRejected, seconds(s.WindowSeconds, roundTo(s.WindowSeconds)))
	}

	switch {
	case s.Samples < p.QueueMinSamples:
		r.abstain(RuleTrend, float64(s.Samples), "{sample}", "%d depth samples in the window, %d needed", s.Samples, p.QueueMinSamples)
	case s.Trend == instrument.TrendGrowing:
		r.score(RuleTrend, s.MeanDepth, "{item}", p.QueueGrowingCap, "queue %s growing over the last %s", n, seconds(s.WindowSeconds, roundTo(s.WindowSeconds)))
	default:
		r.score(RuleTrend, s.MeanDepth, "{item}", 100, "")
	}
	return r.done()
}

// cacheEntity scores a cache; see the package documentation's table.
func cacheEntity(s cache.Entry, p Policy) Entity {
	r := newRules(p, s.Type, s.Name)
	n := name(s.Type, s.Name)
	switch {
	case s.WindowLookups < p.CacheMinLookups:
		why := "%d lookups in the window, %d needed"
		r.abstain(RuleHitRatio, s.WindowHitRatio, "1", why, s.WindowLookups, p.CacheMinLookups)
		r.abstain(RuleEfficiency, s.Efficiency, "1", why, s.WindowLookups, p.CacheMinLookups)
	case s.SinceFirstLookupSeconds < p.CacheWarmup.Seconds():
		why := "warming up: first lookup %s ago, warm-up %s"
		since := seconds(s.SinceFirstLookupSeconds, roundTo(s.SinceFirstLookupSeconds))
		r.abstain(RuleHitRatio, s.WindowHitRatio, "1", why, since, p.CacheWarmup)
		r.abstain(RuleEfficiency, s.Efficiency, "1", why, since, p.CacheWarmup)
	default:
		r.score(RuleHitRatio, s.WindowHitRatio, "1", floorAt(100*s.WindowHitRatio/p.CacheTargetHitRatio, p.UnhealthyBelow),
			"cache %s hit ratio %.0f%% over %d lookups (target %.0f%%)", n, 100*s.WindowHitRatio, s.WindowLookups, 100*p.CacheTargetHitRatio)
		if s.LatencyMeasured {
			// The efficiency is the hit ratio times the share of a miss's
			// cost a hit saves: say which of the two holds it down.
			saved := 0.0
			if s.WindowHitRatio > 0 {
				saved = s.Efficiency / s.WindowHitRatio
			}
			r.score(RuleEfficiency, s.Efficiency, "1", floorAt(100*s.Efficiency/p.CacheMinEfficiency, p.UnhealthyBelow),
				"cache %s efficiency %.2f (minimum %.2f): %.0f%% of lookups hit, each saving %.0f%% of a miss's cost",
				n, s.Efficiency, p.CacheMinEfficiency, 100*s.WindowHitRatio, 100*saved)
		} else {
			r.abstain(RuleEfficiency, s.Efficiency, "1", "misses not measurably dearer than hits (their fill is not timed): the hit ratio judges alone")
		}
	}
	return r.done()
}

// featureEntity scores a feature; see the package documentation's table.
func featureEntity(s feature.Entry, p Policy) Entity {
	r := newRules(p, s.Type, s.Name)
	n := name(s.Type, s.Name)
	if s.WindowUses < p.FeatureMinUses {
		why := "%d uses in the window, %d needed"
		r.abstain(RuleFailureRate, 1-s.WindowSuccessRatio, "1", why, s.WindowUses, p.FeatureMinUses)
		r.abstain(RuleDuration, s.MeanDurationSeconds, "s", why, s.WindowUses, p.FeatureMinUses)
		return r.done()
	}
	fail := 1 - s.WindowSuccessRatio
	low := wilsonLower(fail, float64(s.WindowUses))
	r.score(RuleFailureRate, fail, "1", falling(low, p.FeatureFailureOK, p.FeatureFailureMax),
		"feature %s failing %.1f%% of %d uses (at least %.1f%% at 95%% confidence)", n, 100*fail, s.WindowUses, 100*low)

	budget := p.FeatureBudget
	if b, ok := p.FeatureBudgets[s.Name]; ok && b > 0 {
		budget = b
	}
	if s.MeanDurationSeconds <= 0 { // NaN goes on: it scores 0
		r.abstain(RuleDuration, 0, "s", "no timed uses")
	} else {
		r.score(RuleDuration, s.MeanDurationSeconds, "s", falling(s.MeanDurationSeconds, budget.Seconds(), 4*budget.Seconds()),
			"feature %s mean duration %s (budget %s)", n, seconds(s.MeanDurationSeconds, roundTo(s.MeanDurationSeconds)), budget)
	}
	return r.done()
}

// floorAt is v, but at least floor: a rule that degrades and never makes
// an entity unhealthy. NaN stays NaN, to score 0.
func floorAt(v, floor float64) float64 {
	if math.IsNaN(v) {
		return v
	}
	return math.Max(v, floor)
}

// wilsonLower is the lower bound of the 95% Wilson score interval of a
// rate observed over n trials: the lowest rate the observation makes
// plausible. NaN stays NaN.
func wilsonLower(rate, n float64) float64 {
	if math.IsNaN(rate) || n <= 0 {
		return rate
	}
	const z = 1.959963984540054
	rate = math.Max(0, math.Min(1, rate))
	z2n := z * z / n
	centre := rate + z2n/2
	margin := z * math.Sqrt(rate*(1-rate)/n+z2n/(4*n))
	return math.Max(0, (centre-margin)/(1+z2n))
}
