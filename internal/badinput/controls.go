package badinput

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// The four kinds of tracker, each with a control series named "control".
var (
	// Conn is the connection tracker, with the control pool of type
	// "database".
	Conn = Kind[*conn.Tracker, conn.Option]{
		New: conn.New, MeterProvider: conn.WithMeterProvider, Clock: conn.WithClock, Control: newConnControl,
	}
	// Queue is the queue monitor, with the control queue of type
	// queue.TypeHTTP and capacity 10.
	Queue = Kind[*queue.Monitor, queue.Option]{
		New: queue.New, MeterProvider: queue.WithMeterProvider, Clock: queue.WithClock, Control: newQueueControl,
	}
	// Cache is the cache monitor, with the control cache of type
	// cache.TypeApplication.
	Cache = Kind[*cache.Monitor, cache.Option]{
		New: cache.New, MeterProvider: cache.WithMeterProvider, Clock: cache.WithClock, Control: newCacheControl,
	}
	// Feature is the feature analytics, with the control feature of type
	// feature.TypeAPIEndpoint.
	Feature = Kind[*feature.Analytics, feature.Option]{
		New: feature.New, MeterProvider: feature.WithMeterProvider, Clock: feature.WithClock, Control: newFeatureControl,
	}
)

// Attributes of the control series.
var (
	ctlConn    = []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolNameKey.String("control")}
	ctlQueue   = []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("control")}
	ctlCache   = []attribute.KeyValue{semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("control")}
	ctlFeature = []attribute.KeyValue{semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("control")}
)

// With returns base followed by kv, in a slice of its own.
func With(base []attribute.KeyValue, kv ...attribute.KeyValue) []attribute.KeyValue {
	return append(append([]attribute.KeyValue(nil), base...), kv...)
}

// connControl is the control pool. A round opens two connections and uses
// each once; the first lives 1s. A round moves the clock 1s.
type connControl struct {
	clock *clock.Fake
	t0    time.Time
	pool  *conn.Pool
	open  []time.Duration // offsets from t0 at which the connections still open were opened
}

func newConnControl(tr *conn.Tracker, c *clock.Fake) Control {
	return &connControl{clock: c, t0: c.Now(), pool: tr.Pool("database", "control")}
}

func (c *connControl) Record() {
	at := c.clock.Now().Sub(c.t0)
	a, b := c.pool.Open(), c.pool.Open()
	c.open = append(c.open, at)
	c.clock.Advance(time.Second)
	a.Use()
	b.Use()
	a.Close()
}

func (c *connControl) Verify(t *testing.T, rm metricdata.ResourceMetrics, n int64, shut bool) {
	t.Helper()
	event := func(e string) []attribute.KeyValue { return With(ctlConn, semconv.ConnectionEventKey.String(e)) }
	WantHist(t, rm, uint64(n), float64(n), semconv.ConnectionDuration.Name, ctlConn...)
	if shut {
		WantNone(t, rm, semconv.ConnectionEvents.Name, ctlConn...)
		WantNone(t, rm, semconv.ConnectionCount.Name, ctlConn...)
		return
	}
	metrictest.Want(t, rm, 2*n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
	metrictest.Want(t, rm, 2*n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
	metrictest.Want(t, rm, n, semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
	metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventExpired)...)
	metrictest.Want(t, rm, n, semconv.ConnectionCount.Name, ctlConn...)
	now := c.clock.Now().Sub(c.t0)
	var sum int64
	for _, at := range c.open {
		sum += int64(at)
	}
	metrictest.Want(t, rm, float64(now-c.open[0])/1e9, semconv.ConnectionAgeOldest.Name, ctlConn...)
	metrictest.Want(t, rm, (float64(now)-float64(sum)/float64(len(c.open)))/1e9, semconv.ConnectionAgeMean.Name, ctlConn...)
	metrictest.Want(t, rm, 1.0, semconv.ConnectionHealth.Name, ctlConn...)
}

// queueControl is the control queue. A round pushes a depth of 4, lets an
// item wait 0.5s and turns one away. A round moves the clock 0.5s.
type queueControl struct {
	clock *clock.Fake
	queue *queue.Queue
}

func newQueueControl(m *queue.Monitor, c *clock.Fake) Control {
	return &queueControl{clock: c, queue: m.Queue(queue.TypeHTTP, "control", 10)}
}

func (c *queueControl) Record() {
	_ = c.queue.Sample(4)
	tk := c.queue.Enter()
	c.clock.Advance(500 * time.Millisecond)
	tk.Leave()
	c.queue.Reject()
}

func (c *queueControl) Verify(t *testing.T, rm metricdata.ResourceMetrics, n int64, shut bool) {
	t.Helper()
	WantHist(t, rm, uint64(n), float64(4*n), semconv.QueueSampledDepth.Name, ctlQueue...)
	WantHist(t, rm, uint64(n), 0.5*float64(n), semconv.QueueWaitDuration.Name, ctlQueue...)
	if shut {
		WantNone(t, rm, semconv.QueueDepth.Name, ctlQueue...)
		return
	}
	metrictest.Want(t, rm, int64(4), semconv.QueueDepth.Name, ctlQueue...)
	metrictest.Want(t, rm, int64(10), semconv.QueueCapacity.Name, ctlQueue...)
	metrictest.Want(t, rm, 0.4, semconv.QueueUtilization.Name, ctlQueue...)
	metrictest.Want(t, rm, int64(4), semconv.QueueMaxDepth.Name, ctlQueue...)
	metrictest.Want(t, rm, int64(0), semconv.QueueOverflows.Name, ctlQueue...)
	metrictest.Want(t, rm, 0.0, semconv.QueueOverflowTime.Name, ctlQueue...)
	metrictest.Want(t, rm, n, semconv.QueueRejections.Name, ctlQueue...)
}

// cacheControl is the control cache. A round has three hits (two timed,
// 125ms each) and a miss four times slower, three sets, an eviction, and
// the size 5. It leaves the clock alone.
type cacheControl struct{ cache *cache.Cache }

func newCacheControl(m *cache.Monitor, _ *clock.Fake) Control {
	return cacheControl{m.Cache(cache.TypeApplication, "control")}
}

func (c cacheControl) Record() {
	c.cache.Hit(125 * time.Millisecond)
	c.cache.Hit(125 * time.Millisecond)
	c.cache.CountHit()
	c.cache.Miss(500 * time.Millisecond)
	c.cache.Set(3)
	c.cache.Evicted(1)
	c.cache.SetSize(5)
}

func (cacheControl) Verify(t *testing.T, rm metricdata.ResourceMetrics, n int64, shut bool) {
	t.Helper()
	hit := With(ctlCache, semconv.CacheResultKey.String(semconv.CacheResultHit))
	miss := With(ctlCache, semconv.CacheResultKey.String(semconv.CacheResultMiss))
	WantHist(t, rm, uint64(2*n), 0.25*float64(n), semconv.CacheOperationDuration.Name, hit...)
	WantHist(t, rm, uint64(n), 0.5*float64(n), semconv.CacheOperationDuration.Name, miss...)
	if shut {
		WantNone(t, rm, semconv.CacheOperations.Name, ctlCache...)
		return
	}
	metrictest.Want(t, rm, 3*n, semconv.CacheOperations.Name, hit...)
	metrictest.Want(t, rm, n, semconv.CacheOperations.Name, miss...)
	metrictest.Want(t, rm, 0.75, semconv.CacheHitRatio.Name, ctlCache...)
	metrictest.Want(t, rm, 0.75*(1-0.125/0.5), semconv.CacheEfficiency.Name, ctlCache...)
	metrictest.Want(t, rm, 3*n, semconv.CacheSets.Name, ctlCache...)
	metrictest.Want(t, rm, n, semconv.CacheEvictions.Name, ctlCache...)
	metrictest.Want(t, rm, int64(5), semconv.CacheSize.Name, ctlCache...)
}

// featureControl is the control feature. A round has one success of 250ms
// by alice, as a direct call, and one failure of 500ms by bob, as a batch
// operation. It leaves the clock alone.
type featureControl struct{ feature *feature.Feature }

func newFeatureControl(a *feature.Analytics, _ *clock.Fake) Control {
	return featureControl{a.Feature(feature.TypeAPIEndpoint, "control")}
}

func (c featureControl) Record() {
	ctx := context.Background()
	c.feature.Record(ctx, "alice", feature.PatternDirectCall, 250*time.Millisecond, true)
	c.feature.Record(ctx, "bob", feature.PatternBatchOperation, 500*time.Millisecond, false)
}

func (featureControl) Verify(t *testing.T, rm metricdata.ResourceMetrics, n int64, shut bool) {
	t.Helper()
	WantHist(t, rm, uint64(2*n), 0.75*float64(n), semconv.FeatureUseDuration.Name, ctlFeature...)
	if shut {
		WantNone(t, rm, semconv.FeatureUses.Name, ctlFeature...)
		return
	}
	use := func(pattern, outcome string) []attribute.KeyValue {
		return With(ctlFeature, semconv.FeaturePatternKey.String(pattern), semconv.FeatureOutcomeKey.String(outcome))
	}
	metrictest.Want(t, rm, n, semconv.FeatureUses.Name, use(feature.PatternDirectCall, semconv.FeatureOutcomeSuccess)...)
	metrictest.Want(t, rm, n, semconv.FeatureUses.Name, use(feature.PatternBatchOperation, semconv.FeatureOutcomeFailure)...)
	metrictest.Want(t, rm, int64(2), semconv.FeatureUsers.Name, ctlFeature...)
	metrictest.Want(t, rm, 0.5, semconv.FeatureSuccessRatio.Name, ctlFeature...)
}
