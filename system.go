package vitals

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// startTrackers makes the four trackers under the system's provider, with
// the Config's settings, starts the queue sampler and registers the health
// gauges, whose callback, the costliest part of a collection of vitals'
// metrics (it takes a snapshot and scores it), records its own duration in
// vitals.self.duration (operation "collect"). A tracker whose instruments failed in part still works; the
// errors are joined.
func (s *System) startTrackers() error {
	c := s.config
	mp := s.provider
	var errs []error
	var err error
	s.conns, err = conn.New(conn.WithMeterProvider(mp), conn.WithRetention(c.ConnectionRetention), conn.WithWindow(c.ConnectionWindow),
		conn.WithMaxPools(c.MaxPools), conn.WithMaxIDs(c.MaxConnectionIDs))
	errs = append(errs, err)
	s.queues, err = queue.New(queue.WithMeterProvider(mp), queue.WithSampleInterval(c.QueueSampleInterval),
		queue.WithOverflowThreshold(c.QueueOverflowThreshold), queue.WithWindow(c.QueueWindow), queue.WithMaxQueues(c.MaxQueues))
	errs = append(errs, err)
	s.caches, err = cache.New(cache.WithMeterProvider(mp), cache.WithWindow(c.CacheHitWindow), cache.WithMaxCaches(c.MaxCaches))
	errs = append(errs, err)
	loc, _ := time.LoadLocation(c.FeatureTimeZone) // Validate checked it
	s.features, err = feature.New(feature.WithMeterProvider(mp), feature.WithWindow(c.FeatureUsageWindow),
		feature.WithLocation(loc), feature.WithUserHashKey(c.UserHashKey), feature.WithMaxFeatures(c.MaxFeatures))
	errs = append(errs, err)
	errs = append(errs, s.queues.Start(context.Background()))

	meter := mp.Meter(ScopeName, metric.WithInstrumentationVersion(version.Version))
	s.selfTime, err = semconv.SelfDuration.New(meter)
	errs = append(errs, err)
	score, err := semconv.HealthScore.New(meter)
	errs = append(errs, err)
	opts := map[string][]metric.ObserveOption{}
	for _, name := range []string{"overall", healthscore.Connections, healthscore.Queues, healthscore.Caches, healthscore.Features} {
		opts[name] = []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(semconv.HealthComponentKey.String(name)))}
	}
	s.health, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		start := time.Now()
		r := s.Health()
		o.ObserveFloat64(score, r.Score, opts["overall"]...)
		for _, comp := range r.Components {
			o.ObserveFloat64(score, comp.Score, opts[comp.Name]...)
		}
		s.selfTime.Record(context.Background(), time.Since(start).Seconds(), collectOpt...)
		return nil
	}, score)
	errs = append(errs, err)
	return errors.Join(errs...)
}

// Connections returns the system's connection tracker.
func (s *System) Connections() *conn.Tracker {
	if s == nil {
		return nil
	}
	return s.conns
}

// Queues returns the system's queue monitor, whose background sampler
// Start started.
func (s *System) Queues() *queue.Monitor {
	if s == nil {
		return nil
	}
	return s.queues
}

// Caches returns the system's cache monitor.
func (s *System) Caches() *cache.Monitor {
	if s == nil {
		return nil
	}
	return s.caches
}

// Features returns the system's feature analytics.
func (s *System) Features() *feature.Analytics {
	if s == nil {
		return nil
	}
	return s.features
}

// Snapshot is the state of everything vitals tracks at one moment: the
// "collect all metrics" call, in a form with stable JSON names.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// Connections, Queues, Caches and Features are the trackers' snapshots.
	Connections conn.Snapshot    `json:"connections"`
	Queues      queue.Snapshot   `json:"queues"`
	Caches      cache.Snapshot   `json:"caches"`
	Features    feature.Snapshot `json:"features"`
}

// Snapshot returns the state of all four trackers. Its duration is
// recorded in vitals.self.duration (operation "snapshot"); one longer than
// Config.CollectionBudget is reported through otel.Handle.
func (s *System) Snapshot() Snapshot {
	if s == nil {
		return Snapshot{Time: time.Now()}
	}
	start := time.Now()
	snap := Snapshot{
		Time:        start,
		Connections: s.conns.Snapshot(),
		Queues:      s.queues.Snapshot(),
		Caches:      s.caches.Snapshot(),
		Features:    s.features.Snapshot(),
	}
	took := time.Since(start)
	s.selfTime.Record(context.Background(), took.Seconds(), snapshotOpt...)
	if took > s.config.CollectionBudget {
		otel.Handle(fmt.Errorf("vitals: a snapshot took %v, over the collection budget of %v", took, s.config.CollectionBudget))
	}
	return snap
}

var (
	snapshotOpt = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(semconv.OperationKey.String("snapshot")))}
	collectOpt  = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(semconv.OperationKey.String("collect")))}
)

// Health returns the health report of a fresh snapshot, scored with the
// policy of [WithHealthPolicy] (the default policy otherwise) and its
// statuses held steady for the hold of [WithHealthHold]; see package
// [github.com/otelvitals/vitals/healthscore] for the rules and how they
// combine.
func (s *System) Health() healthscore.Report {
	if s == nil {
		return healthscore.Score(healthscore.Input{}, healthscore.Policy{})
	}
	snap := s.Snapshot()
	return s.judge.Judge(healthscore.Input{
		Connections: snap.Connections.Pools,
		Queues:      snap.Queues.Queues,
		Caches:      snap.Caches.Caches,
		Features:    snap.Features.Features,
	})
}

// ReadinessHandler serves [System.Health] for a readiness probe: 200 when
// healthy or degraded, 503 when unhealthy, unless opts say otherwise, so a
// load balancer stops sending work to an instance that cannot do it. The
// body is JSON; ?verbose=1 adds every entity, its reasons and its checks;
// a request that accepts application/health+json gets the IETF draft's
// format. See [healthscore.Handler].
func (s *System) ReadinessHandler(opts healthscore.HandlerOptions) http.Handler {
	return healthscore.Handler(s.Health, opts)
}

// LivenessHandler serves a liveness probe: 200 unless vitals itself is
// stuck, 503 then. Stuck means that the queue sampler has not finished a
// round for longer than [Config].LivenessTimeout (a queue probe that never
// returns, say), or that a snapshot has been running for that long (a
// tracker's lock held forever). It never looks at the health verdict: a
// full queue or a cold cache must not restart a process. See
// [healthscore.LivenessHandler].
func (s *System) LivenessHandler() http.Handler {
	return healthscore.LivenessHandler(s.alive)
}

// alive is the liveness check of [System.LivenessHandler]. It takes a
// snapshot in the background, one at a time, and fails while one has run
// for longer than the timeout; a snapshot that never returns costs one
// goroutine, not one per probe.
func (s *System) alive() error {
	if s == nil {
		return nil
	}
	timeout := s.config.LivenessTimeout
	now := time.Now()
	if started := s.probing.Load(); started != 0 {
		if ran := now.Sub(time.Unix(0, started)); ran > timeout {
			return fmt.Errorf("vitals: a snapshot has been running for %v, over the liveness timeout of %v", ran.Round(time.Second), timeout)
		}
	} else if s.probing.CompareAndSwap(0, now.UnixNano()) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer s.probing.Store(0)
			s.checkSampler(timeout)
		}()
		select {
		case <-done:
		case <-time.After(timeout):
			return fmt.Errorf("vitals: a snapshot took over the liveness timeout of %v", timeout)
		}
	}
	if err := s.samplerErr.Load(); err != nil {
		return *err
	}
	return nil
}

// checkSampler takes a snapshot and keeps the error of a queue sampler
// that has not finished a round within timeout, or clears it.
func (s *System) checkSampler(timeout time.Duration) {
	snap := s.Snapshot().Queues
	var err error
	if last := snap.Sampled; !last.IsZero() && snap.Time.Sub(last) > timeout {
		err = fmt.Errorf("vitals: the queue sampler last finished a round %v ago, over the liveness timeout of %v", snap.Time.Sub(last).Round(time.Second), timeout)
	} else if last.IsZero() && time.Since(s.started) > timeout {
		err = fmt.Errorf("vitals: the queue sampler has not finished a round in the %v since Start", time.Since(s.started).Round(time.Second))
	}
	if err != nil {
		s.samplerErr.Store(&err)
	} else {
		s.samplerErr.Store(nil)
	}
}

// stopTrackers unregisters the health gauges and stops the trackers.
func (s *System) stopTrackers(ctx context.Context) error {
	var errs []error
	if s.health != nil {
		errs = append(errs, s.health.Unregister())
	}
	errs = append(errs, s.queues.Shutdown(ctx), s.conns.Close(), s.caches.Close(), s.features.Close())
	return errors.Join(errs...)
}
