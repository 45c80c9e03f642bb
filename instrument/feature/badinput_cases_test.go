package feature_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func badFeatureCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badinput.Reasons(semconv.SignalFeature, reasons...) }
	bad := []attribute.KeyValue{semconv.FeatureTypeKey.String(feature.TypeAPIEndpoint), semconv.FeatureNameKey.String("bad")}
	use := func(pattern, outcome string) []attribute.KeyValue {
		return badinput.With(bad, semconv.FeaturePatternKey.String(pattern), semconv.FeatureOutcomeKey.String(outcome))
	}
	badFeature := func(r *badRig) *feature.Feature { return r.Tracker.Feature(feature.TypeAPIEndpoint, "bad") }
	// nameOf makes a feature named name and returns the name it kept.
	nameOf := func(name string) func(*badRig) string {
		return func(r *badRig) string { return r.Tracker.Feature(feature.TypeAPIEndpoint, name).Name() }
	}
	usedOnce := func(outcome string, timed bool) func(*testing.T, *badRig, metricdata.ResourceMetrics) {
		return func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
			metrictest.Want(t, rm, int64(1), semconv.FeatureUses.Name, use(feature.PatternDirectCall, outcome)...)
			if timed {
				badinput.WantHist(t, rm, 1, 0.25, semconv.FeatureUseDuration.Name, bad...)
			} else {
				badinput.WantNone(t, rm, semconv.FeatureUseDuration.Name, bad...)
			}
		}
	}
	ok, failed := semconv.FeatureOutcomeSuccess, semconv.FeatureOutcomeFailure
	return []badCase{
		{
			Name: "do nil function", API: "feature.Feature.Do", Input: "fn: nil",
			Result: "feature.ErrNilFunc, counted nil_function; no use recorded", Want: feature.ErrNilFunc, Counts: reject("nil_function"),
			Call: func(t *testing.T, r *badRig) error {
				return badFeature(r).Do(context.Background(), "u", "", nil)
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badinput.WantNone(t, rm, semconv.FeatureUses.Name, bad...)
				badinput.WantNone(t, rm, semconv.FeatureUseDuration.Name, bad...)
			},
		},
		{
			Name: "negative use duration", API: "feature.Feature.Record", Input: "d = -1ns",
			Result: "use recorded without duration, counted negative_duration", Counts: reject("negative_duration"),
			Call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(context.Background(), "u", "", -1, true)
				return nil
			},
			Check: usedOnce(ok, false),
		},
		{
			Name: "-Inf use duration", API: "feature.Feature.Record", Input: "d = math.MinInt64 (-Inf saturated)",
			Result: "use recorded without duration, counted negative_duration", Counts: reject("negative_duration"),
			Call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(context.Background(), "u", "", math.MinInt64, true)
				return nil
			},
			Check: usedOnce(ok, false),
		},
		{
			Name: "+Inf use duration", API: "feature.Feature.Record", Input: "d = math.MaxInt64 (+Inf saturated)",
			Result: "use recorded without duration, counted infinite_duration", Counts: reject("infinite_duration"),
			Call: func(t *testing.T, r *badRig) error {
				f := badFeature(r)
				f.Record(context.Background(), "u", "", math.MaxInt64, false)
				if s := r.Tracker.Snapshot().Features; s[len(s)-1].MeanDurationSeconds != 0 {
					t.Errorf("mean duration %v, want 0: no timed use", s[len(s)-1].MeanDurationSeconds)
				}
				return nil
			},
			Check: usedOnce(failed, false),
		},
		{
			Name: "record with nil context", API: "feature.Feature.Record", Input: "ctx: nil",
			Result: "taken as context.Background(): recorded",
			Call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(badinput.NilCtx, "u", "", 250*time.Millisecond, true)
				return nil
			},
			Check: usedOnce(ok, true),
		},
		{
			Name: "record with cancelled context", API: "feature.Feature.Record", Input: "ctx: cancelled",
			Result: "recorded: ctx only carries the trace",
			Call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(badinput.Cancelled(), "u", "", 250*time.Millisecond, true)
				return nil
			},
			Check: usedOnce(ok, true),
		},
		{
			Name: "do with nil context", API: "feature.Feature.Do", Input: "ctx: nil",
			Result: "fn gets context.Background(); the use is recorded",
			Call: func(t *testing.T, r *badRig) error {
				return badFeature(r).Do(badinput.NilCtx, "u", "", func(ctx context.Context) error {
					if ctx == nil {
						return errors.New("fn got a nil context")
					}
					r.Clock.Advance(250 * time.Millisecond)
					return ctx.Err()
				})
			},
			Check: usedOnce(ok, true),
		},
		{
			Name: "do with cancelled context", API: "feature.Feature.Do", Input: "ctx: cancelled, fn returns ctx.Err()",
			Result: "fn's error (context.Canceled) returned, recorded as a failure", Want: context.Canceled,
			Call: func(t *testing.T, r *badRig) error {
				return badFeature(r).Do(badinput.Cancelled(), "u", "", func(ctx context.Context) error {
					r.Clock.Advance(250 * time.Millisecond)
					return ctx.Err()
				})
			},
			Check: usedOnce(failed, true),
		},
		{
			Name: "feature start with nil context", API: "feature.Feature.Start", Input: "ctx: nil",
			Result: "the use is recorded when done is called",
			Call: func(t *testing.T, r *badRig) error {
				op := badFeature(r).Start(badinput.NilCtx, "u", "")
				r.Clock.Advance(250 * time.Millisecond)
				op.End(nil)
				return nil
			},
			Check: usedOnce(ok, true),
		},
		{
			Name: "invalid UTF-8 pattern", API: "feature.Feature.Record", Input: `pattern "batch\xff"`,
			Result: "cleaned to U+FFFD, counted invalid_utf8", Counts: reject("invalid_utf8"),
			Call: func(t *testing.T, r *badRig) error {
				badFeature(r).Record(context.Background(), "u", "batch\xff", 0, true)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.FeatureUses.Name, use("batch\uFFFD", ok)...)
			},
		},
		{
			Name: "too many patterns", API: "feature.Feature.Record", Input: "5 custom patterns (MaxPatterns 8, 4 built in)",
			Result: `the fifth recorded as "other", counted too_many_patterns`, Counts: reject("too_many_patterns"),
			Call: func(t *testing.T, r *badRig) error {
				f := badFeature(r)
				for i := range 5 {
					f.Record(context.Background(), "u", fmt.Sprintf("custom%d", i), 0, true)
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.FeatureUses.Name, use(feature.PatternOther, ok)...)
				metrictest.Want(t, rm, int64(1), semconv.FeatureUses.Name, use("custom3", ok)...)
			},
		},
		{
			Name: "too many variants", API: "feature.Feature.RecordVariant", Input: "9 variants (MaxVariants 8)",
			Result: `the ninth counted as "other", counted too_many_variants`, Counts: reject("too_many_variants"),
			Call: func(t *testing.T, r *badRig) error {
				f := badFeature(r)
				for i := range 9 {
					f.RecordVariant(context.Background(), "u", "", fmt.Sprintf("v%d", i), 0, true)
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				variant := func(v string) []attribute.KeyValue { return badinput.With(bad, semconv.FeatureVariantKey.String(v)) }
				metrictest.Want(t, rm, int64(1), semconv.FeatureVariantUses.Name, variant(feature.PatternOther)...)
				metrictest.Want(t, rm, int64(1), semconv.FeatureVariantUses.Name, variant("v7")...)
			},
		},
		{
			Name: "feature empty name", API: "feature.Analytics.Feature", Input: `name ""`,
			Result: `cleaned to "unknown", counted empty_name`, Counts: reject("empty_name"),
			Call: badinput.Cleaned(nameOf(""), "unknown"),
		},
		{
			Name: "feature 1 MiB name", API: "feature.Analytics.Feature", Input: "name of 1 MiB",
			Result: "cut to MaxNameLength, counted name_too_long", Counts: reject("name_too_long"),
			Call: badinput.Cleaned(nameOf(badinput.MiB), badinput.MiB[:feature.MaxNameLength]),
		},
		{
			Name: "feature invalid UTF-8 name", API: "feature.Analytics.Feature", Input: `name "pool\xff\xfe"`,
			Result: "invalid bytes become U+FFFD, counted invalid_utf8", Counts: reject("invalid_utf8"),
			Call: badinput.Cleaned(nameOf(badinput.Invalid), "pool\uFFFD"),
		},
		{
			Name: "nil feature analytics", API: "feature.Analytics (nil)", Input: "every method of nil *feature.Analytics",
			Result: "no-ops: Feature nil, empty Snapshot, Shutdown nil",
			Call: func(t *testing.T, _ *badRig) error {
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
			Name: "nil feature", API: "feature.Feature (nil)", Input: "every method of a nil *feature.Feature, Do(nil) last",
			Result: "no-ops: Start's done does nothing; Do runs fn and returns its error, and feature.ErrNilFunc, uncounted, for a nil fn", Want: feature.ErrNilFunc,
			Call: func(t *testing.T, _ *badRig) error {
				var f *feature.Feature
				ctx := context.Background()
				f.Record(ctx, "u", "", time.Millisecond, true)
				f.Record(ctx, "u", "\xff", -1, false)
				f.RecordVariant(ctx, "u", "", "on", time.Millisecond, true)
				op := f.Start(ctx, "u", "")
				op.End(nil)
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
			Name: "feature window 1ns", API: "feature.WithWindow", Input: "1ns",
			Result: "clamped to feature.MinWindow (1m), reported to otel.Handle, so the window's quarters are 15s wide, never 0",
			Call: func(t *testing.T, r *badRig) error {
				a := r.New(feature.WithWindow(1))
				a.Feature(feature.TypeAPIEndpoint, "bad").Record(context.Background(), "u", "", 0, true)
				if s := a.Snapshot(); s.WindowSeconds != 60 || s.Features[0].WindowUses != 1 {
					t.Errorf("window %vs with %d uses, want 60s with 1", s.WindowSeconds, s.Features[0].WindowUses)
				}
				return nil
			},
		},
		{
			Name: "user hash key of 5 bytes", API: "feature.WithUserHashKey", Input: `[]byte("short")`,
			Result: "feature.ErrHashKeyLength from New, with analytics that count users on the random per-process seed",
			Want:   feature.ErrHashKeyLength,
			Call: func(t *testing.T, _ *badRig) error {
				a, err := feature.New(feature.WithMeterProvider(noop.NewMeterProvider()), feature.WithUserHashKey([]byte("short")))
				a.Feature(feature.TypeAPIEndpoint, "k").Record(context.Background(), "u", "", 0, true)
				if s := a.Snapshot().Features; len(s) != 1 || s[0].UniqueUsers != 1 {
					t.Errorf("snapshot %+v, want one user", s)
				}
				_ = a.Shutdown(context.Background())
				return err
			},
		},
		{
			Name: "feature clock steps back", API: "feature.WithClock", Input: "the clock steps back 25h (before the analytics were made, past a window) between uses, and within a Start",
			Result: "no time passed: the uses behind count in the newest quarter, by their users, and the use timed across the step takes 0",
			Call: func(t *testing.T, r *badRig) error {
				f, ctx := badFeature(r), context.Background()
				f.Record(ctx, "alice", "", 250*time.Millisecond, true)
				op := f.Start(ctx, "carol", "")
				r.Clock.Advance(-25 * time.Hour)
				f.Record(ctx, "bob", "", 250*time.Millisecond, true)
				op.End(nil)
				r.Clock.Advance(25 * time.Hour)
				for _, s := range r.Tracker.Snapshot().Features {
					if s.Name == "bad" && (s.WindowUses != 3 || s.UniqueUsers != 3) {
						t.Errorf("%d uses by %d users in the window, want 3 by 3", s.WindowUses, s.UniqueUsers)
					}
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(3), semconv.FeatureUses.Name, use(feature.PatternDirectCall, ok)...)
				metrictest.Want(t, rm, int64(3), semconv.FeatureUsers.Name, bad...)
				badinput.WantHist(t, rm, 3, 0.5, semconv.FeatureUseDuration.Name, bad...)
			},
		},
		{
			Name: "feature op ended twice", API: "feature.Op.End", Input: "End called twice",
			Result: "recorded once, with its duration, as cache.Op.End",
			Call: func(t *testing.T, r *badRig) error {
				op := badFeature(r).Start(context.Background(), "u", "")
				r.Clock.Advance(250 * time.Millisecond)
				op.End(nil)
				op.End(errors.New("again"))
				return nil
			},
			Check: usedOnce(ok, true),
		},
		{
			Name: "do panicking", API: "feature.Feature.Do", Input: "fn panics",
			Result: "the use is recorded as a failure, timed, and the panic goes on to the caller",
			Call: func(t *testing.T, r *badRig) error {
				var p any
				func() {
					defer func() { p = recover() }()
					_ = badFeature(r).Do(context.Background(), "u", "", func(context.Context) error {
						r.Clock.Advance(250 * time.Millisecond)
						panic("boom")
					})
				}()
				if p != "boom" {
					t.Errorf("recovered %v, want the panic of fn", p)
				}
				return nil
			},
			Check: usedOnce(failed, true),
		},
		{
			Name: "feature analytics use after shutdown", API: "feature.Analytics.Shutdown", Input: "handles used after Shutdown, bad input included; Shutdown twice",
			Result: "no-op: nothing reported or counted; second Shutdown nil",
			Call: func(t *testing.T, r *badRig) error {
				err := r.Shutdown(context.Background())
				f := r.Tracker.Feature(feature.TypeAPIEndpoint, "after")
				f.Record(context.Background(), "u", "", time.Millisecond, true)
				f.Record(context.Background(), "u", "", -1, true)
				f.RecordVariant(context.Background(), "u", "\xff", "on", 0, false)
				_ = f.Do(context.Background(), "u", "", func(context.Context) error { return nil })
				return err
			},
			Check: badinput.NothingNamed[*badRig]("after"),
		},
	}
}
