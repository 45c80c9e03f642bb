package openfeaturehook_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelvitals/vitals/instrument/feature"
	openfeaturehook "github.com/otelvitals/vitals/integrations/openfeature"
	"github.com/otelvitals/vitals/semconv"
)

// newHook returns the hook New makes, failing t on error.
func newHook(t testing.TB, a *feature.Analytics, opts ...openfeaturehook.Option) *openfeaturehook.Hook {
	t.Helper()
	h, err := openfeaturehook.New(a, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		t.Fatal("New returned nil")
	}
	return h
}

// evalPoint is the want of one vitals.feature_flag.evaluations series.
type evalPoint struct {
	attrs []attribute.KeyValue
	n     int64
}

// evaluationsMetric is the vitals.feature_flag.evaluations metric of pts.
func evaluationsMetric(pts ...evalPoint) metricdata.Metrics {
	dps := make([]metricdata.DataPoint[int64], len(pts))
	for i, p := range pts {
		dps[i] = metricdata.DataPoint[int64]{Attributes: attribute.NewSet(p.attrs...), Value: p.n}
	}
	return metricdata.Metrics{
		Name:        semconv.FeatureFlagEvaluations.Name,
		Description: semconv.FeatureFlagEvaluations.Description,
		Unit:        "{evaluation}",
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality,
			IsMonotonic: true,
			DataPoints:  dps,
		},
	}
}

// evaluationsOf collects reader and returns its
// vitals.feature_flag.evaluations, checking the scope it came in.
func evaluationsOf(t *testing.T, reader *sdkmetric.ManualReader) metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == semconv.FeatureFlagEvaluations.Name {
				if sm.Scope.Name != openfeaturehook.ScopeName || sm.Scope.Version != openfeaturehook.Version || sm.Scope.SchemaURL != semconv.SchemaURL {
					t.Errorf("scope %+v", sm.Scope)
				}
				return m
			}
		}
	}
	t.Fatal("no evaluations counted")
	return metricdata.Metrics{}
}

func attrs(flag, variant, reason, errorType string) []attribute.KeyValue {
	kvs := []attribute.KeyValue{
		semconv.FeatureFlagKeyKey.String(flag),
		semconv.FeatureFlagProviderNameKey.String("InMemoryProvider"),
		semconv.FeatureFlagResultReasonKey.String(reason),
	}
	if variant != "" {
		kvs = append(kvs, semconv.FeatureFlagResultVariantKey.String(variant))
	}
	if errorType != "" {
		kvs = append(kvs, semconv.ErrorTypeKey.String(errorType))
	}
	return kvs
}

// TestEvaluationsCounted evaluates the in-memory flags through the OpenFeature
// SDK and reads vitals.feature_flag.evaluations exactly: one series per
// flag, variant, reason and error type, with the provider's name, the
// reasons and error codes in the conventions' lower case, no variant where
// the provider gave none, and error.type only where the reason is ERROR.
// The feature tracker's usage is recorded as before.
func TestEvaluationsCounted(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	api := isolated.NewAPI()
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
	api.AddHooks(newHook(t, a, openfeaturehook.WithMeterProvider(mp)))
	if err := api.SetProviderAndWait(t.Context(), memprovider.NewInMemoryProvider(flags())); err != nil {
		t.Fatal(err)
	}
	evaluateAll(t, api.NewClient())

	want := evaluationsMetric(
		evalPoint{attrs("new-checkout", "on", "static", ""), 5},
		evalPoint{attrs("banner-color", "blue", "targeting_match", ""), 1},
		evalPoint{attrs("banner-color", "grey", "default", ""), 1},
		evalPoint{attrs("missing", "", "error", "flag_not_found"), 3},
		evalPoint{attrs("broken", "", "error", "general"), 1},
		evalPoint{attrs("beta", "", "disabled", ""), 2},
	)
	metricdatatest.AssertEqual(t, want, evaluationsOf(t, reader), metricdatatest.IgnoreTimestamp())
	uses := map[string]int64{}
	for _, f := range a.Snapshot().Features {
		uses[f.Name] = f.Uses
	}
	if uses["new-checkout"] != 5 || uses["missing"] != 3 || uses["beta"] != 2 {
		t.Errorf("feature uses %v: the tracker's usage changed", uses)
	}
}

// TestEvaluationAttributes drives Finally with the details providers give
// and checks the attributes of the one evaluation counted.
func TestEvaluationAttributes(t *testing.T) {
	long := strings.Repeat("k", 1000)
	tests := []struct {
		name     string
		flag     string
		provider string
		details  openfeature.ResolutionDetail
		want     []attribute.KeyValue
	}{
		{"no reason is unknown", "f", "p", openfeature.ResolutionDetail{Variant: "on"}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("unknown"), semconv.FeatureFlagResultVariantKey.String("on"),
		}},
		{"cached", "f", "p", openfeature.ResolutionDetail{Reason: openfeature.CachedReason}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("cached"),
		}},
		{"split", "f", "p", openfeature.ResolutionDetail{Reason: openfeature.SplitReason, Variant: "b"}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("split"), semconv.FeatureFlagResultVariantKey.String("b"),
		}},
		{"a provider's own reason, lowered", "f", "p", openfeature.ResolutionDetail{Reason: "RULE_42"}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("rule_42"),
		}},
		{"provider not ready", "f", "p", openfeature.ResolutionDetail{Reason: openfeature.ErrorReason, ErrorCode: openfeature.ProviderNotReadyCode}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("error"), semconv.ErrorTypeKey.String("provider_not_ready"),
		}},
		{"type mismatch", "f", "p", openfeature.ResolutionDetail{Reason: openfeature.ErrorReason, ErrorCode: openfeature.TypeMismatchCode}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("error"), semconv.ErrorTypeKey.String("type_mismatch"),
		}},
		{"a provider's own error code, lowered", "f", "p", openfeature.ResolutionDetail{Reason: openfeature.ErrorReason, ErrorCode: "QUOTA"}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("error"), semconv.ErrorTypeKey.String("quota"),
		}},
		{"an error code without the reason ERROR is no error", "f", "p", openfeature.ResolutionDetail{Reason: openfeature.StaticReason, ErrorCode: openfeature.GeneralCode}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("static"),
		}},
		{"no provider name", "f", "", openfeature.ResolutionDetail{Reason: openfeature.StaticReason}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("f"), semconv.FeatureFlagResultReasonKey.String("static"),
		}},
		{"values cleaned", "\xffk" + long, "p\xfe", openfeature.ResolutionDetail{Reason: "R\xff", Variant: long}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String("\uFFFDk" + long[:semconv.MaxValueLength-len("\uFFFDk")]),
			semconv.FeatureFlagProviderNameKey.String("p\uFFFD"),
			semconv.FeatureFlagResultReasonKey.String("r\uFFFD"),
			semconv.FeatureFlagResultVariantKey.String(long[:semconv.MaxValueLength]),
		}},
		{"empty flag key", "", "p", openfeature.ResolutionDetail{Reason: openfeature.StaticReason}, []attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String(semconv.UnknownValue), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("static"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			h := newHook(t, nil, openfeaturehook.WithMeterProvider(mp)) // no tracker: the counter alone
			hc := openfeature.NewHookContext(tt.flag, openfeature.Boolean, false, openfeature.NewClientMetadata("c"),
				openfeature.Metadata{Name: tt.provider}, openfeature.NewEvaluationContext("alice", nil))
			details := openfeature.InterfaceEvaluationDetails{EvaluationDetails: openfeature.EvaluationDetails{
				FlagKey: tt.flag, FlagType: openfeature.Boolean, ResolutionDetail: tt.details,
			}}
			h.Finally(context.Background(), hc, details, openfeature.HookHints{})
			metricdatatest.AssertEqual(t, evaluationsMetric(evalPoint{tt.want, 1}), evaluationsOf(t, reader), metricdatatest.IgnoreTimestamp())
		})
	}
}

// TestEvaluationSeriesOverflow counts evaluations of MaxSeries+10 flags:
// the first MaxSeries have a series each, the others share the overflow
// series, and ErrSeriesOverflow is reported once.
func TestEvaluationSeriesOverflow(t *testing.T) {
	var mu sync.Mutex
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, err)
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader),
		sdkmetric.WithCardinalityLimit(openfeaturehook.MaxSeries+10)) // the SDK's own limit is not what is tested
	defer mp.Shutdown(context.Background())
	h := newHook(t, nil, openfeaturehook.WithMeterProvider(mp))
	flag := func(i int) string { return fmt.Sprintf("flag-%d", i) }
	for i := range openfeaturehook.MaxSeries + 10 {
		hc := openfeature.NewHookContext(flag(i), openfeature.Boolean, false, openfeature.NewClientMetadata("c"),
			openfeature.Metadata{Name: "p"}, openfeature.EvaluationContext{})
		h.Finally(context.Background(), hc, openfeature.InterfaceEvaluationDetails{EvaluationDetails: openfeature.EvaluationDetails{
			ResolutionDetail: openfeature.ResolutionDetail{Reason: openfeature.StaticReason},
		}}, openfeature.HookHints{})
	}
	pts := make([]evalPoint, 0, openfeaturehook.MaxSeries+1)
	for i := range openfeaturehook.MaxSeries {
		pts = append(pts, evalPoint{[]attribute.KeyValue{
			semconv.FeatureFlagKeyKey.String(flag(i)), semconv.FeatureFlagProviderNameKey.String("p"),
			semconv.FeatureFlagResultReasonKey.String("static"),
		}, 1})
	}
	pts = append(pts, evalPoint{[]attribute.KeyValue{semconv.Overflow}, 10})
	metricdatatest.AssertEqual(t, evaluationsMetric(pts...), evaluationsOf(t, reader), metricdatatest.IgnoreTimestamp())
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 1 || !errors.Is(handled[0], openfeaturehook.ErrSeriesOverflow) {
		t.Errorf("otel.Handle got %v, want ErrSeriesOverflow once", handled)
	}
}

// TestEvaluationCountAllocs checks that counting an evaluation of a series
// already seen allocates nothing, the SDK's Add included.
func TestEvaluationCountAllocs(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	h := newHook(t, nil, openfeaturehook.WithMeterProvider(mp))
	hc := openfeature.NewHookContext("f", openfeature.Boolean, false, openfeature.NewClientMetadata("c"),
		openfeature.Metadata{Name: "p"}, openfeature.EvaluationContext{})
	details := openfeature.InterfaceEvaluationDetails{EvaluationDetails: openfeature.EvaluationDetails{
		ResolutionDetail: openfeature.ResolutionDetail{Reason: openfeature.TargetingMatchReason, Variant: "on"},
	}}
	ctx := context.Background()
	h.Finally(ctx, hc, details, openfeature.HookHints{})
	if n := testing.AllocsPerRun(1000, func() { h.Finally(ctx, hc, details, openfeature.HookHints{}) }); n != 0 {
		t.Errorf("%v allocations per counted evaluation, want 0", n)
	}
}
