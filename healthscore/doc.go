// Package healthscore turns the snapshots of vitals' four trackers into one
// health score from 0 to 100, a status and the reasons behind them. It is
// pure: [Score] reads only its input and its [Policy], so the same input
// always gives the same [Report]. [Handler] serves a report over HTTP for
// load balancers and orchestrators.
//
// # Statuses
//
// A score is healthy at or above 80, degraded at or above 50, unhealthy
// below (Policy.DegradedBelow, Policy.UnhealthyBelow).
//
// # How scores combine
//
// Each pool, queue, cache and feature (an entity) scores the lowest of its
// rules, and lists a reason for every rule below 100. A component
// (connections, queues, caches, features) scores the lowest of its
// entities: it is as healthy as the member that drags it down most. The
// overall score is the weighted mean of the components that have entities
// (weights default to 1); with none it is 100.
//
// # Rules
//
// Each rule is 100 when nothing is wrong and falls linearly to 0:
//
//   - Pool, old connections: the share of open connections past their max
//     age, 100 at 0, 0 at PoolMaxOldShare (0.5).
//   - Pool, leaks: the share of ended connections that expired instead of
//     closing, 100 at 0, 0 at PoolMaxLeakShare (0.2).
//   - Pool, saturation (pools reporting acquire and release): the share of
//     open connections in use, 100 up to PoolSaturation (0.9), 0 at 1.
//   - Queue, utilization (queues with a capacity): 100 up to QueueThreshold
//     (0.8), 0 at 1.
//   - Queue, time in overflow: the share of the window spent at or above
//     the overflow threshold, 100 at 0, 0 at QueueMaxOverflowShare (0.5).
//   - Queue, trend: a growing queue scores at most QueueGrowingCap (90).
//   - Cache, hit ratio (caches looked up in their window): 100 × ratio /
//     CacheTargetHitRatio (0.8), at most 100.
//   - Cache, efficiency: 100 × efficiency / CacheMinEfficiency (0.5), at
//     most 100.
//   - Feature, failures (features used in their window): the failure rate,
//     100 up to FeatureFailureOK (1%), 0 at FeatureFailureMax (20%).
//   - Feature, duration: the mean duration, 100 within the budget
//     (FeatureBudget, 1s, or FeatureBudgets[name]), 0 at four times it.
//
// Every rule only falls as its input worsens, so making any input worse
// never raises a score (a property the tests check).
//
// # Odd input
//
// Score never panics and always returns scores from 0 to 100. A rule whose
// input is NaN scores 0: input that cannot be read is not taken as
// healthy. A rule's input past its bounds, infinite included, scores as
// its bound does. Policy fields that are NaN, infinite or negative take
// their defaults.
package healthscore // import "github.com/otelvitals/vitals/healthscore"
