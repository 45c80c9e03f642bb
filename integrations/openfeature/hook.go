package openfeaturehook

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/semconv"
)

// ScopeName is the instrumentation scope of the meter the hook counts
// evaluations with.
const ScopeName = "github.com/otelvitals/vitals/integrations/openfeature"

// Version is the version of this module, reported as the instrumentation
// scope version of that meter.
const Version = "0.1.0"

// maxCached bounds the feature handles a hook keeps, one per flag key;
// the handles of further flag keys are looked up at each evaluation. The
// keys are kept cleaned, so at most semconv.MaxValueLength bytes each.
const maxCached = 4096

// Hook is an OpenFeature hook that records every flag evaluation as a use
// of a feature_flag feature of a [feature.Analytics]; see the package
// documentation for what is recorded. Make one with [New] and register it
// once: on the global API (openfeature.AddHooks), on an API instance or on
// a client. Each registration counts every evaluation it sees.
//
// A Hook is safe for concurrent use. Its methods never change the
// evaluation context, never return an error, and keep no targeting key.
// The methods of a nil *Hook do nothing.
type Hook struct {
	a       *feature.Analytics
	evals   *evaluations
	pattern string
	now     func() time.Time

	mu       sync.RWMutex
	features map[string]*feature.Feature // by cleaned flag key, at most maxCached

	inflight inflight
	cacheOff atomic.Bool // maxCached reached
}

var _ openfeature.Hook = (*Hook)(nil)

// New returns a hook recording the flag evaluations it sees in a as uses of
// the feature_flag feature named by the flag key (feature.TypeFeatureFlag),
// in the pattern feature.PatternDirectCall unless [WithPattern] or the
// [PatternHint] hint says otherwise. The tracker then reports, per flag,
// vitals.feature.uses by pattern and outcome, vitals.feature.use.duration,
// vitals.feature.users and vitals.feature.success_ratio.
//
// The hook also counts each evaluation in vitals.feature_flag.evaluations
// of the MeterProvider of [WithMeterProvider] (the global one by default),
// with the official feature_flag.key, feature_flag.result.variant,
// feature_flag.provider.name, feature_flag.result.reason and error.type
// attributes: see the package documentation.
//
// Flag keys, variants, provider names, reasons and error codes are cleaned
// as the trackers clean names ([semconv.CleanValue]: valid UTF-8, at most
// [semconv.MaxValueLength] bytes), so that the hook keeps a bounded amount
// of memory whatever the keys, and "" (no variant) stays "". Nil options
// are ignored.
//
// A nil a gives a hook that records no feature uses and still counts the
// evaluations. New never returns nil: if the counter cannot be made, the
// hook counts no evaluations and the error is returned with it.
func New(a *feature.Analytics, opts ...Option) (*Hook, error) {
	cfg := newConfig(opts)
	m := cfg.provider.Meter(ScopeName, metric.WithInstrumentationVersion(Version),
		metric.WithSchemaURL(semconv.SchemaURL))
	counter, err := semconv.FeatureFlagEvaluations.New(m)
	return &Hook{
		a:        a,
		evals:    newEvaluations(counter),
		pattern:  cfg.pattern,
		now:      time.Now,
		features: map[string]*feature.Feature{},
	}, err
}

// Before notes when the evaluation began. It returns no evaluation context
// and no error.
func (h *Hook) Before(ctx context.Context, hc openfeature.HookContext, _ openfeature.HookHints) (*openfeature.EvaluationContext, error) {
	if h != nil && h.a != nil {
		h.inflight.begin(keyOf(ctx, hc), h.now())
	}
	return nil, nil
}

// After does nothing: the evaluation is recorded by [Hook.Finally]. It
// returns no error.
func (h *Hook) After(context.Context, openfeature.HookContext, openfeature.InterfaceEvaluationDetails, openfeature.HookHints) error {
	return nil
}

// Error notes that the evaluation failed, for [Hook.Finally] to record. The
// error itself is not kept.
func (h *Hook) Error(ctx context.Context, hc openfeature.HookContext, _ error, _ openfeature.HookHints) {
	if h != nil && h.a != nil {
		h.inflight.fail(keyOf(ctx, hc))
	}
}

// Finally records the evaluation: a use of the flag by the evaluation
// context's targeting key, taking the time since Before, failed if Error
// was called or the reason is ERROR; and one evaluation in
// vitals.feature_flag.evaluations. A nil ctx is taken as
// context.Background().
func (h *Hook) Finally(ctx context.Context, hc openfeature.HookContext, details openfeature.InterfaceEvaluationDetails, hints openfeature.HookHints) {
	if h == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background() // the tracker and the counter may hand ctx to the OTel SDK
	}
	h.evals.record(ctx, hc, details)
	if h.a == nil {
		return
	}
	start, timed, failed := h.inflight.end(keyOf(ctx, hc))
	var d time.Duration
	if timed {
		d = h.now().Sub(start) // time.Since(start) with the default clock
	}
	// A provider may report the reason ERROR without an error code, which
	// the SDK does not treat as an error, so Error was not called for it.
	// With an error code, Error was called and its failure taken above.
	if details.Reason == openfeature.ErrorReason && details.ErrorCode == "" {
		failed = true
	}
	pattern := h.pattern
	if p, ok := hints.Value(PatternHint).(string); ok && p != "" {
		pattern = p
	}
	variant := details.Variant
	if variant != "" {
		// The tracker matches variants as given against those it cleaned.
		variant = semconv.CleanValue(variant)
	}
	h.feature(hc.FlagKey()).RecordVariant(ctx, hc.EvaluationContext().TargetingKey(), pattern, variant, d, !failed)
}

// feature returns the handle of the flag key flag, kept, under the cleaned
// key, for the first maxCached flag keys. The tracker is given flag as it
// is, and counts its repairs in vitals.input.rejections.
func (h *Hook) feature(flag string) *feature.Feature {
	key := semconv.CleanValue(flag) // a copy of at most 256 bytes, never the caller's huge key
	h.mu.RLock()
	f := h.features[key]
	h.mu.RUnlock()
	if f != nil {
		return f
	}
	f = h.a.Feature(feature.TypeFeatureFlag, flag)
	if h.cacheOff.Load() {
		return f
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.features) >= maxCached {
		h.cacheOff.Store(true)
		return f
	}
	h.features[key] = f
	return f
}
