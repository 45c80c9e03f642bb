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
	s.conns, err = conn.New(conn.WithMeterProvider(mp), conn.WithRetention(c.ConnectionRetention), conn.WithMaxPools(c.MaxPools), conn.WithMaxIDs(c.MaxConnectionIDs))
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
func (s *System) Connections() *conn.Tracker { return s.conns }

// Queues returns the system's queue monitor, whose background sampler
// Start started.
func (s *System) Queues() *queue.Monitor { return s.queues }

// Caches returns the system's cache monitor.
func (s *System) Caches() *cache.Monitor { return s.caches }

// Features returns the system's feature analytics.
func (s *System) Features() *feature.Analytics { return s.features }

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
// policy of [WithHealthPolicy] (the default policy otherwise); see package
// [github.com/otelvitals/vitals/healthscore] for the rules.
func (s *System) Health() healthscore.Report {
	snap := s.Snapshot()
	return healthscore.Score(healthscore.Input{
		Connections: snap.Connections.Pools,
		Queues:      snap.Queues.Queues,
		Caches:      snap.Caches.Caches,
		Features:    snap.Features.Features,
	}, s.policy)
}

// HealthHandler serves [System.Health] as JSON: 200 when healthy or
// degraded, 503 when unhealthy, unless opts say otherwise; ?verbose=1 adds
// every entity and its reasons.
func (s *System) HealthHandler(opts healthscore.HandlerOptions) http.Handler {
	return healthscore.Handler(s.Health, opts)
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
