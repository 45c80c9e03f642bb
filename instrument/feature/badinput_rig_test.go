package feature_test

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// TestBadInputCases runs every bad input of badFeatureCases on a fresh
// rig: feature analytics on a fake clock, recording into their own
// ManualReader, with a control feature fed known traffic before and after
// the bad call. Each case must not panic, must return its documented error
// or count its documented no-op exactly (and count nothing else), and must
// leave the control feature exact.
func TestBadInputCases(t *testing.T) {
	cases := badFeatureCases()
	if len(cases) < 20 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

var update = flag.Bool("update", false, "rewrite this package's rows of README.md's bad-input table")

// TestBadInputTableInReadme checks that this package's rows of the
// README's bad-input table are the ones badFeatureCases render; -update
// rewrites them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, filepath.Join("..", "..", "README.md"), *update, badFeatureCases(), "feature")
}

// badCase is one bad input of the feature analytics.
type badCase = badinput.Case[*badRig]

// badT0 is where the rig's fake clock starts.
var badT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// badCtl are the attributes of the control feature.
var badCtl = []attribute.KeyValue{semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("control")}

// badRig is the world of one case.
type badRig struct {
	t        *testing.T
	clock    *clock.Fake
	reader   *metrictest.Reader
	features *feature.Analytics
	feature  *feature.Feature // the control feature

	rounds int  // control rounds recorded while the analytics were open
	closed bool // the case closed the analytics
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{t: t, clock: clock.NewFake(badT0), reader: metrictest.NewReader(t, false)}
	var err error
	r.features, err = feature.New(feature.WithMeterProvider(r.reader.Provider), feature.WithClock(r.clock.Now))
	badinput.Fatal(t, err)
	t.Cleanup(func() { _ = r.features.Shutdown(context.Background()) })
	r.feature = r.features.Feature(feature.TypeAPIEndpoint, "control")
	return r
}

// Collect collects the rig's reader once.
func (r *badRig) Collect() metricdata.ResourceMetrics { return r.reader.Collect() }

// Control records one round of known traffic on the control feature: one
// success and one failure, by two users.
func (r *badRig) Control() {
	ctx := context.Background()
	r.feature.Record(ctx, "alice", feature.PatternDirectCall, 250*time.Millisecond, true)
	r.feature.Record(ctx, "bob", feature.PatternBatchOperation, 500*time.Millisecond, false)
	if !r.closed {
		r.rounds++
	}
}

// closeFeatures closes the rig's analytics, returning the second close's
// result.
func (r *badRig) closeFeatures() error {
	r.closed = true
	badinput.Fatal(r.t, r.features.Shutdown(context.Background()))
	return r.features.Shutdown(context.Background())
}

// VerifyControl checks the control feature against the traffic of the
// rounds recorded. Closed analytics report no observable series any more,
// and their histograms keep what was recorded before the close.
func (r *badRig) VerifyControl(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	n := int64(r.rounds)
	badinput.WantHist(t, rm, uint64(2*n), 0.75*float64(n), semconv.FeatureDuration.Name, badCtl...)
	if r.closed {
		badinput.WantNone(t, rm, semconv.FeatureUsage.Name, badCtl...)
		return
	}
	use := func(pattern, outcome string) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), badCtl...), semconv.FeaturePatternKey.String(pattern), semconv.FeatureOutcomeKey.String(outcome))
	}
	metrictest.Want(t, rm, n, semconv.FeatureUsage.Name, use(feature.PatternDirectCall, semconv.FeatureOutcomeSuccess)...)
	metrictest.Want(t, rm, n, semconv.FeatureUsage.Name, use(feature.PatternBatchOperation, semconv.FeatureOutcomeFailure)...)
	metrictest.Want(t, rm, int64(2), semconv.FeatureUsers.Name, badCtl...)
	metrictest.Want(t, rm, 0.5, semconv.FeatureSuccessRatio.Name, badCtl...)
}
