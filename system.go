package vitals

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/semconv"
)

// The system's own metrics, indexed as its Sink points name them.
const (
	mHealthScore = iota
	mSelfDuration
)

var systemMetrics = []semconv.Metric{
	mHealthScore:  semconv.HealthScore.Metric,
	mSelfDuration: semconv.SelfDuration.Metric,
}

// startTrackers makes the four trackers under the system's provider and
// producer, with the options of WithConnOptions and its siblings, starts
// the queue sampler and
// registers the health gauges, whose collection (a snapshot of the
// trackers, shared with their own export, then the score) records its
// own duration in vitals.self.duration (operation "collect"). A tracker
// whose instruments failed in part still works; the errors are joined.
// Settings refused ([refused]) are among them.
func (s *System) startTrackers() error {
	mp := s.provider
	var errs []error
	var err error
	s.conns, err = conn.New(append([]conn.Option{conn.WithMeterProvider(mp), conn.WithProducer(s.producer), conn.WithClock(s.now)},
		s.opts.connOpts...)...)
	errs = append(errs, err)
	s.queues, err = queue.New(append([]queue.Option{queue.WithMeterProvider(mp), queue.WithProducer(s.producer), queue.WithClock(s.now)},
		s.opts.queueOpts...)...)
	errs = append(errs, err)
	s.liveness, err = s.config.livenessTimeout(s.queues.SampleInterval())
	errs = append(errs, err)
	s.caches, err = cache.New(append([]cache.Option{cache.WithMeterProvider(mp), cache.WithProducer(s.producer), cache.WithClock(s.now)},
		s.opts.cacheOpts...)...)
	errs = append(errs, err)
	s.features, err = feature.New(append([]feature.Option{feature.WithMeterProvider(mp), feature.WithProducer(s.producer), feature.WithClock(s.now)},
		s.opts.featureOpts...)...)
	errs = append(errs, err)
	errs = append(errs, s.queues.StartSampler(context.Background()))

	s.overallAttrs = core.NewAttrs(semconv.HealthComponentKey.String("overall"))
	s.compAttrs = map[string]*core.Attrs{}
	for _, name := range []string{healthscore.Connections, healthscore.Queues, healthscore.Caches, healthscore.Features} {
		s.compAttrs[name] = core.NewAttrs(semconv.HealthComponentKey.String(name))
	}
	err = s.shell.Init(core.Setup{
		Provider: mp, Hub: s.producer.Hub(), Now: s.now,
		Scope: ScopeName, Metrics: systemMetrics,
		Changed: func(int64) bool { return true }, // the score is the trackers': read afresh but within a collection
	}, s.score, s.emit)
	s.collectTime = s.shell.Hist(mSelfDuration, core.NewAttrs(semconv.OperationKey.String("collect")))
	s.snapshotTime = s.shell.Hist(mSelfDuration, core.NewAttrs(semconv.OperationKey.String("snapshot")))
	errs = append(errs, err)
	return errors.Join(errs...)
}

// scored is one read of the system's own source: a health report and the
// time it took.
type scored struct {
	report healthscore.Report
	took   time.Duration
}

// score is the read of the system's own source: the health report of a
// snapshot of the trackers (the reads of the current collection, within
// one).
func (s *System) score(int64) *scored {
	start := time.Now()
	r := s.judgeNow()
	return &scored{report: r, took: time.Since(start)}
}

// emit reports the health gauges of one collection's read (the report's
// 0–100 scores divided by 100: vitals.health.score runs from 0 to 1, as
// every score and ratio vitals exports does) and vitals.self.duration, whose operation "collect" it records then: the
// time the collection's health took, once per collection (Health calls
// outside collections do not count).
func (s *System) emit(sc *scored, out core.Sink) {
	s.collectTime.Record(context.Background(), sc.took.Seconds())
	r := &sc.report
	out.Float64(mHealthScore, s.overallAttrs, r.Score/100) // the report's 0–100 on the gauge's 0–1
	for _, comp := range r.Components {
		if a := s.compAttrs[comp.Name]; a != nil {
			out.Float64(mHealthScore, a, comp.Score/100)
		}
	}
	var slab core.Slab
	core.EmitHists(out, mSelfDuration, s.snapshotTime.ReadInto(s.collectTime.ReadInto(nil, &slab), &slab))
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
//
// Each tracker's part is its read of the current collection cycle, shared
// with its export and the health score (see package
// [github.com/otelvitals/vitals/instrument]); after Shutdown, the state at
// Shutdown.
func (s *System) Snapshot() Snapshot {
	if s == nil {
		return Snapshot{Time: time.Now()}
	}
	start := time.Now()
	at := start
	if s.now != nil {
		at = s.now()
	}
	snap := Snapshot{
		Time:        at,
		Connections: s.conns.Snapshot(),
		Queues:      s.queues.Snapshot(),
		Caches:      s.caches.Snapshot(),
		Features:    s.features.Snapshot(),
	}
	took := time.Since(start)
	s.snapshotTime.Record(context.Background(), took.Seconds())
	if took > s.config.CollectionBudget {
		otel.Handle(fmt.Errorf("vitals: a snapshot took %v, over the collection budget of %v", took, s.config.CollectionBudget))
	}
	return snap
}

// Health returns the health report of [System.Snapshot], scored with the
// policy of [WithHealthPolicy] (the default policy otherwise) and its
// statuses held steady for the hold of [WithHealthHold]; see package
// [github.com/otelvitals/vitals/healthscore] for the rules and how they
// combine. After Shutdown it is the report of the state at Shutdown.
func (s *System) Health() healthscore.Report {
	if s == nil {
		return healthscore.Score(healthscore.Input{}, healthscore.Policy{})
	}
	return s.shell.Read().report
}

// judgeNow scores a snapshot of the trackers.
func (s *System) judgeNow() healthscore.Report {
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
	timeout := s.liveness
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

// stopTrackers stops the trackers, then the health gauges, whose last
// report, of the trackers' state at Shutdown, Health returns from then on.
func (s *System) stopTrackers(ctx context.Context) error {
	return errors.Join(
		s.queues.Shutdown(ctx), s.conns.Shutdown(ctx), s.caches.Shutdown(ctx), s.features.Shutdown(ctx),
		s.shell.Shutdown(ctx, nil))
}
