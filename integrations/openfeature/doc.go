// Package openfeaturehook records the flag evaluations of the OpenFeature
// Go SDK ([github.com/open-feature/go-sdk/openfeature]) as feature uses of
// a [feature.Analytics] (package
// [github.com/otelvitals/vitals/instrument/feature]): how often each flag
// is evaluated, by how many distinct users, how often it fails and how
// long it takes. In a service set up by [github.com/otelvitals/vitals.Start],
// give the analytics Start's provider and producer, so that their metrics
// leave through Start's exporters (the package example shows it whole):
//
//	a, err := feature.New(feature.WithMeterProvider(sys.MeterProvider()), feature.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer a.Shutdown(ctx)
//	hook, err := openfeaturehook.New(a, openfeaturehook.WithMeterProvider(sys.MeterProvider()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	openfeature.AddHooks(hook)
//
// The package is named openfeaturehook, not openfeature as its directory,
// so that it can be imported beside the SDK's package openfeature without
// renaming either. It is a module of its own, so that programs that use
// vitals without OpenFeature do not depend on the SDK.
//
// # What is recorded
//
// [Hook.Finally] records each evaluation once, as [feature.Feature.Record]
// on the feature of type feature_flag named by the flag key:
//
//   - user: the targeting key of the evaluation context, as the Before
//     hooks left it; "" (an anonymous use) without one;
//   - pattern: feature.PatternDirectCall, or that of [WithPattern], or that
//     of the [PatternHint] hook hint of the evaluation;
//   - duration: the time from the hook's Before to its Finally, read from
//     the monotonic clock; zero when Before was not called, which happens
//     when the SDK skipped the Before hooks (the provider is not ready or
//     has failed fatally, or an earlier hook's Before failed), so that the
//     provider was never asked;
//   - outcome: a failure when the SDK called the hook's Error (the provider
//     returned an error, such as FLAG_NOT_FOUND, TYPE_MISMATCH or
//     PROVIDER_NOT_READY, or a hook's Before or After failed) or when the
//     provider gave the reason ERROR without an error code; a success
//     otherwise, whatever the reason (STATIC, TARGETING_MATCH, DISABLED,
//     ...).
//
// A type mismatch the client finds after the hooks have run (the provider
// returned a value of another type without saying so) is not seen by
// hooks, so it counts as a success. An evaluation rejected before the hooks
// run (a flag key that is not UTF-8) is not counted.
//
// The variant the provider gave, when it names one, is counted with
// [feature.Feature.RecordVariant]: in vitals.feature.variant.uses, at most
// feature.MaxVariants per flag, further ones as "other".
//
// # Official attributes
//
// The semantic conventions describe a flag evaluation as the
// feature_flag.evaluation event, and define no metric. [Hook.Finally]
// counts each evaluation in vitals.feature_flag.evaluations (a counter of
// the MeterProvider of [WithMeterProvider], scope [ScopeName]) with the
// event's attributes, mapped as the OpenFeature SDK's
// telemetry.CreateEvaluationEvent maps them:
//
//   - feature_flag.key: the flag key;
//   - feature_flag.result.variant: the variant, when the provider gave
//     one;
//   - feature_flag.provider.name: the provider's metadata name, when it
//     has one;
//   - feature_flag.result.reason: the reason in the conventions' lower
//     case ("static", "targeting_match", "disabled", "error", ...; a
//     provider's own reason lowered), "unknown" when none was given;
//   - error.type: for an evaluation whose reason is ERROR only, its error
//     code lowered ("flag_not_found", "provider_not_ready",
//     "type_mismatch", ...), "general" without one.
//
// Left out, being one value per user or per evaluation rather than a
// dimension: feature_flag.context.id (the targeting key, which the hook
// never keeps), feature_flag.result.value, feature_flag.version,
// feature_flag.set.id and feature_flag.error.message. The series are
// counted exactly, whatever overlaps; at most [MaxSeries] are kept, and
// evaluations of further combinations go to one series marked
// vitals.overflow=true, reported once through otel.Handle
// ([ErrSeriesOverflow]).
//
// The counter and the tracker's outcome differ on one point: a failure of
// a hook (an error of a Before or After hook) is a failed use in
// vitals.feature.uses, while the evaluation's reason, which the provider
// gave, is what the counter reports, with no error.type unless that
// reason is ERROR. The counter is recorded with a nil tracker too.
//
// # Bad input
//
// Flag keys, variants, provider names, reasons and error codes are
// cleaned as the trackers clean names
// ([github.com/otelvitals/vitals/semconv.CleanValue]): valid UTF-8, at
// most 256 bytes, an empty key recorded as "unknown" (an empty variant is
// no variant). The hook keeps its handles under the cleaned key, so its
// memory stays bounded however long the keys: at most 4,096 keys of 256
// bytes, and [MaxSeries] evaluation series of five such values. A nil
// tracker gives a hook that records no feature uses (it still counts the
// evaluations), the methods of a nil *Hook do nothing, and a nil ctx is
// taken as context.Background().
//
// # Pairing the stages
//
// The SDK gives hooks no per-evaluation storage (hook hints are read-only),
// so a hook keeps the start time and the failure of each evaluation in
// flight, keyed by what its stages share: the ctx (when a pointer), the
// client's domain, the flag key and type. The targeting key is not part of
// the key. Evaluations of one key that do not overlap in time are paired
// exactly. Evaluations that overlap (one flag evaluated by several
// goroutines at once under one ctx, such as context.Background()) may
// exchange their durations and their outcomes, but the counts stay exact:
// every use and every failure is counted once, and the durations add up to
// the same sum as long as the SDK called the hook's Before in each. (One
// exception: an evaluation a provider answers with the reason ERROR but no
// error code, overlapping a failed evaluation of the same flag, may take
// that one's failure, so that one failure goes uncounted.) At most
// [MaxInFlight] evaluations are followed at once, and an evaluation leaves
// nothing behind once its Finally has run.
//
// # Privacy
//
// The targeting key is read in Finally and passed to the tracker, which
// hashes it at once and keeps only a HyperLogLog sketch of the hashes. The
// hook neither stores it nor logs it, and returns no error. The evaluation
// error is not kept either: only that there was one.
package openfeaturehook // import "github.com/otelvitals/vitals/integrations/openfeature"
