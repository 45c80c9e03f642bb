package vitals_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel"
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
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// badCase is one bad input: the call that makes it, and what the
// documentation says comes of it.
type badCase struct {
	name   string
	api    string // the API called
	input  string // the bad input, for people
	result string // the documented outcome, for people
	// call makes the bad call on the case's rig and returns the error the
	// API returned (nil for APIs without one). It may check more itself.
	call func(t *testing.T, r *badRig) error
	// want is the error call must return, matched with errors.Is; nil means
	// none. With orNil, nil is accepted too: a context already done races
	// the wait it cuts short.
	want  error
	orNil bool
	// counts is what vitals.input.rejected must hold afterwards, exactly,
	// by "signal/reason"; nil means nothing counted.
	counts map[string]int64
	// check makes further checks on the collection taken after the call and
	// the second round of control traffic.
	check func(t *testing.T, r *badRig, rm metricdata.ResourceMetrics)
}

// TestBadInput runs every bad input of badCases on a fresh rig: the four
// trackers on one fake clock, recording into their own ManualReader, with
// one control series each fed known traffic before and after the bad call.
// Each case must not panic, must return its documented error or count its
// documented no-op exactly (and count nothing else), and must leave every
// control series exact.
func TestBadInput(t *testing.T) {
	cases := badCases()
	if len(cases) < 40 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			r := newBadRig(t)
			r.control()
			err := badNoPanic(t, func() error { return tc.call(t, r) })
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != nil && !errors.Is(err, tc.want) && !(tc.orNil && err == nil):
				t.Errorf("error %v, want %v", err, tc.want)
			}
			badNoPanic(t, func() error { r.control(); return nil })
			rm := r.reader.Collect()
			r.verifyControl(t, rm)
			if got := badRejected(rm); !badCountsEqual(got, tc.counts) {
				t.Errorf("%s = %v, want %v", semconv.InputRejected.Name, got, tc.counts)
			}
			if tc.check != nil {
				tc.check(t, r, rm)
			}
		})
	}
	if testing.Verbose() {
		t.Log("\n" + badTable(cases))
	}
}

// badNoPanic runs f, failing t if it panics.
func badNoPanic(t *testing.T, f func() error) error {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return f()
}

// badTable renders the cases as a Markdown table.
func badTable(cases []badCase) string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| case | API | input | result |\n|---|---|---|---|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(c.name), cell(c.api), cell(c.input), cell(c.result))
	}
	return b.String()
}

// Signals of the rig's trackers.
const (
	badConn = iota
	badQueue
	badCache
	badFeature
)

// badT0 is where the rig's fake clock starts.
var badT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Attributes of the control series.
var (
	badCtlConn    = []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolKey.String("control")}
	badCtlQueue   = []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("control")}
	badCtlCache   = []attribute.KeyValue{semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("control")}
	badCtlFeature = []attribute.KeyValue{semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("control")}
)

// badRig is the world of one case.
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
	rounds [4]int          // control rounds recorded while each tracker was open
	closed [4]bool         // trackers the case closed
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{t: t, clock: clock.NewFake(badT0), reader: metrictest.NewReader(t, false)}
	mp, now := r.reader.Provider, r.clock.Now
	var err error
	r.conns, err = conn.New(conn.WithMeterProvider(mp), conn.WithClock(now))
	badFatal(t, err)
	t.Cleanup(func() { _ = r.conns.Close() })
	r.queues, err = queue.New(queue.WithMeterProvider(mp), queue.WithClock(now))
	badFatal(t, err)
	t.Cleanup(func() { _ = r.queues.Shutdown(context.Background()) })
	r.caches, err = cache.New(cache.WithMeterProvider(mp), cache.WithClock(now))
	badFatal(t, err)
	t.Cleanup(func() { _ = r.caches.Close() })
	r.features, err = feature.New(feature.WithMeterProvider(mp), feature.WithClock(now))
	badFatal(t, err)
	t.Cleanup(func() { _ = r.features.Close() })

	r.pool = r.conns.Pool("database", "control")
	r.queue = r.queues.Queue(queue.TypeHTTP, "control", 10)
	r.cache = r.caches.Cache(cache.TypeApplication, "control")
	r.feature = r.features.Feature(feature.TypeAPIEndpoint, "control")
	return r
}

func badFatal(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// control records one round of known traffic on every control series. It
// moves the clock 1.5s.
func (r *badRig) control() {
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
	for i, closed := range r.closed {
		if !closed {
			r.rounds[i]++
		}
	}
}

// closeConns, closeQueues, closeCaches and closeFeatures close one tracker
// of the rig, returning the second close's result.
func (r *badRig) closeConns() error {
	r.closed[badConn] = true
	badFatal(r.t, r.conns.Close())
	return r.conns.Close()
}

func (r *badRig) closeQueues(ctx context.Context) error {
	r.closed[badQueue] = true
	err := r.queues.Shutdown(ctx)
	if again := r.queues.Shutdown(ctx); again != nil {
		r.t.Errorf("second Shutdown: %v", again)
	}
	return err
}

func (r *badRig) closeCaches() error {
	r.closed[badCache] = true
	badFatal(r.t, r.caches.Close())
	return r.caches.Close()
}

func (r *badRig) closeFeatures() error {
	r.closed[badFeature] = true
	badFatal(r.t, r.features.Close())
	return r.features.Close()
}

// verifyControl checks every control series against the traffic of the
// rounds recorded. A closed tracker reports no observable series any more,
// and its histograms keep what was recorded before the close.
func (r *badRig) verifyControl(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	with := func(base []attribute.KeyValue, kv ...attribute.KeyValue) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), base...), kv...)
	}

	n := int64(r.rounds[badConn])
	event := func(e string) []attribute.KeyValue { return with(badCtlConn, semconv.ConnectionEventKey.String(e)) }
	badWantHist(t, rm, uint64(n), float64(n), semconv.ConnectionLifetime.Name, badCtlConn...)
	if r.closed[badConn] {
		badWantNone(t, rm, semconv.ConnectionEvents.Name, badCtlConn...)
		badWantNone(t, rm, semconv.ConnectionOpen.Name, badCtlConn...)
	} else {
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
	}

	n = int64(r.rounds[badQueue])
	badWantHist(t, rm, uint64(n), float64(4*n), semconv.QueueDepthSampled.Name, badCtlQueue...)
	badWantHist(t, rm, uint64(n), 0.5*float64(n), semconv.QueueWaitTime.Name, badCtlQueue...)
	if r.closed[badQueue] {
		badWantNone(t, rm, semconv.QueueDepth.Name, badCtlQueue...)
	} else {
		metrictest.Want(t, rm, int64(4), semconv.QueueDepth.Name, badCtlQueue...)
		metrictest.Want(t, rm, int64(10), semconv.QueueCapacity.Name, badCtlQueue...)
		metrictest.Want(t, rm, 0.4, semconv.QueueUtilization.Name, badCtlQueue...)
		metrictest.Want(t, rm, int64(4), semconv.QueueDepthMax.Name, badCtlQueue...)
		metrictest.Want(t, rm, int64(0), semconv.QueueOverflows.Name, badCtlQueue...)
		metrictest.Want(t, rm, 0.0, semconv.QueueOverflowTime.Name, badCtlQueue...)
		metrictest.Want(t, rm, n, semconv.QueueRejected.Name, badCtlQueue...)
	}

	n = int64(r.rounds[badCache])
	hit := with(badCtlCache, semconv.CacheResultKey.String(semconv.CacheResultHit))
	miss := with(badCtlCache, semconv.CacheResultKey.String(semconv.CacheResultMiss))
	badWantHist(t, rm, uint64(2*n), 0.25*float64(n), semconv.CacheOperationDuration.Name, hit...)
	badWantHist(t, rm, uint64(n), 0.5*float64(n), semconv.CacheOperationDuration.Name, miss...)
	if r.closed[badCache] {
		badWantNone(t, rm, semconv.CacheOperations.Name, badCtlCache...)
	} else {
		metrictest.Want(t, rm, 3*n, semconv.CacheOperations.Name, hit...)
		metrictest.Want(t, rm, n, semconv.CacheOperations.Name, miss...)
		metrictest.Want(t, rm, 0.75, semconv.CacheHitRatio.Name, badCtlCache...)
		metrictest.Want(t, rm, 0.75*(1-0.125/0.5), semconv.CacheEfficiency.Name, badCtlCache...)
		metrictest.Want(t, rm, 3*n, semconv.CacheSets.Name, badCtlCache...)
		metrictest.Want(t, rm, n, semconv.CacheEvictions.Name, badCtlCache...)
		metrictest.Want(t, rm, int64(5), semconv.CacheSize.Name, badCtlCache...)
	}

	n = int64(r.rounds[badFeature])
	badWantHist(t, rm, uint64(2*n), 0.75*float64(n), semconv.FeatureDuration.Name, badCtlFeature...)
	if r.closed[badFeature] {
		badWantNone(t, rm, semconv.FeatureUsage.Name, badCtlFeature...)
	} else {
		use := func(pattern, outcome string) []attribute.KeyValue {
			return with(badCtlFeature, semconv.FeaturePatternKey.String(pattern), semconv.FeatureOutcomeKey.String(outcome))
		}
		metrictest.Want(t, rm, n, semconv.FeatureUsage.Name, use(feature.PatternDirectCall, semconv.FeatureOutcomeSuccess)...)
		metrictest.Want(t, rm, n, semconv.FeatureUsage.Name, use(feature.PatternBatchOperation, semconv.FeatureOutcomeFailure)...)
		metrictest.Want(t, rm, int64(2), semconv.FeatureUsers.Name, badCtlFeature...)
		metrictest.Want(t, rm, 0.5, semconv.FeatureSuccessRatio.Name, badCtlFeature...)
	}
}

// badRejected returns vitals.input.rejected by "signal/reason".
func badRejected(rm metricdata.ResourceMetrics) map[string]int64 {
	var got map[string]int64
	badEachPoint(rm, func(name string, attrs attribute.Set, v any) {
		if name != semconv.InputRejected.Name {
			return
		}
		signal, _ := attrs.Value(semconv.SignalKey)
		reason, _ := attrs.Value(semconv.ErrorTypeKey)
		if got == nil {
			got = map[string]int64{}
		}
		got[signal.AsString()+"/"+reason.AsString()] = v.(int64)
	})
	return got
}

func badCountsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// badEachPoint calls f with every point of rm: an int64 or float64 value,
// or a histogram point.
func badEachPoint(rm metricdata.ResourceMetrics, f func(name string, attrs attribute.Set, v any)) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					f(m.Name, p.Attributes, p.Value)
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					f(m.Name, p.Attributes, p.Value)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					f(m.Name, p.Attributes, p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					f(m.Name, p.Attributes, p.Value)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					f(m.Name, p.Attributes, p)
				}
			}
		}
	}
}

// badSeriesNamed returns the metrics with a point whose attributes hold the
// string value.
func badSeriesNamed(rm metricdata.ResourceMetrics, value string) []string {
	var names []string
	badEachPoint(rm, func(name string, attrs attribute.Set, _ any) {
		for _, kv := range attrs.ToSlice() {
			if kv.Value.Type() == attribute.STRING && kv.Value.AsString() == value && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	})
	return names
}

// badWantHist fails t unless histogram name has a point with attributes kv
// of count records summing to sum.
func badWantHist(t *testing.T, rm metricdata.ResourceMetrics, count uint64, sum float64, name string, kv ...attribute.KeyValue) {
	t.Helper()
	p, ok := metrictest.Point(rm, name, kv...)
	h, isHist := p.(metricdata.HistogramDataPoint[float64])
	switch {
	case count == 0 && !ok:
	case !ok || !isHist:
		t.Errorf("%s %v: no histogram point, want %d records", name, kv, count)
	case h.Count != count || h.Sum != sum:
		t.Errorf("%s %v: %d records summing to %v, want %d summing to %v", name, kv, h.Count, h.Sum, count, sum)
	}
}

// badWantNone fails t if metric name has a point with attributes kv.
func badWantNone(t *testing.T, rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) {
	t.Helper()
	if p, ok := metrictest.Point(rm, name, kv...); ok {
		t.Errorf("%s %v = %v, want no point", name, kv, p)
	}
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

// badLimitWarnings captures what reaches otel.Handle until the case ends.
func badLimitWarnings(t *testing.T) *[]error {
	var mu sync.Mutex
	var errs []error
	restore := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}))
	t.Cleanup(func() { otel.SetErrorHandler(restore) })
	return &errs
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
		Connections: []conn.PoolSnapshot{{Type: "database", Name: "p", Open: 10, OlderThanMaxAge: 1, Destroyed: 9, Expired: 1}},
		Queues:      []queue.QueueSnapshot{{Type: "http", Name: "q", Depth: 9, Capacity: 10, Utilization: 0.9, WindowSeconds: 300}},
		Caches:      []cache.CacheSnapshot{{Type: "application", Name: "c", WindowLookups: 10, WindowHitRatio: 0.6, Efficiency: 0.4}},
		Features:    []feature.FeatureSnapshot{{Type: "api_endpoint", Name: "f", WindowUses: 100, WindowSuccessRate: 0.95, MeanDurationSeconds: 2}},
	}
}

// Inputs shared by the cases.
var (
	badMiB     = strings.Repeat("n", 1<<20)
	badInvalid = "pool\xff\xfe"
	badNilCtx  context.Context // a nil context, as a careless caller passes
)

// badCancelled returns a context already cancelled.
func badCancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// badReasons builds the counts of one signal.
func badReasons(signal string, reasons ...string) map[string]int64 {
	m := map[string]int64{}
	for _, r := range reasons {
		m[signal+"/"+r]++
	}
	return m
}

func badCases() []badCase {
	var cases []badCase
	cases = append(cases, badRootCases()...)
	cases = append(cases, badConnCases()...)
	cases = append(cases, badQueueCases()...)
	cases = append(cases, badCacheCases()...)
	cases = append(cases, badFeatureCases()...)
	cases = append(cases, badHealthCases()...)
	cases = append(cases, badExporterCases()...)
	return cases
}

func badRootCases() []badCase {
	validate := func(field string, c vitals.Config) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			err := c.Validate()
			badField(t, err, field)
			return err
		}
	}
	return []badCase{
		{
			name: "config NaN overflow threshold", api: "Config.Validate", input: "QueueOverflowThreshold: NaN",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("QueueOverflowThreshold", vitals.Config{QueueOverflowThreshold: math.NaN()}),
		},
		{
			name: "config +Inf overflow threshold", api: "Config.Validate", input: "QueueOverflowThreshold: +Inf",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("QueueOverflowThreshold", vitals.Config{QueueOverflowThreshold: math.Inf(1)}),
		},
		{
			name: "config -Inf overflow threshold", api: "Config.Validate", input: "QueueOverflowThreshold: -Inf",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("QueueOverflowThreshold", vitals.Config{QueueOverflowThreshold: math.Inf(-1)}),
		},
		{
			name: "config negative retention", api: "Config.Validate", input: "ConnectionRetention: -1s",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("ConnectionRetention", vitals.Config{ConnectionRetention: -time.Second}),
		},
		{
			name: "config negative queue limit", api: "Config.Validate", input: "MaxQueues: -1",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("MaxQueues", vitals.Config{MaxQueues: -1}),
		},
		{
			name: "config invalid UTF-8 time zone", api: "Config.Validate", input: `FeatureTimeZone: "Europe/\xffBerlin"`,
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("FeatureTimeZone", vitals.Config{FeatureTimeZone: "Europe/\xffBerlin"}),
		},
		{
			name: "config 1 MiB time zone", api: "Config.Validate", input: "FeatureTimeZone: 1 MiB",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("FeatureTimeZone", vitals.Config{FeatureTimeZone: badMiB}),
		},
		{
			name: "config empty hash key", api: "Config.Validate", input: "UserHashKey: []byte{} (set, 0 bytes)",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("UserHashKey", vitals.Config{UserHashKey: []byte{}}),
		},
		{
			name: "start with invalid config", api: "Start", input: "WithConfig(Config{QueueWindow: -1})",
			result: "ErrInvalidConfig, no System", want: vitals.ErrInvalidConfig,
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithConfig(vitals.Config{QueueWindow: -1}))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "start with nil context", api: "Start", input: "ctx: nil",
			result: "taken as context.Background(): the System records",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, badNilCtx)
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				if s := sys.Snapshot().Caches.Caches; len(s) != 1 || s[0].Hits != 1 {
					t.Errorf("caches %+v, want one hit", s)
				}
				return nil
			},
		},
		{
			name: "start with cancelled context", api: "Start", input: "ctx: cancelled",
			result: "ctx's error (context.Canceled), nothing started", want: context.Canceled,
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(badCancelled(), vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "start with nil option", api: "Start", input: "opts: nil",
			result: "ignored: the System records",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background(), nil)
				sys.Features().Feature(feature.TypeComponent, "sys").Record(context.Background(), "", "", 0, true)
				if s := sys.Snapshot().Features.Features; len(s) != 1 || s[0].Uses != 1 {
					t.Errorf("features %+v, want one use", s)
				}
				return nil
			},
		},
		{
			name: "start with unknown exporter", api: "Start", input: `WithExporters("zipkin")`,
			result: "exporters.ErrUnknownExporter, no System", want: exporters.ErrUnknownExporter,
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(exporters.WithExporters("zipkin")))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "start with bad protocol", api: "Start", input: `WithOTLPProtocol("http/json")`,
			result: "exporters.ErrUnsupportedProtocol, no System", want: exporters.ErrUnsupportedProtocol,
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(
					exporters.WithExporters(exporters.OTLP), exporters.WithOTLPProtocol("http/json")))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "flush with nil context", api: "System.ForceFlush", input: "ctx: nil (console exporter)",
			result: "taken as context.Background(): flushed, nil",
			call: func(t *testing.T, _ *badRig) error {
				var out badWriter
				sys := badConsoleSystem(t, &out)
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				err := sys.ForceFlush(badNilCtx)
				if !strings.Contains(out.String(), semconv.CacheOperations.Name) {
					t.Error("nothing was flushed to the console")
				}
				return err
			},
		},
		{
			name: "flush with cancelled context", api: "System.ForceFlush", input: "ctx: cancelled (console exporter)",
			result: "ctx's error (context.Canceled)", want: context.Canceled,
			call: func(t *testing.T, _ *badRig) error {
				return badConsoleSystem(t, io.Discard).ForceFlush(badCancelled())
			},
		},
		{
			name: "shutdown with nil context", api: "System.Shutdown", input: "ctx: nil",
			result: "taken as context.Background(): stopped, nil",
			call: func(t *testing.T, _ *badRig) error {
				sys, reader := badSystem(t, context.Background())
				err := sys.Shutdown(badNilCtx)
				badCollectFails(t, reader)
				return err
			},
		},
		{
			name: "shutdown with cancelled context", api: "System.Shutdown", input: "ctx: cancelled",
			result: "stopped without waiting; nil or context.Canceled, the same on every later call", want: context.Canceled, orNil: true,
			call: func(t *testing.T, _ *badRig) error {
				sys, reader := badSystem(t, context.Background())
				err := sys.Shutdown(badCancelled())
				if again := sys.Shutdown(context.Background()); again != err {
					t.Errorf("second Shutdown %v, first %v", again, err)
				}
				badCollectFails(t, reader)
				return err
			},
		},
		{
			name: "shutdown twice", api: "System.Shutdown", input: "a second call",
			result: "idempotent: nil again",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background())
				badFatal(t, sys.Shutdown(context.Background()))
				return sys.Shutdown(context.Background())
			},
		},
		{
			name: "system use after shutdown", api: "System.Connections/Queues/Caches/Features", input: "every tracker used, bad input included, after Shutdown",
			result: "no-op: nothing reported or counted; handles stay safe; the provider keeps its other series",
			call: func(t *testing.T, r *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithMeterProvider(r.reader.Provider))
				badFatal(t, err)
				sys.Connections().Pool("database", "sys").Open()
				sys.Queues().Queue(queue.TypeHTTP, "sys", 10).Enter()
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				badFatal(t, sys.Shutdown(context.Background()))

				p := sys.Connections().Pool("database", "sys")
				c := p.Open()
				c.Use()
				c.Close()
				c.Close() // a double close, not counted any more
				_ = sys.Connections().Used("unknown")
				q := sys.Queues().Queue(queue.TypeHTTP, "sys", 10)
				tk := q.Enter()
				tk.Leave()
				tk.Leave()
				if err := q.Sample(-1); !errors.Is(err, queue.ErrNegativeDepth) {
					t.Errorf("Sample(-1) after Shutdown: %v, want ErrNegativeDepth", err)
				}
				ch := sys.Caches().Cache(cache.TypeApplication, "sys")
				ch.Hit(time.Millisecond)
				ch.Miss(-1)
				ch.Set(-1)
				sys.Features().Feature(feature.TypeComponent, "sys").Record(context.Background(), "u", "", -1, true)
				_ = sys.Snapshot()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "sys"); len(names) > 0 {
					t.Errorf("still reported after Shutdown: %v", names)
				}
			},
		},
		{
			name: "snapshot and health after shutdown", api: "System.Snapshot, System.Health", input: "called after Shutdown",
			result: "answer with the state at Shutdown; no panic",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background())
				c := sys.Caches().Cache(cache.TypeApplication, "sys")
				for range 3 {
					c.CountHit()
				}
				badFatal(t, sys.Shutdown(context.Background()))
				if s := sys.Snapshot().Caches.Caches; len(s) != 1 || s[0].Hits != 3 {
					t.Errorf("caches %+v, want 3 hits", s)
				}
				if h := sys.Health(); h.Status != healthscore.Healthy || h.Score != 100 {
					t.Errorf("health %+v, want healthy at 100", h)
				}
				return nil
			},
		},
	}
}

func badConnCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badReasons(semconv.SignalConnection, reasons...) }
	bad := []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolKey.String("bad")}
	event := func(e string) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), bad...), semconv.ConnectionEventKey.String(e))
	}
	return []badCase{
		{
			name: "pool empty type", api: "conn.Tracker.Pool", input: `type ""`,
			result: `cleaned to "unknown", counted empty_name`, counts: reject("empty_name"),
			call: func(t *testing.T, r *badRig) error {
				if p := r.conns.Pool("", "bad"); p.Type() != "unknown" {
					t.Errorf("type %q", p.Type())
				}
				return nil
			},
		},
		{
			name: "pool 1 MiB name", api: "conn.Tracker.Pool", input: "name of 1 MiB",
			result: "cut to MaxNameLength (256 bytes), counted name_too_long", counts: reject("name_too_long"),
			call: func(t *testing.T, r *badRig) error {
				p := r.conns.Pool("database", badMiB)
				p.Open()
				if len(p.Name()) != conn.MaxNameLength {
					t.Errorf("name of %d bytes", len(p.Name()))
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionOpen.Name, semconv.ConnectionPoolKey.String(badMiB[:conn.MaxNameLength]))
			},
		},
		{
			name: "pool invalid UTF-8 name", api: "conn.Tracker.Pool", input: `name "pool\xff\xfe"`,
			result: "invalid bytes become U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				if p := r.conns.Pool("database", badInvalid); p.Name() != "pool\uFFFD" {
					t.Errorf("name %q", p.Name())
				}
				return nil
			},
		},
		{
			name: "connection closed twice", api: "conn.Conn.Close", input: "second Close",
			result: "no-op, counted double_close; destroyed once", counts: reject("double_close"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Close()
				c.Close()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
				metrictest.Want(t, rm, int64(0), semconv.ConnectionOpen.Name, bad...)
				badWantHist(t, rm, 1, 0, semconv.ConnectionLifetime.Name, bad...)
			},
		},
		{
			name: "use after close", api: "conn.Conn.Use", input: "Use after Close",
			result: "no-op, counted use_after_close", counts: reject("use_after_close"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Close()
				c.Use()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			name: "acquire after close", api: "conn.Conn.Acquire", input: "Acquire after Close",
			result: "no-op, counted use_after_close", counts: reject("use_after_close"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Close()
				c.Acquire()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionOpen.Name, bad...)
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			name: "release without acquire", api: "conn.Conn.Release", input: "Release of an idle connection",
			result: "no-op, counted release_not_acquired", counts: reject("release_not_acquired"),
			call: func(t *testing.T, r *badRig) error {
				r.conns.Pool("database", "bad").Open().Release()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionOpen.Name, bad...)
			},
		},
		{
			name: "release twice", api: "conn.Conn.Release", input: "Acquire, Release, Release",
			result: "second is a no-op, counted release_not_acquired; 0 used, 1 idle", counts: reject("release_not_acquired"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Acquire()
				c.Release()
				c.Release()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				state := func(s string) []attribute.KeyValue {
					return append(append([]attribute.KeyValue(nil), bad...), semconv.ConnectionStateKey.String(s))
				}
				metrictest.Want(t, rm, int64(0), semconv.ConnectionOpen.Name, state(semconv.ConnectionStateUsed)...)
				metrictest.Want(t, rm, int64(1), semconv.ConnectionOpen.Name, state(semconv.ConnectionStateIdle)...)
			},
		},
		{
			name: "keyed empty ID", api: "conn.Tracker.Created", input: `id ""`,
			result: "conn.ErrEmptyID, counted empty_id, nothing created", want: conn.ErrEmptyID, counts: reject("empty_id"),
			call: func(t *testing.T, r *badRig) error { return r.conns.Created("", "database", "bad") },
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantNone(t, rm, semconv.ConnectionEvents.Name, bad...)
			},
		},
		{
			name: "keyed duplicate ID", api: "conn.Tracker.Created", input: "an ID already open",
			result: "conn.ErrDuplicateConnection, counted duplicate_id; created once", want: conn.ErrDuplicateConnection, counts: reject("duplicate_id"),
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.conns.Created("c1", "database", "bad"))
				return r.conns.Created("c1", "database", "bad")
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
			},
		},
		{
			name: "keyed unknown ID", api: "conn.Tracker.Used", input: "an ID never created",
			result: "conn.ErrUnknownConnection, counted unknown_id", want: conn.ErrUnknownConnection, counts: reject("unknown_id"),
			call: func(t *testing.T, r *badRig) error { return r.conns.Used("never") },
		},
		{
			name: "keyed empty ID use", api: "conn.Tracker.Used", input: `id ""`,
			result: "conn.ErrEmptyID, counted empty_id", want: conn.ErrEmptyID, counts: reject("empty_id"),
			call: func(t *testing.T, r *badRig) error { return r.conns.Used("") },
		},
		{
			name: "keyed destroyed twice", api: "conn.Tracker.Destroyed", input: "second Destroyed of an ID",
			result: "conn.ErrUnknownConnection, counted unknown_id; destroyed once", want: conn.ErrUnknownConnection, counts: reject("unknown_id"),
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.conns.Created("c1", "database", "bad"))
				badFatal(t, r.conns.Destroyed("c1"))
				return r.conns.Destroyed("c1")
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
				badWantHist(t, rm, 1, 0, semconv.ConnectionLifetime.Name, bad...)
			},
		},
		{
			name: "keyed use after destroyed", api: "conn.Tracker.Used", input: "Used after Destroyed",
			result: "conn.ErrUnknownConnection, counted unknown_id", want: conn.ErrUnknownConnection, counts: reject("unknown_id"),
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.conns.Created("c1", "database", "bad"))
				badFatal(t, r.conns.Destroyed("c1"))
				return r.conns.Used("c1")
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			name: "keyed 1 MiB invalid UTF-8 ID", api: "conn.Tracker.Created/Used/Destroyed", input: "id of 1 MiB with invalid UTF-8",
			result: "a valid key: IDs are never exported; created, used, destroyed once each",
			call: func(t *testing.T, r *badRig) error {
				id := badMiB + "\xff"
				return errors.Join(r.conns.Created(id, "database", "bad"), r.conns.Used(id), r.conns.Destroyed(id))
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				for _, e := range []string{semconv.ConnectionEventCreated, semconv.ConnectionEventReused, semconv.ConnectionEventDestroyed} {
					metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(e)...)
				}
			},
		},
		{
			name: "connection tracker use after close", api: "conn.Tracker.Close", input: "handles and keyed API used after Close, Close twice",
			result: "no-op: nothing reported or counted; second Close nil",
			call: func(t *testing.T, r *badRig) error {
				err := r.closeConns()
				c := r.conns.Pool("database", "after").Open()
				c.Acquire()
				c.Release()
				c.Close()
				c.Close()
				c.Use()
				_ = r.conns.Created("c1", "database", "after")
				_ = r.conns.Used("never")
				return err
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "after"); len(names) > 0 {
					t.Errorf("reported after Close: %v", names)
				}
			},
		},
		{
			name: "pool limit", api: "conn.Tracker.Pool", input: "a second pool under WithMaxPools(1)",
			result: "folded into the overflow pool; conn.ErrPoolLimit to otel.Handle once",
			call: func(t *testing.T, r *badRig) error {
				warnings := badLimitWarnings(t)
				tr, err := conn.New(conn.WithMeterProvider(r.reader.Provider), conn.WithClock(r.clock.Now), conn.WithMaxPools(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = tr.Close() })
				tr.Pool("database", "first").Open()
				for _, name := range []string{"second", "third"} {
					if p := tr.Pool("database", name); p.Name() != "" {
						t.Errorf("pool %q past the limit has a series of its own", name)
					}
					tr.Pool("database", name).Open()
				}
				if len(*warnings) != 1 || !errors.Is((*warnings)[0], conn.ErrPoolLimit) {
					t.Errorf("warnings %v, want one ErrPoolLimit", *warnings)
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.ConnectionOpen.Name, semconv.Overflow)
			},
		},
	}
}

func badQueueCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badReasons(semconv.SignalQueue, reasons...) }
	bad := []attribute.KeyValue{semconv.QueueTypeKey.String(queue.TypeHTTP), semconv.QueueNameKey.String("bad")}
	threshold := func(u float64) func(*testing.T, *badRig) error {
		return func(t *testing.T, r *badRig) error {
			m, err := queue.New(queue.WithMeterProvider(r.reader.Provider), queue.WithClock(r.clock.Now), queue.WithOverflowThreshold(u))
			badFatal(t, err)
			t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
			q := m.Queue(queue.TypeHTTP, "bad", 10)
			_ = q.Sample(7)
			_ = q.Sample(8) // at the default threshold, 0.8
			return nil
		}
	}
	thresholdCheck := func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
		metrictest.Want(t, rm, int64(1), semconv.QueueOverflows.Name, bad...)
	}
	return []badCase{
		{
			name: "negative depth", api: "queue.Queue.Sample", input: "depth -1",
			result: "queue.ErrNegativeDepth, counted negative_depth; sample dropped", want: queue.ErrNegativeDepth, counts: reject("negative_depth"),
			call: func(t *testing.T, r *badRig) error {
				q := r.queues.Queue(queue.TypeHTTP, "bad", 10)
				badFatal(t, q.Sample(3))
				return q.Sample(-1)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(3), semconv.QueueDepth.Name, bad...)
				badWantHist(t, rm, 1, 3, semconv.QueueDepthSampled.Name, bad...)
			},
		},
		{
			name: "most negative depth", api: "queue.Queue.Sample", input: "depth math.MinInt",
			result: "queue.ErrNegativeDepth, counted negative_depth; sample dropped", want: queue.ErrNegativeDepth, counts: reject("negative_depth"),
			call: func(t *testing.T, r *badRig) error {
				return r.queues.Queue(queue.TypeHTTP, "bad", 10).Sample(math.MinInt)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
			},
		},
		{
			name: "negative capacity", api: "queue.Monitor.Queue", input: "capacity -5",
			result: "taken as 0 (unknown), counted negative_capacity", counts: reject("negative_capacity"),
			call: func(t *testing.T, r *badRig) error {
				_ = r.queues.Queue(queue.TypeHTTP, "bad", -5).Sample(2)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.QueueDepth.Name, bad...)
				badWantNone(t, rm, semconv.QueueCapacity.Name, bad...)
			},
		},
		{
			name: "negative capacity set", api: "queue.Queue.SetCapacity", input: "capacity -1",
			result: "taken as 0 (unknown), counted negative_capacity", counts: reject("negative_capacity"),
			call: func(t *testing.T, r *badRig) error {
				r.queues.Queue(queue.TypeHTTP, "bad", 10).SetCapacity(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantNone(t, rm, semconv.QueueCapacity.Name, bad...)
				badWantNone(t, rm, semconv.QueueUtilization.Name, bad...)
			},
		},
		{
			name: "zero capacity", api: "queue.Monitor.Queue", input: "capacity 0, depth 1000",
			result: "unknown capacity: no utilization, never overflows; not an error",
			call:   func(t *testing.T, r *badRig) error { return r.queues.Queue(queue.TypeHTTP, "bad", 0).Sample(1000) },
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1000), semconv.QueueDepth.Name, bad...)
				metrictest.Want(t, rm, int64(0), semconv.QueueOverflows.Name, bad...)
				badWantNone(t, rm, semconv.QueueUtilization.Name, bad...)
			},
		},
		{
			name: "depth above capacity", api: "queue.Queue.Sample", input: "depth 3, capacity 2",
			result: "kept (utilization 1.5), counted depth_above_capacity", counts: reject("depth_above_capacity"),
			call: func(t *testing.T, r *badRig) error { return r.queues.Queue(queue.TypeHTTP, "bad", 2).Sample(3) },
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, 1.5, semconv.QueueUtilization.Name, bad...)
				metrictest.Want(t, rm, int64(1), semconv.QueueOverflows.Name, bad...)
			},
		},
		{
			name: "ticket left twice", api: "queue.Ticket.Leave", input: "second Leave of one ticket",
			result: "no-op (depth stays 0), counted leave_without_enter; one wait recorded", counts: reject("leave_without_enter"),
			call: func(t *testing.T, r *badRig) error {
				tk := r.queues.Queue(queue.TypeHTTP, "bad", 10).Enter()
				tk.Leave()
				tk.Leave()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badWantHist(t, rm, 1, 0, semconv.QueueWaitTime.Name, bad...)
			},
		},
		{
			name: "ticket cancelled after leave", api: "queue.Ticket.Cancel", input: "Cancel after Leave",
			result: "no-op (depth stays 0), counted leave_without_enter", counts: reject("leave_without_enter"),
			call: func(t *testing.T, r *badRig) error {
				tk := r.queues.Queue(queue.TypeHTTP, "bad", 10).Enter()
				tk.Leave()
				tk.Cancel()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
			},
		},
		{
			name: "zero ticket", api: "queue.Ticket.Leave/Cancel", input: "queue.Ticket{}",
			result: "no-op, not counted",
			call: func(t *testing.T, _ *badRig) error {
				var tk queue.Ticket
				tk.Leave()
				tk.Cancel()
				return nil
			},
		},
		{
			name: "nil probe", api: "queue.Monitor.Observe", input: "probe nil",
			result: "same as Queue with capacity 0",
			call: func(t *testing.T, r *badRig) error {
				r.queues.Observe(queue.TypeHTTP, "bad", nil)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badWantNone(t, rm, semconv.QueueCapacity.Name, bad...)
			},
		},
		{
			name: "probe negative depth and capacity", api: "queue.Monitor.Observe", input: "probe returning (-1, -1)",
			result: "read dropped at each collection, counted negative_capacity and negative_depth",
			counts: reject("negative_capacity", "negative_depth"),
			call: func(t *testing.T, r *badRig) error {
				r.queues.Observe(queue.TypeHTTP, "bad", func() (int, int) { return -1, -1 })
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.QueueDepth.Name, bad...)
				badWantNone(t, rm, semconv.QueueDepthSampled.Name, bad...)
			},
		},
		{
			name: "queue empty name", api: "queue.Monitor.Queue", input: `name ""`,
			result: `cleaned to "unknown", counted empty_name`, counts: reject("empty_name"),
			call: func(t *testing.T, r *badRig) error {
				if q := r.queues.Queue(queue.TypeHTTP, "", 10); q.Name() != "unknown" {
					t.Errorf("name %q", q.Name())
				}
				return nil
			},
		},
		{
			name: "queue 1 MiB name", api: "queue.Monitor.Queue", input: "name of 1 MiB",
			result: "cut to MaxNameLength, counted name_too_long", counts: reject("name_too_long"),
			call: func(t *testing.T, r *badRig) error {
				if q := r.queues.Queue(queue.TypeHTTP, badMiB, 10); len(q.Name()) != queue.MaxNameLength {
					t.Errorf("name of %d bytes", len(q.Name()))
				}
				return nil
			},
		},
		{
			name: "queue invalid UTF-8 type", api: "queue.Monitor.Queue", input: `type "pool\xff\xfe"`,
			result: "invalid bytes become U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				if q := r.queues.Queue(badInvalid, "bad", 10); !utf8.ValidString(q.Type()) {
					t.Errorf("type %q", q.Type())
				}
				return nil
			},
		},
		{
			name: "monitor start with nil context", api: "queue.Monitor.Start", input: "ctx: nil",
			result: "taken as context.Background(): samples until Shutdown",
			call: func(t *testing.T, r *badRig) error {
				err := r.queues.Start(badNilCtx)
				badFatal(t, r.closeQueues(context.Background()))
				return err
			},
		},
		{
			name: "monitor start with cancelled context", api: "queue.Monitor.Start", input: "ctx: cancelled",
			result: "nil; the sampler ends at once; Shutdown nil",
			call: func(t *testing.T, r *badRig) error {
				err := r.queues.Start(badCancelled())
				badFatal(t, r.closeQueues(context.Background()))
				return err
			},
		},
		{
			name: "monitor shutdown with nil context", api: "queue.Monitor.Shutdown", input: "ctx: nil (sampler running)",
			result: "taken as context.Background(): stopped, nil",
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.queues.Start(context.Background()))
				return r.closeQueues(badNilCtx)
			},
		},
		{
			name: "monitor start after shutdown", api: "queue.Monitor.Start", input: "Start after Shutdown",
			result: "queue.ErrShutdown", want: queue.ErrShutdown,
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.closeQueues(context.Background()))
				return r.queues.Start(context.Background())
			},
		},
		{
			name: "queue monitor use after shutdown", api: "queue.Monitor.Shutdown", input: "handles used after Shutdown, bad input included",
			result: "no-op: nothing reported or counted; Sample(-1) still returns queue.ErrNegativeDepth", want: queue.ErrNegativeDepth,
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.closeQueues(context.Background()))
				q := r.queues.Queue(queue.TypeHTTP, "after", -1)
				_ = q.Sample(5)
				tk := q.Enter()
				tk.Leave()
				tk.Leave()
				r.queues.Observe(queue.TypeHTTP, "after-probe", func() (int, int) { return -1, -1 })
				return q.Sample(-1)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "after"); len(names) > 0 {
					t.Errorf("reported after Shutdown: %v", names)
				}
			},
		},
		{
			name: "NaN overflow threshold", api: "queue.WithOverflowThreshold", input: "NaN",
			result: "default 0.8 kept: a depth of 8 of 10 overflows", call: threshold(math.NaN()), check: thresholdCheck,
		},
		{
			name: "+Inf overflow threshold", api: "queue.WithOverflowThreshold", input: "+Inf",
			result: "default 0.8 kept", call: threshold(math.Inf(1)), check: thresholdCheck,
		},
		{
			name: "-Inf overflow threshold", api: "queue.WithOverflowThreshold", input: "-Inf",
			result: "default 0.8 kept", call: threshold(math.Inf(-1)), check: thresholdCheck,
		},
	}
}

func badCacheCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badReasons(semconv.SignalCache, reasons...) }
	bad := []attribute.KeyValue{semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("bad")}
	result := func(r string) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), bad...), semconv.CacheResultKey.String(r))
	}
	badCache := func(r *badRig) *cache.Cache { return r.caches.Cache(cache.TypeApplication, "bad") }
	return []badCase{
		{
			name: "negative hit duration", api: "cache.Cache.Hit", input: "d = -1ms",
			result: "hit counted without duration, counted negative_duration", counts: reject("negative_duration"),
			call: func(t *testing.T, r *badRig) error {
				badCache(r).Hit(-time.Millisecond)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				badWantNone(t, rm, semconv.CacheOperationDuration.Name, bad...)
			},
		},
		{
			name: "-Inf miss duration", api: "cache.Cache.Miss", input: "d = math.MinInt64 (-Inf saturated)",
			result: "miss counted without duration, counted negative_duration", counts: reject("negative_duration"),
			call: func(t *testing.T, r *badRig) error {
				badCache(r).Miss(math.MinInt64)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(semconv.CacheResultMiss)...)
				badWantNone(t, rm, semconv.CacheOperationDuration.Name, bad...)
			},
		},
		{
			name: "+Inf hit duration", api: "cache.Cache.Hit", input: "d = math.MaxInt64 (+Inf saturated)",
			result: "hit counted without duration, counted infinite_duration; the mean of the other hits stays exact",
			counts: reject("infinite_duration"),
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Hit(125 * time.Millisecond)
				c.Hit(math.MaxInt64)
				c.Hit(375 * time.Millisecond)
				for _, s := range r.caches.Snapshot().Caches {
					if s.Name == "bad" && (s.Hits != 3 || s.MeanHitSeconds != 0.25) {
						t.Errorf("%d hits, mean %vs; want 3 and 0.25s", s.Hits, s.MeanHitSeconds)
					}
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantHist(t, rm, 2, 0.5, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
			},
		},
		{
			name: "negative sets", api: "cache.Cache.Set", input: "n = -1",
			result: "ignored, counted negative_count", counts: reject("negative_count"),
			call: func(t *testing.T, r *badRig) error {
				badCache(r).Set(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantNone(t, rm, semconv.CacheSets.Name, bad...)
			},
		},
		{
			name: "negative evictions", api: "cache.Cache.Evicted", input: "n = -1",
			result: "ignored, counted negative_count", counts: reject("negative_count"),
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Evicted(2)
				c.Evicted(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.CacheEvictions.Name, bad...)
			},
		},
		{
			name: "negative size", api: "cache.Cache.SetSize", input: "n = -1 after 7",
			result: "ignored (size stays 7), counted negative_count", counts: reject("negative_count"),
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.SetSize(7)
				c.SetSize(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(7), semconv.CacheSize.Name, bad...)
			},
		},
		{
			name: "cache empty type", api: "cache.Monitor.Cache", input: `type ""`,
			result: `cleaned to "unknown", counted empty_name`, counts: reject("empty_name"),
			call: func(t *testing.T, r *badRig) error {
				if c := r.caches.Cache("", "bad"); c.Type() != "unknown" {
					t.Errorf("type %q", c.Type())
				}
				return nil
			},
		},
		{
			name: "cache 1 MiB name", api: "cache.Monitor.Cache", input: "name of 1 MiB",
			result: "cut to MaxNameLength, counted name_too_long", counts: reject("name_too_long"),
			call: func(t *testing.T, r *badRig) error {
				if c := r.caches.Cache(cache.TypeApplication, badMiB); len(c.Name()) != cache.MaxNameLength {
					t.Errorf("name of %d bytes", len(c.Name()))
				}
				return nil
			},
		},
		{
			name: "cache invalid UTF-8 name", api: "cache.Monitor.Cache", input: `name "pool\xff\xfe"`,
			result: "invalid bytes become U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				if c := r.caches.Cache(cache.TypeApplication, badInvalid); c.Name() != "pool\uFFFD" {
					t.Errorf("name %q", c.Name())
				}
				return nil
			},
		},
		{
			name: "op ended twice", api: "cache.Op.End", input: "second End",
			result: "recorded once, with its duration",
			call: func(t *testing.T, r *badRig) error {
				op := badCache(r).Start()
				r.clock.Advance(250 * time.Millisecond)
				op.Hit()
				op.End()
				op.End()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				badWantHist(t, rm, 1, 0.25, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
			},
		},
		{
			name: "zero op", api: "cache.Op.Hit/End", input: "cache.Op{}",
			result: "no-op, not counted",
			call: func(t *testing.T, _ *badRig) error {
				var op cache.Op
				op.Hit()
				op.End()
				return nil
			},
		},
		{
			name: "cache monitor use after close", api: "cache.Monitor.Close", input: "handles used after Close, bad input included; Close twice",
			result: "no-op: nothing reported or counted; second Close nil",
			call: func(t *testing.T, r *badRig) error {
				err := r.closeCaches()
				c := r.caches.Cache(cache.TypeApplication, "after")
				c.Hit(time.Millisecond)
				c.Miss(-1)
				c.Set(-1)
				c.SetSize(3)
				_, _ = cache.Lookup(c, func() (int, bool) { return 1, true })
				return err
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "after"); len(names) > 0 {
					t.Errorf("reported after Close: %v", names)
				}
			},
		},
	}
}

func badFeatureCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badReasons(semconv.SignalFeature, reasons...) }
	bad := []attribute.KeyValue{semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("bad")}
	use := func(pattern, outcome string) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), bad...), semconv.FeaturePatternKey.String(pattern), semconv.FeatureOutcomeKey.String(outcome))
	}
	badFeature := func(r *badRig) *feature.Feature { return r.features.Feature(feature.TypeAPIEndpoint, "bad") }
	usedOnce := func(outcome string, timed bool) func(*testing.T, *badRig, metricdata.ResourceMetrics) {
		return func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
			metrictest.Want(t, rm, int64(1), semconv.FeatureUsage.Name, use(feature.PatternDirectCall, outcome)...)
			if timed {
				badWantHist(t, rm, 1, 0.25, semconv.FeatureDuration.Name, bad...)
			} else {
				badWantNone(t, rm, semconv.FeatureDuration.Name, bad...)
			}
		}
	}
	ok, failed := semconv.FeatureOutcomeSuccess, semconv.FeatureOutcomeFailure
	return []badCase{
		{
			name: "negative use duration", api: "feature.Feature.Record", input: "d = -1ns",
			result: "use recorded without duration, counted negative_duration", counts: reject("negative_duration"),
			call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(context.Background(), "u", "", -1, true)
				return nil
			},
			check: usedOnce(ok, false),
		},
		{
			name: "-Inf use duration", api: "feature.Feature.Record", input: "d = math.MinInt64 (-Inf saturated)",
			result: "use recorded without duration, counted negative_duration", counts: reject("negative_duration"),
			call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(context.Background(), "u", "", math.MinInt64, true)
				return nil
			},
			check: usedOnce(ok, false),
		},
		{
			name: "+Inf use duration", api: "feature.Feature.Record", input: "d = math.MaxInt64 (+Inf saturated)",
			result: "use recorded without duration, counted infinite_duration", counts: reject("infinite_duration"),
			call: func(t *testing.T, r *badRig) error {
				f := badFeature(r)
				f.Record(context.Background(), "u", "", math.MaxInt64, false)
				if s := r.features.Snapshot().Features; s[len(s)-1].MeanDurationSeconds != 0 {
					t.Errorf("mean duration %v, want 0: no timed use", s[len(s)-1].MeanDurationSeconds)
				}
				return nil
			},
			check: usedOnce(failed, false),
		},
		{
			name: "record with nil context", api: "feature.Feature.Record", input: "ctx: nil",
			result: "taken as context.Background(): recorded",
			call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(badNilCtx, "u", "", 250*time.Millisecond, true)
				return nil
			},
			check: usedOnce(ok, true),
		},
		{
			name: "record with cancelled context", api: "feature.Feature.Record", input: "ctx: cancelled",
			result: "recorded: ctx only carries the trace",
			call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(badCancelled(), "u", "", 250*time.Millisecond, true)
				return nil
			},
			check: usedOnce(ok, true),
		},
		{
			name: "do with nil context", api: "feature.Feature.Do", input: "ctx: nil",
			result: "fn gets context.Background(); the use is recorded",
			call: func(t *testing.T, r *badRig) error {
				return badFeature(r).Do(badNilCtx, "u", "", func(ctx context.Context) error {
					if ctx == nil {
						return errors.New("fn got a nil context")
					}
					r.clock.Advance(250 * time.Millisecond)
					return ctx.Err()
				})
			},
			check: usedOnce(ok, true),
		},
		{
			name: "do with cancelled context", api: "feature.Feature.Do", input: "ctx: cancelled, fn returns ctx.Err()",
			result: "fn's error (context.Canceled) returned, recorded as a failure", want: context.Canceled,
			call: func(t *testing.T, r *badRig) error {
				return badFeature(r).Do(badCancelled(), "u", "", func(ctx context.Context) error {
					r.clock.Advance(250 * time.Millisecond)
					return ctx.Err()
				})
			},
			check: usedOnce(failed, true),
		},
		{
			name: "feature start with nil context", api: "feature.Feature.Start", input: "ctx: nil",
			result: "the use is recorded when done is called",
			call: func(t *testing.T, r *badRig) error {
				done := badFeature(r).Start(badNilCtx, "u", "")
				r.clock.Advance(250 * time.Millisecond)
				done(nil)
				return nil
			},
			check: usedOnce(ok, true),
		},
		{
			name: "invalid UTF-8 pattern", api: "feature.Feature.Record", input: `pattern "batch\xff"`,
			result: "cleaned to U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(context.Background(), "u", "batch\xff", 0, true)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.FeatureUsage.Name, use("batch\uFFFD", ok)...)
			},
		},
		{
			name: "too many patterns", api: "feature.Feature.Record", input: "5 custom patterns (MaxPatterns 8, 4 built in)",
			result: `the fifth recorded as "other", counted too_many_patterns`, counts: reject("too_many_patterns"),
			call: func(t *testing.T, r *badRig) error {
				f := badFeature(r)
				for i := range 5 {
					f.Record(context.Background(), "u", fmt.Sprintf("custom%d", i), 0, true)
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.FeatureUsage.Name, use(feature.PatternOther, ok)...)
				metrictest.Want(t, rm, int64(1), semconv.FeatureUsage.Name, use("custom3", ok)...)
			},
		},
		{
			name: "too many variants", api: "feature.Feature.RecordVariant", input: "9 variants (MaxVariants 8)",
			result: `the ninth counted as "other", counted too_many_variants`, counts: reject("too_many_variants"),
			call: func(t *testing.T, r *badRig) error {
				f := badFeature(r)
				for i := range 9 {
					f.RecordVariant(context.Background(), "u", "", fmt.Sprintf("v%d", i), 0, true)
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				variant := func(v string) []attribute.KeyValue {
					return append(append([]attribute.KeyValue(nil), bad...), semconv.FeatureVariantKey.String(v))
				}
				metrictest.Want(t, rm, int64(1), semconv.FeatureVariants.Name, variant(feature.PatternOther)...)
				metrictest.Want(t, rm, int64(1), semconv.FeatureVariants.Name, variant("v7")...)
			},
		},
		{
			name: "feature empty name", api: "feature.Analytics.Feature", input: `name ""`,
			result: `cleaned to "unknown", counted empty_name`, counts: reject("empty_name"),
			call: func(t *testing.T, r *badRig) error {
				if f := r.features.Feature(feature.TypeAPIEndpoint, ""); f.Name() != "unknown" {
					t.Errorf("name %q", f.Name())
				}
				return nil
			},
		},
		{
			name: "feature 1 MiB name", api: "feature.Analytics.Feature", input: "name of 1 MiB",
			result: "cut to MaxNameLength, counted name_too_long", counts: reject("name_too_long"),
			call: func(t *testing.T, r *badRig) error {
				if f := r.features.Feature(feature.TypeAPIEndpoint, badMiB); len(f.Name()) != feature.MaxNameLength {
					t.Errorf("name of %d bytes", len(f.Name()))
				}
				return nil
			},
		},
		{
			name: "feature invalid UTF-8 name", api: "feature.Analytics.Feature", input: `name "pool\xff\xfe"`,
			result: "invalid bytes become U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				if f := r.features.Feature(feature.TypeAPIEndpoint, badInvalid); f.Name() != "pool\uFFFD" {
					t.Errorf("name %q", f.Name())
				}
				return nil
			},
		},
		{
			name: "feature analytics use after close", api: "feature.Analytics.Close", input: "handles used after Close, bad input included; Close twice",
			result: "no-op: nothing reported or counted; second Close nil",
			call: func(t *testing.T, r *badRig) error {
				err := r.closeFeatures()
				f := r.features.Feature(feature.TypeAPIEndpoint, "after")
				f.Record(context.Background(), "u", "", time.Millisecond, true)
				f.Record(context.Background(), "u", "", -1, true)
				f.RecordVariant(context.Background(), "u", "\xff", "on", 0, false)
				_ = f.Do(context.Background(), "u", "", func(context.Context) error { return nil })
				return err
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "after"); len(names) > 0 {
					t.Errorf("reported after Close: %v", names)
				}
			},
		},
	}
}

func badHealthCases() []badCase {
	nan, inf := math.NaN(), math.Inf(1)
	sameAsDefault := func(p healthscore.Policy) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			got := badScore(t, badHealthInput(), p)
			want := badScore(t, badHealthInput(), healthscore.Policy{})
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
				t.Errorf("report\n%s\nwant the default policy's\n%s", g, w)
			}
			return nil
		}
	}
	return []badCase{
		{
			name: "health empty input", api: "healthscore.Score", input: "Input{}",
			result: "100, healthy, no components",
			call: func(t *testing.T, _ *badRig) error {
				if r := badScore(t, healthscore.Input{}, healthscore.Policy{}); r.Score != 100 || r.Status != healthscore.Healthy || len(r.Components) != 0 {
					t.Errorf("report %+v", r)
				}
				return nil
			},
		},
		{
			name: "health NaN input", api: "healthscore.Score", input: "NaN utilization, overflow share, hit ratio, efficiency, success rate, mean duration",
			result: "each NaN rule scores 0: unhealthy at 0, every score in 0-100, JSON encodes",
			call: func(t *testing.T, _ *badRig) error {
				in := healthscore.Input{
					Queues:   []queue.QueueSnapshot{{Name: "q1", Capacity: 10, Utilization: nan}, {Name: "q2", WindowOverflowShare: nan, WindowSeconds: nan}},
					Caches:   []cache.CacheSnapshot{{Name: "c1", WindowLookups: 1, WindowHitRatio: nan, Efficiency: 1}, {Name: "c2", WindowLookups: 1, WindowHitRatio: 1, Efficiency: nan}},
					Features: []feature.FeatureSnapshot{{Name: "f1", WindowUses: 1, WindowSuccessRate: nan}, {Name: "f2", MeanDurationSeconds: nan}},
				}
				r := badScore(t, in, healthscore.Policy{})
				for _, c := range r.Components {
					for _, e := range c.Entities {
						if e.Score != 0 {
							t.Errorf("%s %s scores %v, want 0", c.Name, e.Name, e.Score)
						}
					}
				}
				if r.Score != 0 || r.Status != healthscore.Unhealthy {
					t.Errorf("report %v %s, want 0 unhealthy", r.Score, r.Status)
				}
				return nil
			},
		},
		{
			name: "health infinite input", api: "healthscore.Score", input: "±Inf utilization, hit ratio, efficiency, mean duration",
			result: "scored as the bound: +Inf utilization 0, -Inf 100, +Inf hit ratio 100, +Inf mean duration 0",
			call: func(t *testing.T, _ *badRig) error {
				in := healthscore.Input{
					Queues:   []queue.QueueSnapshot{{Name: "full", Capacity: 10, Utilization: inf}, {Name: "empty", Capacity: 10, Utilization: -inf}},
					Caches:   []cache.CacheSnapshot{{Name: "c", WindowLookups: 1, WindowHitRatio: inf, Efficiency: inf}},
					Features: []feature.FeatureSnapshot{{Name: "f", MeanDurationSeconds: inf}},
				}
				want := map[string]float64{"full": 0, "empty": 100, "c": 100, "f": 0}
				for _, c := range badScore(t, in, healthscore.Policy{}).Components {
					for _, e := range c.Entities {
						if e.Score != want[e.Name] {
							t.Errorf("%s scores %v, want %v", e.Name, e.Score, want[e.Name])
						}
					}
				}
				return nil
			},
		},
		{
			name: "health NaN policy", api: "healthscore.Score", input: "every Policy number NaN",
			result: "each takes its default: the default policy's report",
			call: sameAsDefault(healthscore.Policy{
				DegradedBelow: nan, UnhealthyBelow: nan, ConnectionsWeight: nan, QueuesWeight: nan, CachesWeight: nan, FeaturesWeight: nan,
				PoolMaxOldShare: nan, PoolMaxLeakShare: nan, PoolSaturation: nan, QueueThreshold: nan, QueueMaxOverflowShare: nan,
				QueueGrowingCap: nan, CacheTargetHitRatio: nan, CacheMinEfficiency: nan, FeatureFailureOK: nan, FeatureFailureMax: nan,
			}),
		},
		{
			name: "health infinite policy", api: "healthscore.Score", input: "Policy thresholds ±Inf",
			result: "each takes its default: the default policy's report",
			call: sameAsDefault(healthscore.Policy{
				DegradedBelow: inf, UnhealthyBelow: -inf, QueueThreshold: inf, CacheTargetHitRatio: -inf, FeatureFailureMax: inf,
			}),
		},
		{
			name: "health negative policy", api: "healthscore.Score", input: "negative weights, shares and FeatureBudget",
			result: "each takes its default: the default policy's report",
			call: sameAsDefault(healthscore.Policy{
				ConnectionsWeight: -1, QueuesWeight: -2, CachesWeight: -1, FeaturesWeight: -1, PoolMaxOldShare: -0.5,
				QueueGrowingCap: -10, FeatureBudget: -time.Second, FeatureBudgets: map[string]time.Duration{"f": -time.Second},
			}),
		},
	}
}

func badExporterCases() []badCase {
	build := func(opts ...exporters.Option) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			readers, err := exporters.New(context.Background(), opts...)
			for _, r := range readers {
				_ = r.Shutdown(context.Background())
			}
			if err != nil && len(readers) > 0 {
				t.Errorf("%d readers returned with the error", len(readers))
			}
			return err
		}
	}
	env := func(kv map[string]string, opts ...exporters.Option) func(*testing.T, *badRig) error {
		return func(t *testing.T, r *badRig) error {
			for k, v := range kv {
				t.Setenv(k, v)
			}
			return build(opts...)(t, r)
		}
	}
	otlpHTTP := []exporters.Option{exporters.WithExporters(exporters.OTLP), exporters.WithOTLPProtocol(exporters.ProtocolHTTPProtobuf)}
	prom := func(addr string) func(*testing.T, *badRig) error {
		return build(exporters.WithExporters(exporters.Prometheus), exporters.WithPrometheusAddress(addr))
	}
	return []badCase{
		{
			name: "unknown exporter", api: "exporters.New", input: `WithExporters("zipkin")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters("zipkin")),
		},
		{
			name: "empty exporter name", api: "exporters.New", input: `WithExporters("")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters("")),
		},
		{
			name: "none with another exporter", api: "exporters.New", input: `WithExporters("none", "otlp")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters(exporters.None, exporters.OTLP)),
		},
		{
			name: "invalid UTF-8 exporter name", api: "exporters.New", input: `WithExporters("otlp\xff")`,
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters("otlp\xff")),
		},
		{
			name: "1 MiB exporter name", api: "exporters.New", input: "WithExporters(1 MiB name)",
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: build(exporters.WithExporters(badMiB)),
		},
		{
			name: "empty exporter in the environment", api: "exporters.New", input: "OTEL_METRICS_EXPORTER=console,,prometheus",
			result: "exporters.ErrUnknownExporter, no reader", want: exporters.ErrUnknownExporter,
			call: env(map[string]string{"OTEL_METRICS_EXPORTER": "console,,prometheus"}),
		},
		{
			name: "unsupported protocol", api: "exporters.New", input: `WithOTLPProtocol("http/json")`,
			result: "exporters.ErrUnsupportedProtocol, no reader", want: exporters.ErrUnsupportedProtocol,
			call: build(exporters.WithExporters(exporters.OTLP), exporters.WithOTLPProtocol("http/json")),
		},
		{
			name: "unsupported protocol in the environment", api: "exporters.New", input: "OTEL_EXPORTER_OTLP_PROTOCOL=thrift",
			result: "exporters.ErrUnsupportedProtocol, no reader", want: exporters.ErrUnsupportedProtocol,
			call: env(map[string]string{"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "", "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
				exporters.WithExporters(exporters.OTLP)),
		},
		{
			name: "endpoint without scheme", api: "exporters.New", input: `WithOTLPEndpoint("127.0.0.1:4318")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("127.0.0.1:4318"))...),
		},
		{
			name: "endpoint with another scheme", api: "exporters.New", input: `WithOTLPEndpoint("ftp://127.0.0.1:4318")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("ftp://127.0.0.1:4318"))...),
		},
		{
			name: "malformed endpoint", api: "exporters.New", input: `WithOTLPEndpoint("http://[::1")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: build(append(otlpHTTP, exporters.WithOTLPEndpoint("http://[::1"))...),
		},
		{
			name: "prometheus address without port", api: "exporters.New", input: `WithPrometheusAddress("localhost")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: prom("localhost"),
		},
		{
			name: "prometheus port out of range", api: "exporters.New", input: `WithPrometheusAddress("127.0.0.1:70000")`,
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: prom("127.0.0.1:70000"),
		},
		{
			name: "prometheus negative port in the environment", api: "exporters.New", input: "OTEL_EXPORTER_PROMETHEUS_PORT=-1",
			result: "exporters.ErrInvalidSetting, no reader", want: exporters.ErrInvalidSetting,
			call: env(map[string]string{"OTEL_EXPORTER_PROMETHEUS_PORT": "-1"}, exporters.WithExporters(exporters.Prometheus)),
		},
		{
			name: "nil context with a failing exporter", api: "exporters.New", input: "ctx: nil; console built, then a bad Prometheus port",
			result: "exporters.ErrInvalidSetting; the console reader already built is shut down", want: exporters.ErrInvalidSetting,
			call: func(t *testing.T, _ *badRig) error {
				readers, err := exporters.New(badNilCtx, exporters.WithExporters(exporters.Console, exporters.Prometheus),
					exporters.WithConsoleWriter(io.Discard), exporters.WithPrometheusAddress("127.0.0.1:-1"))
				if len(readers) > 0 {
					t.Errorf("%d readers returned with the error", len(readers))
				}
				return err
			},
		},
		{
			name: "non-positive export interval and timeout", api: "exporters.New", input: "WithExportInterval(-1s), WithExportTimeout(0)",
			result: "ignored (documented): the reader is built",
			call:   build(exporters.WithExporters(exporters.Console), exporters.WithConsoleWriter(io.Discard), exporters.WithExportInterval(-time.Second), exporters.WithExportTimeout(0)),
		},
	}
}

// badWriter is a strings.Builder safe for the console exporter's writes
// and the case's reads.
type badWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *badWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *badWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
