package vitals_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// badCase is one bad input of the root package, the health scorer or the
// exporters, on the rig below.
type badCase = badinput.Case[*badRig]

// TestBadInput runs every bad input of badCases on a fresh rig: the four
// trackers on one fake clock, recording into their own ManualReader, with
// one control series each fed known traffic before and after the bad call.
// Each case must not panic, must return its documented error or count its
// documented no-op exactly (and count nothing else), and must leave every
// control series exact. The trackers' own bad inputs are beside them, in
// instrument/<signal>.
func TestBadInput(t *testing.T) {
	cases := badCases()
	if len(cases) < 40 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

// TestBadInputTableInReadme checks that the README's bad-input table has
// the rows the cases above render, so that the two cannot drift apart;
// -update rewrites them. The trackers' rows are checked beside them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, "README.md", *update, badCases(), "vitals", "healthscore", "exporters")
}

// badT0 is where the rig's fake clock starts.
var badT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Attributes of the control series.
var (
	badCtlConn    = []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolKey.String("control")}
	badCtlQueue   = []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("control")}
	badCtlCache   = []attribute.KeyValue{semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("control")}
	badCtlFeature = []attribute.KeyValue{semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("control")}
)

// badRig is the world of one case: the four trackers on one fake clock,
// recording into their own ManualReader, with one control series each.
// The cases here make Systems, health reports and exporters of their own;
// the rig's control series show that none of it reaches trackers it was
// not given.
type badRig struct {
	t        *testing.T
	clock    *clock.Fake
	reader   *metrictest.Reader
	conns    *conn.Tracker
	queues   *queue.Monitor
	caches   *cache.Monitor
	features *feature.Analytics

	// The control handles.
	pool    *conn.Pool
	queue   *queue.Queue
	cache   *cache.Cache
	feature *feature.Feature

	open   []time.Duration // clock offsets at which the control connections still open were opened
	rounds int             // control rounds recorded
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{t: t, clock: clock.NewFake(badT0), reader: metrictest.NewReader(t, false)}
	mp, now := r.reader.Provider, r.clock.Now
	var err error
	r.conns, err = conn.New(conn.WithMeterProvider(mp), conn.WithClock(now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.conns.Shutdown(context.Background()) })
	r.queues, err = queue.New(queue.WithMeterProvider(mp), queue.WithClock(now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.queues.Shutdown(context.Background()) })
	r.caches, err = cache.New(cache.WithMeterProvider(mp), cache.WithClock(now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.caches.Shutdown(context.Background()) })
	r.features, err = feature.New(feature.WithMeterProvider(mp), feature.WithClock(now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.features.Shutdown(context.Background()) })

	r.pool = r.conns.Pool("database", "control")
	r.queue = r.queues.Queue(queue.TypeHTTP, "control", 10)
	r.cache = r.caches.Cache(cache.TypeApplication, "control")
	r.feature = r.features.Feature(feature.TypeAPIEndpoint, "control")
	return r
}

// Collect collects the rig's reader once.
func (r *badRig) Collect() metricdata.ResourceMetrics { return r.reader.Collect() }

// Control records one round of known traffic on every control series. It
// moves the clock 1.5s.
func (r *badRig) Control() {
	ctx := context.Background()
	// Two connections, each used once; the first lives 1s.
	at := r.clock.Now().Sub(badT0)
	a, b := r.pool.Open(), r.pool.Open()
	r.open = append(r.open, at)
	r.clock.Advance(time.Second)
	a.Use()
	b.Use()
	a.Close()
	// A pushed depth of 4, an item that waits 0.5s, one turned away.
	_ = r.queue.Sample(4)
	tk := r.queue.Enter()
	r.clock.Advance(500 * time.Millisecond)
	tk.Leave()
	r.queue.Reject()
	// Three hits (two timed), a miss four times slower; sets, an eviction,
	// the size.
	r.cache.Hit(125 * time.Millisecond)
	r.cache.Hit(125 * time.Millisecond)
	r.cache.CountHit()
	r.cache.Miss(500 * time.Millisecond)
	r.cache.Set(3)
	r.cache.Evicted(1)
	r.cache.SetSize(5)
	// One success and one failure, by two users.
	r.feature.Record(ctx, "alice", feature.PatternDirectCall, 250*time.Millisecond, true)
	r.feature.Record(ctx, "bob", feature.PatternBatchOperation, 500*time.Millisecond, false)
	r.rounds++
}

// VerifyControl checks every control series against the traffic of the
// rounds recorded.
func (r *badRig) VerifyControl(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	with := func(base []attribute.KeyValue, kv ...attribute.KeyValue) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), base...), kv...)
	}
	n := int64(r.rounds)

	event := func(e string) []attribute.KeyValue { return with(badCtlConn, semconv.ConnectionEventKey.String(e)) }
	badinput.WantHist(t, rm, uint64(n), float64(n), semconv.ConnectionLifetime.Name, badCtlConn...)
	metrictest.Want(t, rm, 2*n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
	metrictest.Want(t, rm, 2*n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
	metrictest.Want(t, rm, n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
	metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventExpired)...)
	metrictest.Want(t, rm, n, semconv.ConnectionOpen.Name, badCtlConn...)
	now := r.clock.Now().Sub(badT0)
	var sum int64
	for _, at := range r.open {
		sum += int64(at)
	}
	metrictest.Want(t, rm, float64(now-r.open[0])/1e9, semconv.ConnectionAgeOldest.Name, badCtlConn...)
	metrictest.Want(t, rm, (float64(now)-float64(sum)/float64(len(r.open)))/1e9, semconv.ConnectionAgeMean.Name, badCtlConn...)
	metrictest.Want(t, rm, 1.0, semconv.ConnectionHealth.Name, badCtlConn...)

	badinput.WantHist(t, rm, uint64(n), float64(4*n), semconv.QueueDepthSampled.Name, badCtlQueue...)
	badinput.WantHist(t, rm, uint64(n), 0.5*float64(n), semconv.QueueWaitTime.Name, badCtlQueue...)
	metrictest.Want(t, rm, int64(4), semconv.QueueDepth.Name, badCtlQueue...)
	metrictest.Want(t, rm, int64(10), semconv.QueueCapacity.Name, badCtlQueue...)
	metrictest.Want(t, rm, 0.4, semconv.QueueUtilization.Name, badCtlQueue...)
	metrictest.Want(t, rm, int64(4), semconv.QueueDepthMax.Name, badCtlQueue...)
	metrictest.Want(t, rm, int64(0), semconv.QueueOverflows.Name, badCtlQueue...)
	metrictest.Want(t, rm, 0.0, semconv.QueueOverflowTime.Name, badCtlQueue...)
	metrictest.Want(t, rm, n, semconv.QueueRejected.Name, badCtlQueue...)

	hit := with(badCtlCache, semconv.CacheResultKey.String(semconv.CacheResultHit))
	miss := with(badCtlCache, semconv.CacheResultKey.String(semconv.CacheResultMiss))
	badinput.WantHist(t, rm, uint64(2*n), 0.25*float64(n), semconv.CacheOperationDuration.Name, hit...)
	badinput.WantHist(t, rm, uint64(n), 0.5*float64(n), semconv.CacheOperationDuration.Name, miss...)
	metrictest.Want(t, rm, 3*n, semconv.CacheOperations.Name, hit...)
	metrictest.Want(t, rm, n, semconv.CacheOperations.Name, miss...)
	metrictest.Want(t, rm, 0.75, semconv.CacheHitRatio.Name, badCtlCache...)
	metrictest.Want(t, rm, 0.75*(1-0.125/0.5), semconv.CacheEfficiency.Name, badCtlCache...)
	metrictest.Want(t, rm, 3*n, semconv.CacheSets.Name, badCtlCache...)
	metrictest.Want(t, rm, n, semconv.CacheEvictions.Name, badCtlCache...)
	metrictest.Want(t, rm, int64(5), semconv.CacheSize.Name, badCtlCache...)

	use := func(pattern, outcome string) []attribute.KeyValue {
		return with(badCtlFeature, semconv.FeaturePatternKey.String(pattern), semconv.FeatureOutcomeKey.String(outcome))
	}
	badinput.WantHist(t, rm, uint64(2*n), 0.75*float64(n), semconv.FeatureDuration.Name, badCtlFeature...)
	metrictest.Want(t, rm, n, semconv.FeatureUsage.Name, use(feature.PatternDirectCall, semconv.FeatureOutcomeSuccess)...)
	metrictest.Want(t, rm, n, semconv.FeatureUsage.Name, use(feature.PatternBatchOperation, semconv.FeatureOutcomeFailure)...)
	metrictest.Want(t, rm, int64(2), semconv.FeatureUsers.Name, badCtlFeature...)
	metrictest.Want(t, rm, 0.5, semconv.FeatureSuccessRatio.Name, badCtlFeature...)
}

// badField fails t unless err holds a ConfigError for field.
func badField(t *testing.T, err error, field string) {
	t.Helper()
	var ce *vitals.ConfigError
	if !errors.As(err, &ce) || ce.Field != field {
		t.Errorf("%v: want a ConfigError for %s", err, field)
	}
}

// badSystem starts a System that builds no exporter and is read through a
// ManualReader of its own, shut down when the case ends.
func badSystem(t *testing.T, ctx context.Context, opts ...vitals.Option) (*vitals.System, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	opts = append([]vitals.Option{vitals.WithExporterOptions(exporters.WithExporters(exporters.None)), vitals.WithReader(reader)}, opts...)
	sys, err := vitals.Start(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Shutdown(context.Background()) })
	return sys, reader
}

// badConsoleSystem starts a System whose only exporter is the console,
// writing to w and exporting only when flushed.
func badConsoleSystem(t *testing.T, w io.Writer) *vitals.System {
	t.Helper()
	sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(
		exporters.WithExporters(exporters.Console),
		exporters.WithConsoleWriter(w),
		exporters.WithExportInterval(time.Hour),
	))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Shutdown(context.Background()) })
	return sys
}

// badCollectFails fails t unless collecting reader fails: it was shut down.
func badCollectFails(t *testing.T, reader *sdkmetric.ManualReader) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err == nil {
		t.Error("the reader still collects: the System was not shut down")
	}
}

// badScore scores in under p, checking what every report must be: scores
// from 0 to 100, known statuses, and JSON that encodes.
func badScore(t *testing.T, in healthscore.Input, p healthscore.Policy) healthscore.Report {
	t.Helper()
	r := healthscore.Score(in, p)
	scores := []float64{r.Score}
	statuses := []healthscore.Status{r.Status}
	for _, c := range r.Components {
		scores = append(scores, c.Score)
		statuses = append(statuses, c.Status)
		for _, e := range c.Entities {
			scores = append(scores, e.Score)
			statuses = append(statuses, e.Status)
		}
	}
	for _, s := range scores {
		if !(s >= 0 && s <= 100) {
			t.Errorf("score %v outside 0-100: %+v", s, r)
		}
	}
	for _, s := range statuses {
		if s != healthscore.Healthy && s != healthscore.Degraded && s != healthscore.Unhealthy {
			t.Errorf("status %q: %+v", s, r)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("the report does not encode: %v", err)
	}
	return r
}

// badHealthInput has one entity of every kind, each a little unhealthy.
func badHealthInput() healthscore.Input {
	return healthscore.Input{
		Connections: []conn.Entry{{Type: "database", Name: "p", Open: 10, OlderThanMaxAge: 1, Destroyed: 9, Expired: 1}},
		Queues:      []queue.Entry{{Type: "http", Name: "q", Depth: 9, Capacity: 10, Utilization: 0.9, WindowSeconds: 300}},
		Caches:      []cache.Entry{{Type: "application", Name: "c", WindowLookups: 10, WindowHitRatio: 0.6, Efficiency: 0.4}},
		Features:    []feature.Entry{{Type: "api_endpoint", Name: "f", WindowUses: 100, WindowSuccessRatio: 0.95, MeanDurationSeconds: 2}},
	}
}

func badCases() []badCase {
	var cases []badCase
	cases = append(cases, badRootCases()...)
	cases = append(cases, badHealthCases()...)
	cases = append(cases, badExporterCases()...)
	return cases
}
