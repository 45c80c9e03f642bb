package benchmarks

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	promexporter "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/semconv"
)

// This file holds the collection groups: one collection of n pools, caches
// or features (BenchmarkCollectPools/n=1000/impl=vitals, n = 10, 1,000 and
// 10,000), and one Prometheus /metrics render of n = 1,000 of each
// (BenchmarkCollectRender/n=1000/impl=vitals). The rows:
//
//   - vitals: the tracker reporting through vitals.NewProducer, whose view
//     for one reader (Producer.ForReader) is on the reader, as vitals.Start
//     builds it.
//   - otel-sync: the raw OTel SDK with synchronous instruments recording
//     the same series (same names, units, attributes, bucket boundaries and
//     number of points) as the events happen; gauges are Int64Gauge and
//     Float64Gauge, recorded when their value changes, and the additive
//     values (cache sizes, live-age counts) UpDownCounters, added the
//     change. It is the baseline of the groups' ratios.
//   - otel-observable: the same series through observable instruments, one
//     registered callback reading atomics (the ages and the scores computed
//     before, so the callback only loads), and the durations in synchronous
//     histograms, since there are no observable ones.
//
// Every implementation runs the same script of its kind (poolScript,
// cacheScript, featureScript) on a fixed clock, so that they hold the same
// data: TestCollectImplsAgree compares their collections point by point,
// TestCollectRenderAgrees their /metrics pages byte by byte. The mirrors'
// meters carry the trackers' scope names, versions and schema URL for that.
//
// Every iteration records one event on one entity, rotating through them,
// before it collects: a tracker that was recorded into reads its state
// afresh at the next collection, as in a service with traffic, while an
// idle one reuses its last read for up to a second (core.DefaultStaleness)
// and a collection of it would measure almost nothing. The mirrors record
// the same event. After the loop each vitals row checks that every
// collection made a fresh read (core.Reads), and every row that its last
// collection holds exact totals: one more event counted per iteration.

// collectSizes are the numbers of pools, caches or features of the
// collection groups.
var collectSizes = []int{10, 1_000, 10_000}

// renderSize is the number of pools, caches and features of the render
// group.
const renderSize = 1_000

// The rows of the collection groups.
const (
	implVitals     = "vitals"
	implSync       = "otel-sync"
	implObservable = "otel-observable"
)

// collectEpoch is where the fixed clock of the collection groups starts.
// Its Unix nanoseconds, and the script's steps, are multiples of 2¹⁰, so
// that the ages vitals computes from them in float64 are exact.
var collectEpoch = time.Unix(1_700_000_000, 0)

// fixedClock is a clock that moves only when told to; it is safe for
// concurrent use (the connection tracker's expiry goroutine reads it).
type fixedClock struct{ ns atomic.Int64 }

func newFixedClock() *fixedClock {
	c := &fixedClock{}
	c.ns.Store(collectEpoch.UnixNano())
	return c
}

func (c *fixedClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

// at sets the clock to d after the epoch.
func (c *fixedClock) at(d time.Duration) { c.ns.Store(collectEpoch.Add(d).UnixNano()) }

// nanos returns the clock's reading in Unix nanoseconds.
func (c *fixedClock) nanos() int64 { return c.ns.Load() }

// tick is the unit of every duration the scripts record: 1/512 s
// (1,953,125 ns) is whole in nanoseconds and in binary float64 seconds, so
// that every sum of durations is exact in any order, in every
// implementation.
const tick = time.Second / 512

// eventDuration is the duration of the event of iteration k.
func eventDuration(k int) time.Duration { return time.Duration(1+k%8) * tick }

// eventTicks returns the sum, in ticks, of the durations of the first
// events events.
func eventTicks(events int) int {
	sum := 0
	for k := range events {
		sum += 1 + k%8
	}
	return sum
}

// collectPipeline is what an implementation records into: a MeterProvider
// configured as vitals.Start configures its own (exemplars off), with no
// cardinality limit (a mirror holds 13 series per pool in one instrument),
// and, for vitals, the producer its trackers report through.
type collectPipeline struct {
	mp       *sdkmetric.MeterProvider
	producer *vitals.Producer // nil for the mirrors
}

// newCollectPipeline returns a pipeline whose reader newReader makes, given
// the producer to put on it: for vitals, the producer's view for one reader
// (Producer.ForReader, which reuses its buffers, as the readers vitals.Start
// builds get), nil for the mirrors. The provider is shut down when tb
// ends, after the trackers built on it.
func newCollectPipeline(tb testing.TB, withProducer bool, newReader func(p sdkmetric.Producer) sdkmetric.Reader) collectPipeline {
	tb.Helper()
	var (
		p    *vitals.Producer
		view sdkmetric.Producer
	)
	if withProducer {
		p = vitals.NewProducer()
		view = p.ForReader()
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(newReader(view)),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
		sdkmetric.WithCardinalityLimit(0),
	)
	tb.Cleanup(func() {
		if err := mp.Shutdown(context.Background()); err != nil {
			tb.Errorf("shut down meter provider: %v", err)
		}
	})
	return collectPipeline{mp: mp, producer: p}
}

// manualPipeline returns a pipeline read by a ManualReader.
func manualPipeline(tb testing.TB, withProducer bool) (collectPipeline, *sdkmetric.ManualReader) {
	tb.Helper()
	var reader *sdkmetric.ManualReader
	pl := newCollectPipeline(tb, withProducer, func(p sdkmetric.Producer) sdkmetric.Reader {
		if p == nil {
			reader = sdkmetric.NewManualReader()
		} else {
			reader = sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
		}
		return reader
	})
	return pl, reader
}

// promPipeline returns a pipeline read by the OTel Prometheus exporter on
// a private Registry, and the /metrics handler of that registry.
func promPipeline(tb testing.TB, withProducer bool) (collectPipeline, http.Handler) {
	tb.Helper()
	reg := prometheus.NewRegistry()
	pl := newCollectPipeline(tb, withProducer, func(p sdkmetric.Producer) sdkmetric.Reader {
		opts := []promexporter.Option{promexporter.WithRegisterer(reg)}
		if p != nil {
			opts = append(opts, promexporter.WithProducer(p))
		}
		exp, err := promexporter.New(opts...)
		if err != nil {
			tb.Fatalf("prometheus exporter: %v", err)
		}
		return exp
	})
	return pl, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// meter returns the meter of a mirror, with the scope of the tracker it
// mirrors.
func (pl collectPipeline) meter(scope string) metric.Meter {
	return pl.mp.Meter(scope, metric.WithInstrumentationVersion(vitals.Version()), metric.WithSchemaURL(semconv.SchemaURL))
}

// collectKind is one kind of entity of the collection groups.
type collectKind struct {
	name  string // the group is BenchmarkCollect<name>
	scope string // the tracker's instrumentation scope
	impls []collectImpl
	// want is what a collection holds after the script and the first
	// events events.
	want func(n, events int) map[string]pointStat
}

// collectImpl is one row of a collection group. build makes the
// implementation in pl with n entities, runs the kind's script on it and
// returns the function that records event k.
type collectImpl struct {
	name  string
	build func(tb testing.TB, pl collectPipeline, clk *fixedClock, n int) (event func(k int))
}

func (k collectKind) impl(name string) collectImpl {
	i := slices.IndexFunc(k.impls, func(c collectImpl) bool { return c.name == name })
	return k.impls[i]
}

var collectKinds = []collectKind{
	{"Pools", conn.ScopeName, []collectImpl{
		{implVitals, buildVitalsPools},
		{implSync, func(tb testing.TB, pl collectPipeline, clk *fixedClock, n int) func(int) {
			return buildMirrorPools(tb, pl, clk, n, false)
		}},
		{implObservable, func(tb testing.TB, pl collectPipeline, clk *fixedClock, n int) func(int) {
			return buildMirrorPools(tb, pl, clk, n, true)
		}},
	}, wantPools},
	{"Caches", cache.ScopeName, []collectImpl{
		{implVitals, buildVitalsCaches},
		{implSync, func(tb testing.TB, pl collectPipeline, _ *fixedClock, n int) func(int) {
			return buildMirrorCaches(tb, pl, n, false)
		}},
		{implObservable, func(tb testing.TB, pl collectPipeline, _ *fixedClock, n int) func(int) {
			return buildMirrorCaches(tb, pl, n, true)
		}},
	}, wantCaches},
	{"Features", feature.ScopeName, []collectImpl{
		{implVitals, buildVitalsFeatures},
		{implSync, func(tb testing.TB, pl collectPipeline, _ *fixedClock, n int) func(int) {
			return buildMirrorFeatures(tb, pl, n, false)
		}},
		{implObservable, func(tb testing.TB, pl collectPipeline, _ *fixedClock, n int) func(int) {
			return buildMirrorFeatures(tb, pl, n, true)
		}},
	}, wantFeatures},
}

// BenchmarkCollectPools measures one collection of n connection pools.
func BenchmarkCollectPools(b *testing.B) { benchmarkCollect(b, collectKinds[0]) }

// BenchmarkCollectCaches measures one collection of n caches.
func BenchmarkCollectCaches(b *testing.B) { benchmarkCollect(b, collectKinds[1]) }

// BenchmarkCollectFeatures measures one collection of n features.
func BenchmarkCollectFeatures(b *testing.B) { benchmarkCollect(b, collectKinds[2]) }

// benchmarkCollect runs kind's rows at every size: each iteration records
// one event and makes one ManualReader collection. The entities are built
// once per row, before b.Loop, and collected once before it.
func benchmarkCollect(b *testing.B, kind collectKind) {
	for _, n := range collectSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			for _, impl := range kind.impls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					b.ReportAllocs()
					pl, reader := manualPipeline(b, impl.name == implVitals)
					event := impl.build(b, pl, newFixedClock(), n)
					ctx := context.Background()
					// One ResourceMetrics for every collection, as a
					// periodic reader reuses its own: the SDK then reuses
					// its data point slices.
					var rm metricdata.ResourceMetrics
					collect := func() {
						if err := reader.Collect(ctx, &rm); err != nil {
							b.Fatalf("collect: %v", err)
						}
					}
					// One collection before the loop, as a reader has made
					// before any in a running service: the loop measures
					// the steady state, with the reused buffers grown and
					// the series made.
					event(0)
					events := 1
					collect()
					reads := core.Reads(kind.scope)
					for b.Loop() {
						event(events)
						events++
						collect()
					}
					b.StopTimer()
					if impl.name == implVitals {
						if got, want := core.Reads(kind.scope)-reads, int64(events-1); got != want {
							b.Fatalf("%d collections made %d fresh reads", want, got)
						}
					}
					checkCollection(b, summarize(&rm), kind.want(n, events))
				})
			}
		})
	}
}

// BenchmarkCollectRender measures one Prometheus /metrics render of a
// service with renderSize pools, caches and features, through the OTel
// Prometheus exporter on a private Registry: the collection, the exporter's
// conversion and the text encoding. Each iteration first records one event
// of each kind.
func BenchmarkCollectRender(b *testing.B) {
	b.Run("n="+strconv.Itoa(renderSize), func(b *testing.B) {
		for _, impl := range []string{implVitals, implSync, implObservable} {
			b.Run("impl="+impl, func(b *testing.B) {
				b.ReportAllocs()
				pl, handler := promPipeline(b, impl == implVitals)
				event := buildService(b, pl, impl, renderSize)
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				// One render before the loop, as in benchmarkCollect.
				event(0)
				events := 1
				last := httptest.NewRecorder()
				handler.ServeHTTP(last, req)
				for b.Loop() {
					event(events)
					events++
					last = httptest.NewRecorder()
					handler.ServeHTTP(last, req)
				}
				b.StopTimer()
				checkRender(b, last, renderSize, events)
			})
		}
	})
}

// buildService builds implementation impl of every kind in pl, n entities
// each, on one clock, and returns the function that records event k of
// each kind.
func buildService(tb testing.TB, pl collectPipeline, impl string, n int) func(k int) {
	tb.Helper()
	clk := newFixedClock()
	var events []func(int)
	for _, kind := range collectKinds {
		events = append(events, kind.impl(impl).build(tb, pl, clk, n))
	}
	return func(k int) {
		for _, e := range events {
			e(k)
		}
	}
}

// keptAttrs are the options of one series, built once from its attribute
// set: the careful hand-written path of each instrument kind.
type keptAttrs struct {
	add []metric.AddOption
	rec []metric.RecordOption
	obs []metric.ObserveOption
}

func keep(kv ...attribute.KeyValue) keptAttrs {
	set := attribute.NewSet(kv...)
	return keptAttrs{
		add: []metric.AddOption{metric.WithAttributeSet(set)},
		rec: []metric.RecordOption{metric.WithAttributeSet(set)},
		obs: []metric.ObserveOption{metric.WithAttributeSet(set)},
	}
}

// must returns v, and panics on err: making a tracker or an instrument
// fails here only on a bug in this file, and the panic fails the test or
// benchmark with its stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Pools.

// connsPerPool is the number of connections the pools script opens in
// each pool.
const connsPerPool = 4

// poolWorld is an implementation of the pools script: c is the index of a
// connection within pool p.
type poolWorld interface {
	open(p, c int)
	use(p, c int)
	close(p, c int)
	// settle ends the script: what the implementation does before its
	// first collection.
	settle()
}

// poolScript opens, per pool, connections 0 and 1 at 0 s and 2 and 3 at
// 50 s; at 100 s it uses connection 1 twice and 3 once and closes 0 and 2.
// Each pool then holds two open connections, 100 s and 50 s old, with
// 4 created, 3 reused and 2 destroyed, and lifetimes of 100 s and 50 s. An
// event is a use of connection 1.
func poolScript(w poolWorld, clk *fixedClock, n int) func(k int) {
	clk.at(0)
	for p := range n {
		w.open(p, 0)
		w.open(p, 1)
	}
	clk.at(50 * time.Second)
	for p := range n {
		w.open(p, 2)
		w.open(p, 3)
	}
	clk.at(100 * time.Second)
	for p := range n {
		w.use(p, 1)
		w.use(p, 1)
		w.use(p, 3)
		w.close(p, 0)
		w.close(p, 2)
	}
	w.settle()
	return func(k int) { w.use(k%n, 1) }
}

// poolAges are the ages, in seconds, of the open connections of a pool
// after poolScript.
var poolAges = []float64{100, 50}

func wantPools(n, events int) map[string]pointStat {
	ageSum := float64(len(poolAges)) // the +Inf bound
	for _, b := range semconv.AgeBuckets() {
		for _, a := range poolAges {
			if a <= b {
				ageSum++
			}
		}
	}
	bounds := len(semconv.AgeBuckets()) + 1
	f := float64(n)
	return map[string]pointStat{
		"vitals.connection.count":            {n, 2 * f, 0},
		"vitals.connection.events/created":   {n, 4 * f, 0},
		"vitals.connection.events/reused":    {n, 3*f + float64(events), 0},
		"vitals.connection.events/destroyed": {n, 2 * f, 0},
		"vitals.connection.events/expired":   {n, 0, 0},
		"vitals.connection.age.distribution": {bounds * n, ageSum * f, 0},
		"vitals.connection.age.oldest":       {n, 100 * f, 0},
		"vitals.connection.age.mean":         {n, 75 * f, 0},
		"vitals.connection.health":           {n, f, 0},
		"vitals.connection.duration":         {n, 150 * f, 2 * uint64(n)},
	}
}

// vitalsPools is the pools script on a connection tracker.
type vitalsPools struct {
	tr    *conn.Tracker
	pools []*conn.Pool
	conns [][connsPerPool]*conn.Conn
}

func buildVitalsPools(tb testing.TB, pl collectPipeline, clk *fixedClock, n int) func(int) {
	tb.Helper()
	tr := must(conn.New(conn.WithMeterProvider(pl.mp), conn.WithProducer(pl.producer),
		conn.WithClock(clk.now), conn.WithMaxPools(n)))
	tb.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	w := &vitalsPools{tr: tr, pools: make([]*conn.Pool, n), conns: make([][connsPerPool]*conn.Conn, n)}
	for p := range n {
		w.pools[p] = tr.Pool("database", "pool-"+strconv.Itoa(p))
	}
	return poolScript(w, clk, n)
}

func (w *vitalsPools) open(p, c int)  { w.conns[p][c] = w.pools[p].Open() }
func (w *vitalsPools) use(p, c int)   { w.conns[p][c].Use() }
func (w *vitalsPools) close(p, c int) { w.conns[p][c].Close() }

// settle takes the first read, with the expiry pass that is due once the
// clock has moved by a minute, so that the loop measures the steady state.
func (w *vitalsPools) settle() { w.tr.Snapshot() }

// mirrorPools is the pools script on the raw SDK: synchronous instruments,
// or observable ones read by one callback.
type mirrorPools struct {
	clk        *fixedClock
	observable bool
	bounds     []int64 // age bounds in nanoseconds
	pools      []mirrorPool

	openConns metric.Int64UpDownCounter
	events    metric.Int64Counter
	ageDist   metric.Int64UpDownCounter
	oldest    metric.Float64Gauge
	mean      metric.Float64Gauge
	health    metric.Float64Gauge
	lifetime  metric.Float64Histogram // in both modes: there are no observable histograms

	oOpen    metric.Int64ObservableUpDownCounter
	oEvents  metric.Int64ObservableCounter
	oAgeDist metric.Int64ObservableUpDownCounter
	oOldest  metric.Float64ObservableGauge
	oMean    metric.Float64ObservableGauge
	oHealth  metric.Float64ObservableGauge
}

// mirrorPool is one pool of a mirror: the options of its series, built
// once, what it knows of its connections, and its state in atomics.
type mirrorPool struct {
	attrs   keptAttrs
	events  [4]keptAttrs // created, reused, destroyed, expired
	ages    []keptAttrs  // per age bound, then +Inf
	created [connsPerPool]int64
	closed  [connsPerPool]bool

	nOpen     atomic.Int64
	nEvents   [4]atomic.Int64
	ageCounts []atomic.Int64 // per age bound, then +Inf
	oldest    atomic.Uint64  // float64 bits, seconds
	mean      atomic.Uint64
	health    atomic.Uint64
}

func buildMirrorPools(tb testing.TB, pl collectPipeline, clk *fixedClock, n int, observable bool) func(int) {
	tb.Helper()
	meter := pl.meter(conn.ScopeName)
	w := &mirrorPools{clk: clk, observable: observable, pools: make([]mirrorPool, n)}
	w.lifetime = must(semconv.Float64Histogram{Metric: semconv.ConnectionDuration.Metric}.New(meter))
	if observable {
		w.oOpen = must(semconv.ConnectionCount.New(meter))
		w.oEvents = must(semconv.ConnectionEvents.New(meter))
		w.oAgeDist = must(semconv.ConnectionAgeDistribution.New(meter))
		w.oOldest = must(semconv.ConnectionAgeOldest.New(meter))
		w.oMean = must(semconv.ConnectionAgeMean.New(meter))
		w.oHealth = must(semconv.ConnectionHealth.New(meter))
		reg := must(meter.RegisterCallback(w.observe, w.oOpen, w.oEvents, w.oAgeDist, w.oOldest, w.oMean, w.oHealth))
		tb.Cleanup(func() { _ = reg.Unregister() })
	} else {
		w.openConns = must(semconv.Int64UpDownCounter{Metric: semconv.ConnectionCount.Metric}.New(meter))
		w.events = must(semconv.Int64Counter{Metric: semconv.ConnectionEvents.Metric}.New(meter))
		w.ageDist = must(semconv.Int64UpDownCounter{Metric: semconv.ConnectionAgeDistribution.Metric}.New(meter))
		w.oldest = must(newFloat64Gauge(meter, semconv.ConnectionAgeOldest.Metric))
		w.mean = must(newFloat64Gauge(meter, semconv.ConnectionAgeMean.Metric))
		w.health = must(newFloat64Gauge(meter, semconv.ConnectionHealth.Metric))
	}
	var labels []string
	for _, b := range semconv.AgeBuckets() {
		w.bounds = append(w.bounds, int64(b*float64(time.Second)))
		labels = append(labels, strconv.FormatFloat(b, 'f', -1, 64))
	}
	labels = append(labels, "+Inf")
	for i := range w.pools {
		p := &w.pools[i]
		typ, name := semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolNameKey.String("pool-"+strconv.Itoa(i))
		p.attrs = keep(typ, name)
		for e, ev := range []string{
			semconv.ConnectionEventCreated, semconv.ConnectionEventReused,
			semconv.ConnectionEventDestroyed, semconv.ConnectionEventExpired,
		} {
			p.events[e] = keep(typ, name, semconv.ConnectionEventKey.String(ev))
		}
		for _, l := range labels {
			p.ages = append(p.ages, keep(typ, name, semconv.ConnectionAgeBoundKey.String(l)))
		}
		p.ageCounts = make([]atomic.Int64, len(labels))
	}
	return poolScript(w, clk, n)
}

func newFloat64Gauge(meter metric.Meter, m semconv.Metric) (metric.Float64Gauge, error) {
	return meter.Float64Gauge(m.Name, metric.WithUnit(m.Unit), metric.WithDescription(m.Description))
}

// The indexes of the connection events.
const (
	evCreated = iota
	evReused
	evDestroyed
	evExpired
)

func (w *mirrorPools) event(p *mirrorPool, e int) {
	p.nEvents[e].Add(1)
	if !w.observable {
		w.events.Add(context.Background(), 1, p.events[e].add...)
	}
}

func (w *mirrorPools) open(i, c int) {
	p := &w.pools[i]
	p.created[c] = w.clk.nanos()
	p.nOpen.Add(1)
	if !w.observable {
		w.openConns.Add(context.Background(), 1, p.attrs.add...)
	}
	w.event(p, evCreated)
}

func (w *mirrorPools) use(i, _ int) { w.event(&w.pools[i], evReused) }

func (w *mirrorPools) close(i, c int) {
	ctx := context.Background()
	p := &w.pools[i]
	p.closed[c] = true
	w.lifetime.Record(ctx, float64(w.clk.nanos()-p.created[c])/1e9, p.attrs.rec...)
	p.nOpen.Add(-1)
	if !w.observable {
		w.openConns.Add(ctx, -1, p.attrs.add...)
	}
	w.event(p, evDestroyed)
}

// settle computes each pool's ages and health at the clock's time, which
// the loop does not move: the sync mirror records them once, in gauges,
// and the observable mirror keeps them for its callback. The sync mirror
// also makes the series of the expired event, which vitals reports at 0.
func (w *mirrorPools) settle() {
	ctx := context.Background()
	now := w.clk.nanos()
	for i := range w.pools {
		p := &w.pools[i]
		var open, young, sum, oldest int64
		counts := make([]int64, len(p.ages))
		for c := range connsPerPool {
			if p.closed[c] {
				continue
			}
			age := now - p.created[c]
			open++
			sum += age
			oldest = max(oldest, age)
			if age <= int64(conn.DefaultMaxAge) {
				young++
			}
			for b, bound := range w.bounds {
				if age <= bound {
					counts[b]++
				}
			}
		}
		counts[len(counts)-1] = open
		mean := 0.0
		if open > 0 {
			mean = float64(sum) / float64(open) / 1e9
		}
		health := 1.0
		if open > 0 {
			health *= 1 - float64(open-young)/float64(open)
		}
		expired, destroyed := p.nEvents[evExpired].Load(), p.nEvents[evDestroyed].Load()
		if ended := expired + destroyed; ended > 0 {
			health *= 1 - float64(expired)/float64(ended)
		}
		if w.observable {
			for b, v := range counts {
				p.ageCounts[b].Store(v)
			}
			p.oldest.Store(math.Float64bits(float64(oldest) / 1e9))
			p.mean.Store(math.Float64bits(mean))
			p.health.Store(math.Float64bits(health))
			continue
		}
		w.events.Add(ctx, 0, p.events[evExpired].add...)
		for b, v := range counts { // an UpDownCounter: add the change since the last pass
			w.ageDist.Add(ctx, v-p.ageCounts[b].Swap(v), p.ages[b].add...)
		}
		w.oldest.Record(ctx, float64(oldest)/1e9, p.attrs.rec...)
		w.mean.Record(ctx, mean, p.attrs.rec...)
		w.health.Record(ctx, health, p.attrs.rec...)
	}
}

// observe is the observable mirror's one callback.
func (w *mirrorPools) observe(_ context.Context, o metric.Observer) error {
	for i := range w.pools {
		p := &w.pools[i]
		o.ObserveInt64(w.oOpen, p.nOpen.Load(), p.attrs.obs...)
		for e := range p.nEvents {
			o.ObserveInt64(w.oEvents, p.nEvents[e].Load(), p.events[e].obs...)
		}
		for b := range p.ageCounts {
			o.ObserveInt64(w.oAgeDist, p.ageCounts[b].Load(), p.ages[b].obs...)
		}
		o.ObserveFloat64(w.oOldest, math.Float64frombits(p.oldest.Load()), p.attrs.obs...)
		o.ObserveFloat64(w.oMean, math.Float64frombits(p.mean.Load()), p.attrs.obs...)
		o.ObserveFloat64(w.oHealth, math.Float64frombits(p.health.Load()), p.attrs.obs...)
	}
	return nil
}

// Caches.

// cacheWorld is an implementation of the caches script.
type cacheWorld interface {
	hit(c int, d time.Duration)
	miss(c int, d time.Duration)
	set(c, n int)
	size(c, n int)
	settle()
}

// cacheScript records, per cache, six hits of 1 to 6 ticks, two misses
// (their fills included) of 16 and 24 ticks, two entries set and a size of
// 100 to 149. An event is a hit on cache k%n taking eventDuration(k).
func cacheScript(w cacheWorld, n int) func(k int) {
	for c := range n {
		for j := 1; j <= 6; j++ {
			w.hit(c, time.Duration(j)*tick)
		}
		w.miss(c, 16*tick)
		w.miss(c, 24*tick)
		w.set(c, 2)
		w.size(c, cacheSize(c))
	}
	w.settle()
	return func(k int) { w.hit(k%n, eventDuration(k)) }
}

func cacheSize(c int) int { return 100 + c%50 }

func wantCaches(n, events int) map[string]pointStat {
	f := float64(n)
	sizes := 0
	for c := range n {
		sizes += cacheSize(c)
	}
	return map[string]pointStat{
		"vitals.cache.operations/hit":          {n, 6*f + float64(events), 0},
		"vitals.cache.operations/miss":         {n, 2 * f, 0},
		"vitals.cache.operation.duration/hit":  {n, (21*f + float64(eventTicks(events))) / 512, uint64(6*n + events)},
		"vitals.cache.operation.duration/miss": {n, 40 * f / 512, uint64(2 * n)},
		"vitals.cache.hit_ratio":               {n, math.NaN(), 0},
		"vitals.cache.efficiency":              {n, math.NaN(), 0},
		"vitals.cache.sets":                    {n, 2 * f, 0},
		"vitals.cache.size":                    {n, float64(sizes), 0},
	}
}

// vitalsCaches is the caches script on a cache monitor.
type vitalsCaches struct {
	m      *cache.Monitor
	caches []*cache.Cache
}

func buildVitalsCaches(tb testing.TB, pl collectPipeline, clk *fixedClock, n int) func(int) {
	tb.Helper()
	m := must(cache.New(cache.WithMeterProvider(pl.mp), cache.WithProducer(pl.producer),
		cache.WithClock(clk.now), cache.WithMaxCaches(n)))
	tb.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	w := &vitalsCaches{m: m, caches: make([]*cache.Cache, n)}
	for c := range n {
		w.caches[c] = m.Cache(cache.TypeApplication, "cache-"+strconv.Itoa(c))
	}
	return cacheScript(w, n)
}

func (w *vitalsCaches) hit(c int, d time.Duration)  { w.caches[c].Hit(d) }
func (w *vitalsCaches) miss(c int, d time.Duration) { w.caches[c].Miss(d) }
func (w *vitalsCaches) set(c, n int)                { w.caches[c].Set(n) }
func (w *vitalsCaches) size(c, n int)               { w.caches[c].SetSize(n) }
func (w *vitalsCaches) settle()                     { w.m.Snapshot() }

// mirrorCaches is the caches script on the raw SDK.
type mirrorCaches struct {
	observable bool
	caches     []mirrorCache

	ops      metric.Int64Counter
	hitRatio metric.Float64Gauge
	eff      metric.Float64Gauge
	sets     metric.Int64Counter
	sizes    metric.Int64UpDownCounter
	duration metric.Float64Histogram // in both modes

	oOps      metric.Int64ObservableCounter
	oHitRatio metric.Float64ObservableGauge
	oEff      metric.Float64ObservableGauge
	oSets     metric.Int64ObservableCounter
	oSize     metric.Int64ObservableUpDownCounter
}

// mirrorCache is one cache of a mirror: its series' options and its
// counts.
type mirrorCache struct {
	attrs, hitAttrs, missAttrs keptAttrs

	hits, misses, hitNanos, missNanos atomic.Int64
	sets, size                        atomic.Int64
	sized                             atomic.Bool
}

func buildMirrorCaches(tb testing.TB, pl collectPipeline, n int, observable bool) func(int) {
	tb.Helper()
	meter := pl.meter(cache.ScopeName)
	w := &mirrorCaches{observable: observable, caches: make([]mirrorCache, n)}
	w.duration = must(semconv.CacheOperationDuration.New(meter))
	if observable {
		w.oOps = must(semconv.CacheOperations.New(meter))
		w.oHitRatio = must(semconv.CacheHitRatio.New(meter))
		w.oEff = must(semconv.CacheEfficiency.New(meter))
		w.oSets = must(semconv.CacheSets.New(meter))
		w.oSize = must(semconv.CacheSize.New(meter))
		reg := must(meter.RegisterCallback(w.observe, w.oOps, w.oHitRatio, w.oEff, w.oSets, w.oSize))
		tb.Cleanup(func() { _ = reg.Unregister() })
	} else {
		w.ops = must(semconv.Int64Counter{Metric: semconv.CacheOperations.Metric}.New(meter))
		w.hitRatio = must(newFloat64Gauge(meter, semconv.CacheHitRatio.Metric))
		w.eff = must(newFloat64Gauge(meter, semconv.CacheEfficiency.Metric))
		w.sets = must(semconv.Int64Counter{Metric: semconv.CacheSets.Metric}.New(meter))
		w.sizes = must(semconv.Int64UpDownCounter{Metric: semconv.CacheSize.Metric}.New(meter))
	}
	for i := range w.caches {
		c := &w.caches[i]
		typ, name := semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("cache-"+strconv.Itoa(i))
		c.attrs = keep(typ, name)
		c.hitAttrs = keep(typ, name, semconv.CacheResultKey.String(semconv.CacheResultHit))
		c.missAttrs = keep(typ, name, semconv.CacheResultKey.String(semconv.CacheResultMiss))
	}
	return cacheScript(w, n)
}

// ratios returns the cache's hit ratio and efficiency as package cache
// defines them: every lookup is within the window on the fixed clock, and
// every one is timed.
func (c *mirrorCache) ratios() (hitRatio, efficiency float64) {
	hits, misses := c.hits.Load(), c.misses.Load()
	if hits+misses > 0 {
		hitRatio = float64(hits) / float64(hits+misses)
	}
	speed := 1.0
	if hits > 0 && misses > 0 {
		meanHit := float64(c.hitNanos.Load()) / float64(hits)
		meanMiss := float64(c.missNanos.Load()) / float64(misses)
		if meanMiss > meanHit {
			speed = math.Min(1-meanHit/meanMiss, 1)
		}
	}
	return hitRatio, hitRatio * speed
}

// lookup records a hit or a miss that took d.
func (w *mirrorCaches) lookup(i int, d time.Duration, hit bool) {
	ctx := context.Background()
	c := &w.caches[i]
	a := &c.missAttrs
	if hit {
		a = &c.hitAttrs
		c.hits.Add(1)
		c.hitNanos.Add(int64(d))
	} else {
		c.misses.Add(1)
		c.missNanos.Add(int64(d))
	}
	w.duration.Record(ctx, d.Seconds(), a.rec...)
	if !w.observable {
		w.ops.Add(ctx, 1, a.add...)
		r, e := c.ratios()
		w.hitRatio.Record(ctx, r, c.attrs.rec...)
		w.eff.Record(ctx, e, c.attrs.rec...)
	}
}

func (w *mirrorCaches) hit(c int, d time.Duration)  { w.lookup(c, d, true) }
func (w *mirrorCaches) miss(c int, d time.Duration) { w.lookup(c, d, false) }

func (w *mirrorCaches) set(i, n int) {
	c := &w.caches[i]
	c.sets.Add(int64(n))
	if !w.observable {
		w.sets.Add(context.Background(), int64(n), c.attrs.add...)
	}
}

func (w *mirrorCaches) size(i, n int) {
	c := &w.caches[i]
	last := c.size.Swap(int64(n))
	c.sized.Store(true)
	if !w.observable { // an UpDownCounter: add the change
		w.sizes.Add(context.Background(), int64(n)-last, c.attrs.add...)
	}
}

func (w *mirrorCaches) settle() {}

// observe is the observable mirror's one callback: what package cache
// reports, under the same conditions.
func (w *mirrorCaches) observe(_ context.Context, o metric.Observer) error {
	for i := range w.caches {
		c := &w.caches[i]
		o.ObserveInt64(w.oOps, c.hits.Load(), c.hitAttrs.obs...)
		o.ObserveInt64(w.oOps, c.misses.Load(), c.missAttrs.obs...)
		if c.hits.Load()+c.misses.Load() > 0 {
			r, e := c.ratios()
			o.ObserveFloat64(w.oHitRatio, r, c.attrs.obs...)
			o.ObserveFloat64(w.oEff, e, c.attrs.obs...)
		}
		if n := c.sets.Load(); n > 0 {
			o.ObserveInt64(w.oSets, n, c.attrs.obs...)
		}
		if c.sized.Load() {
			o.ObserveInt64(w.oSize, c.size.Load(), c.attrs.obs...)
		}
	}
	return nil
}

// Features.

// featureWorld is an implementation of the features script: u indexes
// the users table.
type featureWorld interface {
	record(f, u int, d time.Duration, success bool)
	settle()
}

// usersPerFeature is the number of distinct users of each feature.
const usersPerFeature = 5

// featureUser returns the user of use j of feature f.
func featureUser(f, j int) int { return (f*usersPerFeature + j%usersPerFeature) % len(users) }

// featureScript records, per feature, eight direct calls by its five
// users, of 2 to 9 ticks, the last one failed. An event is a successful
// use of feature k%n by one of its users, taking eventDuration(k).
func featureScript(w featureWorld, n int) func(k int) {
	for f := range n {
		for j := range 8 {
			w.record(f, featureUser(f, j), time.Duration(2+j)*tick, j != 7)
		}
	}
	w.settle()
	return func(k int) {
		f := k % n
		w.record(f, featureUser(f, k), eventDuration(k), true)
	}
}

func wantFeatures(n, events int) map[string]pointStat {
	f := float64(n)
	return map[string]pointStat{
		"vitals.feature.uses/success":  {n, 7*f + float64(events), 0},
		"vitals.feature.uses/failure":  {n, f, 0},
		"vitals.feature.use.duration":  {n, (44*f + float64(eventTicks(events))) / 512, uint64(8*n + events)},
		"vitals.feature.users":         {n, usersPerFeature * f, 0},
		"vitals.feature.success_ratio": {n, math.NaN(), 0},
	}
}

// vitalsFeatures is the features script on feature analytics.
type vitalsFeatures struct {
	a        *feature.Analytics
	features []*feature.Feature
}

func buildVitalsFeatures(tb testing.TB, pl collectPipeline, clk *fixedClock, n int) func(int) {
	tb.Helper()
	a := must(feature.New(feature.WithMeterProvider(pl.mp), feature.WithProducer(pl.producer),
		feature.WithClock(clk.now), feature.WithMaxFeatures(n)))
	tb.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	w := &vitalsFeatures{a: a, features: make([]*feature.Feature, n)}
	for f := range n {
		w.features[f] = a.Feature(feature.TypeAPIEndpoint, "/f"+strconv.Itoa(f))
	}
	return featureScript(w, n)
}

func (w *vitalsFeatures) record(f, u int, d time.Duration, success bool) {
	w.features[f].Record(context.Background(), users[u], feature.PatternDirectCall, d, success)
}

func (w *vitalsFeatures) settle() { w.a.Snapshot() }

// mirrorFeatures is the features script on the raw SDK.
type mirrorFeatures struct {
	observable bool
	features   []mirrorFeature

	usage    metric.Int64Counter
	users    metric.Int64Gauge
	ratio    metric.Float64Gauge
	duration metric.Float64Histogram // in both modes

	oUsage metric.Int64ObservableCounter
	oUsers metric.Int64ObservableGauge
	oRatio metric.Float64ObservableGauge
}

// mirrorFeature is one feature of a mirror: its series' options, its
// counts, and the users it has seen, to count them exactly.
type mirrorFeature struct {
	attrs   keptAttrs
	outcome [2]keptAttrs // success, failure (direct calls)

	uses     [2]atomic.Int64 // by outcome
	distinct atomic.Int64
	seen     []int
}

func buildMirrorFeatures(tb testing.TB, pl collectPipeline, n int, observable bool) func(int) {
	tb.Helper()
	meter := pl.meter(feature.ScopeName)
	w := &mirrorFeatures{observable: observable, features: make([]mirrorFeature, n)}
	w.duration = must(semconv.FeatureUseDuration.New(meter))
	if observable {
		w.oUsage = must(semconv.FeatureUses.New(meter))
		w.oUsers = must(semconv.FeatureUsers.New(meter))
		w.oRatio = must(semconv.FeatureSuccessRatio.New(meter))
		reg := must(meter.RegisterCallback(w.observe, w.oUsage, w.oUsers, w.oRatio))
		tb.Cleanup(func() { _ = reg.Unregister() })
	} else {
		w.usage = must(semconv.Int64Counter{Metric: semconv.FeatureUses.Metric}.New(meter))
		w.users = must(meter.Int64Gauge(semconv.FeatureUsers.Name,
			metric.WithUnit(semconv.FeatureUsers.Unit), metric.WithDescription(semconv.FeatureUsers.Description)))
		w.ratio = must(newFloat64Gauge(meter, semconv.FeatureSuccessRatio.Metric))
	}
	pattern := semconv.FeaturePatternKey.String(feature.PatternDirectCall)
	for i := range w.features {
		f := &w.features[i]
		typ, name := semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("/f"+strconv.Itoa(i))
		f.attrs = keep(typ, name)
		f.outcome[0] = keep(typ, name, pattern, semconv.FeatureOutcomeKey.String(semconv.FeatureOutcomeSuccess))
		f.outcome[1] = keep(typ, name, pattern, semconv.FeatureOutcomeKey.String(semconv.FeatureOutcomeFailure))
		f.seen = make([]int, 0, usersPerFeature)
	}
	return featureScript(w, n)
}

// successRatio returns the feature's successful uses over its uses: all of
// them are within the window on the fixed clock.
func (f *mirrorFeature) successRatio() float64 {
	ok, failed := f.uses[0].Load(), f.uses[1].Load()
	if ok+failed == 0 {
		return 0
	}
	return float64(ok) / float64(ok+failed)
}

func (w *mirrorFeatures) record(i, u int, d time.Duration, success bool) {
	ctx := context.Background()
	f := &w.features[i]
	o := 0
	if !success {
		o = 1
	}
	f.uses[o].Add(1)
	if !slices.Contains(f.seen, u) {
		f.seen = append(f.seen, u)
		f.distinct.Add(1)
	}
	w.duration.Record(ctx, d.Seconds(), f.attrs.rec...)
	if !w.observable {
		w.usage.Add(ctx, 1, f.outcome[o].add...)
		w.users.Record(ctx, f.distinct.Load(), f.attrs.rec...)
		w.ratio.Record(ctx, f.successRatio(), f.attrs.rec...)
	}
}

func (w *mirrorFeatures) settle() {}

// observe is the observable mirror's one callback.
func (w *mirrorFeatures) observe(_ context.Context, o metric.Observer) error {
	for i := range w.features {
		f := &w.features[i]
		for out := range f.uses {
			if n := f.uses[out].Load(); n > 0 {
				o.ObserveInt64(w.oUsage, n, f.outcome[out].obs...)
			}
		}
		if f.uses[0].Load()+f.uses[1].Load() > 0 {
			o.ObserveInt64(w.oUsers, f.distinct.Load(), f.attrs.obs...)
			o.ObserveFloat64(w.oRatio, f.successRatio(), f.attrs.obs...)
		}
	}
	return nil
}

// Checks.

// pointStat sums up the points of one metric, or of the points of one
// value of its split attribute (splitBy): how many, the sum of their
// values (of their sums, for a histogram; NaN in a want: not checked), and
// for a histogram the sum of their counts.
type pointStat struct {
	points int
	sum    float64
	count  uint64
}

// splitBy names the attribute whose values summarize keeps apart, by
// metric.
var splitBy = map[string]attribute.Key{
	semconv.ConnectionEvents.Name:       semconv.ConnectionEventKey,
	semconv.CacheOperations.Name:        semconv.CacheResultKey,
	semconv.CacheOperationDuration.Name: semconv.CacheResultKey,
	semconv.FeatureUses.Name:            semconv.FeatureOutcomeKey,
}

// summarize returns the pointStat of every metric of rm, keyed by name,
// and by name/value for the metrics of splitBy.
func summarize(rm *metricdata.ResourceMetrics) map[string]pointStat {
	out := map[string]pointStat{}
	add := func(name string, attrs attribute.Set, v float64, count uint64) {
		key := name
		if k, ok := splitBy[name]; ok {
			val, _ := attrs.Value(k)
			key += "/" + val.AsString()
		}
		s := out[key]
		s.points++
		s.sum += v
		s.count += count
		out[key] = s
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, float64(p.Value), 0)
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, p.Value, 0)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, float64(p.Value), 0)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, p.Value, 0)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, p.Sum, p.Count)
				}
			default:
				out[m.Name+"/unexpected-type"] = pointStat{}
			}
		}
	}
	return out
}

// checkCollection fails tb unless got and want hold the same keys and
// stats, sums marked NaN in want aside.
func checkCollection(tb testing.TB, got, want map[string]pointStat) {
	tb.Helper()
	for key, w := range want {
		g, ok := got[key]
		switch {
		case !ok:
			tb.Errorf("%s: not collected", key)
		case g.points != w.points || g.count != w.count || !math.IsNaN(w.sum) && g.sum != w.sum:
			tb.Errorf("%s: %d points, sum %v, count %d; want %d, %v, %d", key, g.points, g.sum, g.count, w.points, w.sum, w.count)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			tb.Errorf("%s: collected, not expected", key)
		}
	}
	if tb.Failed() {
		tb.FailNow()
	}
}

// renderSums returns, per metric family of a Prometheus text page, its
// number of sample lines and the sum of their values.
func renderSums(page string) map[string]pointStat {
	out := map[string]pointStat{}
	for line := range strings.Lines(page) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		sp := strings.LastIndexByte(line, ' ')
		if end < 0 || sp < 0 {
			out["malformed"] = pointStat{}
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			out["malformed"] = pointStat{}
			continue
		}
		s := out[line[:end]]
		s.points++
		s.sum += v
		out[line[:end]] = s
	}
	return out
}

// checkRender fails tb unless rec holds a /metrics page with the counts of
// a service of n pools, caches and features after the scripts and events
// events of each kind.
func checkRender(tb testing.TB, rec *httptest.ResponseRecorder, n, events int) {
	tb.Helper()
	if rec.Code != http.StatusOK {
		tb.Fatalf("/metrics: status %d", rec.Code)
	}
	got := renderSums(rec.Body.String())
	f := float64(n)
	for family, want := range map[string]pointStat{
		"vitals_connection_events_total": {4 * n, 9*f + float64(events), 0},
		"vitals_cache_operations_total":  {2 * n, 8*f + float64(events), 0},
		"vitals_feature_uses_total":      {2 * n, 8*f + float64(events), 0},
		"vitals_connection_count":        {n, 2 * f, 0},
		"vitals_cache_size":              {n, math.NaN(), 0},
		"vitals_feature_users":           {n, usersPerFeature * f, 0},
	} {
		g := got[family]
		if g.points != want.points || !math.IsNaN(want.sum) && g.sum != want.sum {
			tb.Errorf("%s: %d samples summing to %v, want %d summing to %v", family, g.points, g.sum, want.points, want.sum)
		}
	}
	if _, ok := got["malformed"]; ok {
		tb.Error("malformed sample lines")
	}
	if tb.Failed() {
		tb.FailNow()
	}
}

// TestCollectImplsAgree checks that the three implementations of each kind
// hold the same data after the same script and events: the same metrics,
// with the same points, attributes and values, in the same scope.
func TestCollectImplsAgree(t *testing.T) {
	const n, events = 10, 25
	ctx := context.Background()
	for _, kind := range collectKinds {
		t.Run(kind.name, func(t *testing.T) {
			collect := func(impl collectImpl) metricdata.ScopeMetrics {
				pl, reader := manualPipeline(t, impl.name == implVitals)
				event := impl.build(t, pl, newFixedClock(), n)
				for k := range events {
					event(k)
				}
				var rm metricdata.ResourceMetrics
				if err := reader.Collect(ctx, &rm); err != nil {
					t.Fatal(err)
				}
				checkCollection(t, summarize(&rm), kind.want(n, events))
				if len(rm.ScopeMetrics) != 1 {
					t.Fatalf("%s: %d scopes, want 1", impl.name, len(rm.ScopeMetrics))
				}
				return rm.ScopeMetrics[0]
			}
			want := collect(kind.impl(implVitals))
			for _, name := range []string{implSync, implObservable} {
				got := collect(kind.impl(name))
				if !metricdatatest.AssertEqual(t, want, got, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()) {
					t.Errorf("%s differs from vitals", name)
				}
			}
		})
	}
}

// TestCollectRenderAgrees checks that the /metrics pages of the render
// group's three implementations are the same, byte for byte.
func TestCollectRenderAgrees(t *testing.T) {
	const n, events = 10, 25
	render := func(impl string) string {
		pl, handler := promPipeline(t, impl == implVitals)
		event := buildService(t, pl, impl, n)
		for k := range events {
			event(k)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		checkRender(t, rec, n, events)
		return rec.Body.String()
	}
	want := render(implVitals)
	for _, impl := range []string{implSync, implObservable} {
		got := render(impl)
		if got == want {
			continue
		}
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s: line %d of /metrics:\n%s\nvitals:\n%s", impl, i+1, g, w)
				break
			}
		}
	}
}
