// Package healthscore turns the snapshots of vitals' four trackers into one
// health score from 0 to 100, a status and the reasons behind them.
// [Score] is pure: it reads only its input and its [Policy], so the same
// input always gives the same [Report]. A [Judge] scores the same way and
// holds statuses steady, so that they do not flap. [Handler] serves a
// report as a readiness endpoint, [LivenessHandler] a liveness one.
//
// # Statuses
//
// A score is healthy at or above 80, degraded at or above 50, unhealthy
// below (Policy.DegradedBelow, Policy.UnhealthyBelow). [Handler] answers
// 200 for healthy and degraded and 503 for unhealthy: only an instance that
// cannot do its work is taken out of a load balancer.
//
// # Rules
//
// Each pool, queue, cache and feature (an entity) is judged by rules. A
// rule scores 100 when nothing is wrong and falls as its input worsens; it
// abstains, saying nothing, when the evidence is below its minimum. Each
// rule's measurement is a [Check] of the entity, with the rule's output.
// Defaults are in parentheses; each is a [Policy] field.
//
//	rule             detects                          formula and thresholds                                   abstains when                            never penalises
//	---------------  -------------------------------  -------------------------------------------------------  ---------------------------------------  -----------------------------------------
//	Connection pools (conn.Entry)
//	saturation       a pool at its maximum            in use / max: 100 up to 0.9, 60 at 1 (PoolSaturation,   no known maximum (Pool.SetLimits,        a server-side pool: connections in use
//	                                                  PoolFullScore): degraded at most                         Pool.SetStats; sqldb, goredis set it)    without a maximum are not saturation
//	wait_load        callers waiting for connections  waited seconds per second of the window (mean callers   the pool reports no waits (SetStats)     single short waits: 100 up to 0.1; past
//	                                                  waiting): 100 up to 0.1, 0 at 1 (PoolWaitLoadOK/Max)                                              waits, when none began in the recent
//	                                                                                                                                                    1/15 of the window: degraded at most
//	leaks            connections never closed         expired unclosed / ended in the window: 100 at 0, 0 at   fewer than 5 ended in the window         leaks older than the window; spare
//	                                                  0.2 (PoolMaxLeakShare)                                   (PoolMinEnded); a pool that reports      connections a pool holds idle: they
//	                                                                                                           its stats (database/sql, go-redis)       never expire
//	old_connections  connections that do not rotate   open past the pool's declared max age / open: 100 at 0,  no declared max age (Limits.MaxAge)      long-lived keep-alive connections of a
//	                                                  0 at 0.5 (PoolMaxOldShare)                                                                        server, which its clients own
//	churn            a connection per request         mean lifetime (open / creation rate): 100 from 1s down,  no known maximum; fewer than 20 made in   rotation under a max lifetime (lifetimes
//	                                                  60 at 0 (PoolMinLifetime): degraded at most              the window (PoolMinCreated)              of seconds and more)
//	Queues (queue.Entry)
//	utilization      a queue filling up now           depth / capacity: 100 up to 0.8, 0 at 1                  no known capacity                        queues without a capacity
//	                                                  (QueueThreshold)
//	overflow_time    a queue that stays full          share of the window at or above the overflow threshold:  no known capacity                        a burst that drains: seconds in a window
//	                                                  100 at 0, 0 at 0.5 (QueueMaxOverflowShare)                                                        of minutes; past overflow, once the queue
//	                                                                                                                                                    is below its threshold: degraded at most
//	rejections       work turned away                 items rejected in the window: 79 at 10, 50 at 1000       fewer than 10 in the window              on its own, never unhealthy: turning work
//	                                                  (QueueMinRejections, QueueMaxRejections)                 (QueueMinRejections)                     away is the queue protecting itself
//	trend            sustained growth                 newest third of the window against the oldest: at most   fewer than 10 samples in the window      a queue that is not growing
//	                                                  90 while growing (QueueGrowingCap)                       (QueueMinSamples)
//	Caches (cache.Entry)
//	hit_ratio        a cache that misses              window hit ratio / 0.8 × 100, from 100 down to 50        fewer than 100 lookups in the window     a cache warming from cold: no verdict for
//	                                                  (CacheTargetHitRatio): degraded at most                  (CacheMinLookups); the first 5m after    the warm-up after its first lookup
//	                                                                                                           the first lookup (CacheWarmup)
//	efficiency       hits that save little            efficiency / 0.5 × 100, from 100 down to 50              as hit_ratio; and while misses are not   caches whose fill is not timed (Wrap,
//	                                                  (CacheMinEfficiency): degraded at most                   measurably dearer than hits              Lookup): the hit ratio judges alone
//	Features (feature.Entry)
//	failure_rate     a feature that fails             the failure rate's 95% Wilson lower bound: 100 up to     fewer than 20 uses in the window         a few unlucky uses: 1 failure in 2 uses
//	                                                  0.01, 0 at 0.2 (FeatureFailureOK, FeatureFailureMax)     (FeatureMinUses)                         is no evidence of a failing feature
//	duration         a feature that is slow           mean duration: 100 within 1s, 0 at 4× (FeatureBudget,    as failure_rate; no timed uses           features without timed uses
//	                                                  FeatureBudgets)
//
// A rule that says "degraded at most" never makes an entity unhealthy on
// its own: a cache that misses makes a service slower, not unable, and the
// pools and queues behind it show when the misses overload them. Rules
// that remember the window (wait_load, overflow_time) make an entity
// unhealthy only while the trouble is still there: once a pool has had no
// new waits lately, or a queue is below its threshold again, they degrade
// at most, so that a service is not kept out of rotation for minutes after
// it recovered.
//
// Every rule only falls as its input worsens, so making any input worse
// never raises a score (a property the tests check).
//
// # How scores combine
//
// An entity scores the lowest of the rules that scored and lists a reason
// for each below 100, worst first. An entity whose rules all abstained is
// not judged: it scores 100 and does not vote (a quiet service at night,
// or one that just started, is healthy, and an idle pool does not dilute
// a stuck queue). A component (connections, queues, caches, features)
// scores the mean of its judged entities, capped by its worst critical
// entity (Policy.Critical): one failing feature among fifty leaves the
// features at 98, but a failing critical one takes them down with it. The
// overall score is that of the worst judged component (100 with none):
// connections, queues, caches and features are different parts of a
// service, and a stuck queue is not made good by healthy pools. A
// component's weight scales its shortfall from 100 (Policy.QueuesWeight
// and the like, default 1: a weight of 0.5 counts a component at 0 as
// 50). The overall score is capped in turn by the worst critical entity.
// Mark as critical what the service cannot work without, such as its
// request queue or its primary database pool.
//
// # Steady statuses
//
// A [Judge] reports a new status, overall, per component and per entity,
// only once the scores have said it for the hold time ([WithHold], default
// 15s) and over [WithEvaluations] evaluations (default 1), counted from
// the first evaluation that saw it. Meanwhile the report's Pending says
// what the scores point to. A signal
// oscillating around a threshold therefore does not flap the status, and a
// load balancer does not take an instance in and out every few seconds.
//
// # Readiness and liveness
//
// Kubernetes stops routing to a pod whose readiness probe fails and
// restarts one whose liveness probe fails. Point the readiness probe at
// [Handler]: it fails while the verdict is unhealthy. Point the liveness
// probe at [LivenessHandler]: it fails only when vitals itself is stuck.
// A low hit ratio or a full queue must never restart a pod: restarts
// amplify an outage.
//
// # Odd input
//
// Score never panics and always returns scores from 0 to 100. A rule whose
// input is NaN scores 0: input that cannot be read is not taken as
// healthy. A rule's input past its bounds, infinite included, scores as
// its bound does. Policy fields that are NaN, infinite or negative take
// their defaults.
package healthscore // import "github.com/otelvitals/vitals/healthscore"
