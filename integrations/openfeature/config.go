package openfeaturehook

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/instrument/feature"
)

// PatternHint is the hook hint that sets the usage pattern of one
// evaluation, overriding [WithPattern]: a non-empty string, such as
// feature.PatternBatchOperation. Values of other types are ignored.
//
//	hints := openfeature.NewHookHints(map[string]any{
//		openfeaturehook.PatternHint: feature.PatternBackgroundTask,
//	})
//	on := client.Boolean(ctx, "new-checkout", false, evalCtx, openfeature.WithHookHints(hints))
const PatternHint = "vitals.feature.pattern"

// Option configures [New].
type Option interface {
	applyHook(*config)
}

type optionFunc func(*config)

func (f optionFunc) applyHook(c *config) { f(c) }

type config struct {
	pattern  string
	provider metric.MeterProvider
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.applyHook(&c)
		}
	}
	if c.pattern == "" {
		c.pattern = feature.PatternDirectCall
	}
	if c.provider == nil {
		c.provider = otel.GetMeterProvider()
	}
	return c
}

// WithMeterProvider sets the MeterProvider the hook counts evaluations in
// (vitals.feature_flag.evaluations); the default, and what a nil mp keeps,
// is the global one. The feature uses go to the tracker given to [New],
// with the provider it was made with.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.provider = mp
		}
	})
}

// WithPattern sets the usage pattern evaluations are recorded in, such as
// feature.PatternBatchOperation or a string of the caller's; the tracker
// keeps at most feature.MaxPatterns patterns, the built-in ones included.
// The default, and what "" keeps, is feature.PatternDirectCall. The
// [PatternHint] hook hint overrides it for one evaluation.
func WithPattern(pattern string) Option {
	return optionFunc(func(c *config) { c.pattern = pattern })
}
