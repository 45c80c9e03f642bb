package vitals_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

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
			name: "do nil function", api: "feature.Feature.Do", input: "fn: nil",
			result: "feature.ErrNilFunc, counted nil_function; no use recorded", want: feature.ErrNilFunc, counts: reject("nil_function"),
			call: func(t *testing.T, r *badRig) error {
				return badFeature(r).Do(context.Background(), "u", "", nil)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantNone(t, rm, semconv.FeatureUsage.Name, bad...)
				badWantNone(t, rm, semconv.FeatureDuration.Name, bad...)
			},
		},
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
			name: "nil feature analytics", api: "feature.Analytics (nil)", input: "every method of nil *feature.Analytics",
			result: "no-ops: Feature nil, empty Snapshot, Close nil",
			call: func(t *testing.T, _ *badRig) error {
				var a *feature.Analytics
				if f := a.Feature(feature.TypeAPIEndpoint, "bad"); f != nil {
					t.Errorf("Feature = %v, want nil", f)
				}
				if s := a.Snapshot(); len(s.Features) != 0 || !s.Time.IsZero() {
					t.Errorf("Snapshot = %+v, want the zero Snapshot", s)
				}
				return a.Shutdown(context.Background())
			},
		},
		{
			name: "nil feature", api: "feature.Feature (nil)", input: "every method of a nil *feature.Feature, Do(nil) last",
			result: "no-ops: Start's done does nothing; Do runs fn and returns its error, and feature.ErrNilFunc, uncounted, for a nil fn", want: feature.ErrNilFunc,
			call: func(t *testing.T, _ *badRig) error {
				var f *feature.Feature
				ctx := context.Background()
				f.Record(ctx, "u", "", time.Millisecond, true)
				f.Record(ctx, "u", "\xff", -1, false)
				f.RecordVariant(ctx, "u", "", "on", time.Millisecond, true)
				f.Start(ctx, "u", "")(nil)
				boom := errors.New("boom")
				ran := false
				if err := f.Do(ctx, "u", "", func(context.Context) error { ran = true; return boom }); err != boom || !ran {
					t.Errorf("Do = %v (fn ran: %v), want fn's error", err, ran)
				}
				if f.Type() != "" || f.Name() != "" {
					t.Errorf("Type %q, Name %q; want empty", f.Type(), f.Name())
				}
				return f.Do(ctx, "u", "", nil)
			},
		},
		{
			name: "feature window 1ns", api: "feature.WithWindow", input: "1ns",
			result: "clamped to feature.MinWindow (1m), so the window's quarters are 15s wide, never 0",
			call: func(t *testing.T, r *badRig) error {
				a, err := feature.New(feature.WithMeterProvider(r.reader.Provider), feature.WithClock(r.clock.Now), feature.WithWindow(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
				a.Feature(feature.TypeAPIEndpoint, "bad").Record(context.Background(), "u", "", 0, true)
				if s := a.Snapshot(); s.WindowSeconds != 60 || s.Features[0].WindowUses != 1 {
					t.Errorf("window %vs with %d uses, want 60s with 1", s.WindowSeconds, s.Features[0].WindowUses)
				}
				return nil
			},
		},
		{
			name: "feature clock steps back", api: "feature.WithClock", input: "the clock steps back 25h (before the analytics were made, past a window) between uses, and within a Start",
			result: "no time passed: the uses behind count in the newest quarter, by their users, and the use timed across the step takes 0",
			call: func(t *testing.T, r *badRig) error {
				f, ctx := badFeature(r), context.Background()
				f.Record(ctx, "alice", "", 250*time.Millisecond, true)
				done := f.Start(ctx, "carol", "")
				r.clock.Advance(-25 * time.Hour)
				f.Record(ctx, "bob", "", 250*time.Millisecond, true)
				done(nil)
				r.clock.Advance(25 * time.Hour)
				for _, s := range r.features.Snapshot().Features {
					if s.Name == "bad" && (s.WindowUses != 3 || s.UniqueUsers != 3) {
						t.Errorf("%d uses by %d users in the window, want 3 by 3", s.WindowUses, s.UniqueUsers)
					}
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(3), semconv.FeatureUsage.Name, use(feature.PatternDirectCall, ok)...)
				metrictest.Want(t, rm, int64(3), semconv.FeatureUsers.Name, bad...)
				badWantHist(t, rm, 3, 0.5, semconv.FeatureDuration.Name, bad...)
			},
		},
		{
			name: "feature done twice", api: "feature.Feature.Start", input: "done called twice",
			result: "recorded once, with its duration, as cache.Op.End",
			call: func(t *testing.T, r *badRig) error {
				done := badFeature(r).Start(context.Background(), "u", "")
				r.clock.Advance(250 * time.Millisecond)
				done(nil)
				done(errors.New("again"))
				return nil
			},
			check: usedOnce(ok, true),
		},
		{
			name: "do panicking", api: "feature.Feature.Do", input: "fn panics",
			result: "the use is recorded as a failure, timed, and the panic goes on to the caller",
			call: func(t *testing.T, r *badRig) error {
				var p any
				func() {
					defer func() { p = recover() }()
					_ = badFeature(r).Do(context.Background(), "u", "", func(context.Context) error {
						r.clock.Advance(250 * time.Millisecond)
						panic("boom")
					})
				}()
				if p != "boom" {
					t.Errorf("recovered %v, want the panic of fn", p)
				}
				return nil
			},
			check: usedOnce(failed, true),
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
