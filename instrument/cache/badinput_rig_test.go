package cache_test

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// TestBadInputCases runs every bad input of badCacheCases on a fresh rig:
// a cache monitor on a fake clock, recording into its own ManualReader,
// with a control cache fed known traffic before and after the bad call.
// Each case must not panic, must return its documented error or count its
// documented no-op exactly (and count nothing else), and must leave the
// control cache exact.
func TestBadInputCases(t *testing.T) {
	cases := badCacheCases()
	if len(cases) < 20 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

var update = flag.Bool("update", false, "rewrite this package's rows of README.md's bad-input table")

// TestBadInputTableInReadme checks that this package's rows of the
// README's bad-input table are the ones badCacheCases render; -update
// rewrites them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, filepath.Join("..", "..", "README.md"), *update, badCacheCases(), "cache")
}

// badCase is one bad input of the cache monitor.
type badCase = badinput.Case[*badRig]

// badT0 is where the rig's fake clock starts.
var badT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// badCtl are the attributes of the control cache.
var badCtl = []attribute.KeyValue{semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("control")}

// badRig is the world of one case.
type badRig struct {
	t      *testing.T
	clock  *clock.Fake
	reader *metrictest.Reader
	caches *cache.Monitor
	cache  *cache.Cache // the control cache

	rounds int  // control rounds recorded while the monitor was open
	closed bool // the case closed the monitor
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{t: t, clock: clock.NewFake(badT0), reader: metrictest.NewReader(t, false)}
	var err error
	r.caches, err = cache.New(cache.WithMeterProvider(r.reader.Provider), cache.WithClock(r.clock.Now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.caches.Shutdown(context.Background()) })
	r.cache = r.caches.Cache(cache.TypeApplication, "control")
	return r
}

// Collect collects the rig's reader once.
func (r *badRig) Collect() metricdata.ResourceMetrics { return r.reader.Collect() }

// Control records one round of known traffic on the control cache: three
// hits (two timed), a miss four times slower; sets, an eviction, the size.
func (r *badRig) Control() {
	r.cache.Hit(125 * time.Millisecond)
	r.cache.Hit(125 * time.Millisecond)
	r.cache.CountHit()
	r.cache.Miss(500 * time.Millisecond)
	r.cache.Set(3)
	r.cache.Evicted(1)
	r.cache.SetSize(5)
	if !r.closed {
		r.rounds++
	}
}

// closeCaches closes the rig's monitor, returning the second close's
// result.
func (r *badRig) closeCaches() error {
	r.closed = true
	badinput.Fatal(r.t, r.caches.Shutdown(context.Background()))
	return r.caches.Shutdown(context.Background())
}

// VerifyControl checks the control cache against the traffic of the
// rounds recorded. A closed monitor reports no observable series any more,
// and its histograms keep what was recorded before the close.
func (r *badRig) VerifyControl(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	n := int64(r.rounds)
	with := func(kv ...attribute.KeyValue) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), badCtl...), kv...)
	}
	hit := with(semconv.CacheResultKey.String(semconv.CacheResultHit))
	miss := with(semconv.CacheResultKey.String(semconv.CacheResultMiss))
	badinput.WantHist(t, rm, uint64(2*n), 0.25*float64(n), semconv.CacheOperationDuration.Name, hit...)
	badinput.WantHist(t, rm, uint64(n), 0.5*float64(n), semconv.CacheOperationDuration.Name, miss...)
	if r.closed {
		badinput.WantNone(t, rm, semconv.CacheOperations.Name, badCtl...)
		return
	}
	metrictest.Want(t, rm, 3*n, semconv.CacheOperations.Name, hit...)
	metrictest.Want(t, rm, n, semconv.CacheOperations.Name, miss...)
	metrictest.Want(t, rm, 0.75, semconv.CacheHitRatio.Name, badCtl...)
	metrictest.Want(t, rm, 0.75*(1-0.125/0.5), semconv.CacheEfficiency.Name, badCtl...)
	metrictest.Want(t, rm, 3*n, semconv.CacheSets.Name, badCtl...)
	metrictest.Want(t, rm, n, semconv.CacheEvictions.Name, badCtl...)
	metrictest.Want(t, rm, int64(5), semconv.CacheSize.Name, badCtl...)
}
