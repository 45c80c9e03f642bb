package openfeaturehook

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-feature/go-sdk/openfeature"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// MaxSeries bounds the series of vitals.feature_flag.evaluations a [Hook]
// keeps: distinct combinations of flag key, variant, provider, reason and
// error type. Evaluations of further combinations are counted in the one
// series marked vitals.overflow=true, and the first of them is reported
// once through otel.Handle ([ErrSeriesOverflow]).
const MaxSeries = 2048

// ErrSeriesOverflow is reported once through otel.Handle when a [Hook]
// holds [MaxSeries] series of vitals.feature_flag.evaluations and counts
// further evaluations in the overflow series.
var ErrSeriesOverflow = errors.New("openfeaturehook: MaxSeries evaluation series reached; further ones are counted as vitals.overflow=true")

// series is what tells the series of an evaluation apart: the values of
// its attributes, cleaned, "" for an attribute it does not carry.
type series struct {
	flag, variant, provider, reason, errorType string
}

// evaluations counts flag evaluations in vitals.feature_flag.evaluations,
// keeping the attribute set of each series it has seen.
type evaluations struct {
	counter  metric.Int64Counter
	mu       sync.RWMutex
	opts     map[series][]metric.AddOption // at most MaxSeries; a slice each, so that Add allocates none
	overflow []metric.AddOption
	warned   atomic.Bool
}

func newEvaluations(counter metric.Int64Counter) *evaluations {
	return &evaluations{
		counter:  counter,
		opts:     map[series][]metric.AddOption{},
		overflow: []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(semconv.Overflow))},
	}
}

// record counts one evaluation, with the attributes the feature-flag
// conventions give its feature_flag.evaluation event, mapped as the
// OpenFeature SDK's telemetry.CreateEvaluationEvent maps them.
func (e *evaluations) record(ctx context.Context, hc openfeature.HookContext, details openfeature.InterfaceEvaluationDetails) {
	if !e.counter.Enabled(ctx) {
		return
	}
	s := series{
		flag:   semconv.CleanValue(hc.FlagKey()),
		reason: reasonValue(details.Reason),
	}
	if details.Variant != "" {
		s.variant = semconv.CleanValue(details.Variant)
	}
	if p := hc.ProviderMetadata().Name; p != "" {
		s.provider = semconv.CleanValue(p)
	}
	if details.Reason == openfeature.ErrorReason {
		s.errorType = errorTypeValue(details.ErrorCode)
	}
	e.counter.Add(ctx, 1, e.options(s)...)
}

// options returns the attribute option of s, made and kept the first time
// s is seen, while fewer than MaxSeries are kept.
func (e *evaluations) options(s series) []metric.AddOption {
	e.mu.RLock()
	opt, ok := e.opts[s]
	e.mu.RUnlock()
	if ok {
		return opt
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if opt, ok := e.opts[s]; ok {
		return opt
	}
	if len(e.opts) >= MaxSeries {
		if !e.warned.Swap(true) {
			otel.Handle(ErrSeriesOverflow)
		}
		return e.overflow
	}
	// Copies, so that a kept key holds no part of a caller's larger string.
	s = series{strings.Clone(s.flag), strings.Clone(s.variant), strings.Clone(s.provider), strings.Clone(s.reason), strings.Clone(s.errorType)}
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, semconv.FeatureFlagKeyKey.String(s.flag), semconv.FeatureFlagResultReasonKey.String(s.reason))
	if s.variant != "" {
		attrs = append(attrs, semconv.FeatureFlagResultVariantKey.String(s.variant))
	}
	if s.provider != "" {
		attrs = append(attrs, semconv.FeatureFlagProviderNameKey.String(s.provider))
	}
	if s.errorType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(s.errorType))
	}
	opt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
	e.opts[s] = opt
	return opt
}

// reasonValue returns the feature_flag.result.reason of r: the reasons of
// the OpenFeature specification in the conventions' lower case, "unknown"
// for none, and any other reason lowered and cleaned.
func reasonValue(r openfeature.Reason) string {
	switch r {
	case "", openfeature.UnknownReason:
		return semconv.FeatureFlagResultReasonUnknown
	case openfeature.StaticReason:
		return "static"
	case openfeature.DefaultReason:
		return "default"
	case openfeature.TargetingMatchReason:
		return "targeting_match"
	case openfeature.SplitReason:
		return "split"
	case openfeature.CachedReason:
		return "cached"
	case openfeature.DisabledReason:
		return "disabled"
	case openfeature.ErrorReason:
		return "error"
	case "STALE":
		return "stale"
	}
	return semconv.CleanValue(strings.ToLower(string(r)))
}

// errorTypeValue returns the error.type of an evaluation that failed with
// code: the codes of the OpenFeature specification in the conventions'
// lower case, "general" for none, and any other code lowered and cleaned.
func errorTypeValue(code openfeature.ErrorCode) string {
	switch code {
	case "", openfeature.GeneralCode:
		return semconv.ErrorTypeGeneral
	case openfeature.ProviderNotReadyCode:
		return "provider_not_ready"
	case openfeature.ProviderFatalCode:
		return "provider_fatal"
	case openfeature.FlagNotFoundCode:
		return "flag_not_found"
	case openfeature.ParseErrorCode:
		return "parse_error"
	case openfeature.TypeMismatchCode:
		return "type_mismatch"
	case openfeature.TargetingKeyMissingCode:
		return "targeting_key_missing"
	case openfeature.InvalidContextCode:
		return "invalid_context"
	}
	return semconv.CleanValue(strings.ToLower(string(code)))
}
