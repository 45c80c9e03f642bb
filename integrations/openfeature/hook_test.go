package openfeaturehook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/instrument/feature"
	openfeaturehook "github.com/otelvitals/vitals/integrations/openfeature"
	"github.com/otelvitals/vitals/semconv"
)

// TestMain checks that no goroutine outlives the tests: each test shuts its
// OpenFeature API instance down, which stops the SDK's event goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// users are the targeting keys of the tests; none may reach the metrics or
// the snapshot.
var users = []string{"alice", "bob", "carol", "dave", "erin"}

// flags are the flags of the in-memory provider:
//
//   - new-checkout: a boolean flag, on;
//   - banner-color: a string flag whose variant depends on the user;
//   - beta: a disabled flag, which resolves without an error;
//   - broken: a flag whose evaluator answers the reason ERROR without an
//     error code;
//   - flaky: a boolean flag that fails, with a GENERAL error, for the users
//     whose targeting key ends in an odd digit.
func flags() map[string]memprovider.InMemoryFlag {
	color := func(_ memprovider.InMemoryFlag, ctx openfeature.FlattenedContext) (any, openfeature.ProviderResolutionDetail) {
		if ctx[openfeature.TargetingKey] == "alice" {
			return "blue", openfeature.ProviderResolutionDetail{Reason: openfeature.TargetingMatchReason, Variant: "blue"}
		}
		return "grey", openfeature.ProviderResolutionDetail{Reason: openfeature.DefaultReason, Variant: "grey"}
	}
	broken := func(_ memprovider.InMemoryFlag, _ openfeature.FlattenedContext) (any, openfeature.ProviderResolutionDetail) {
		return false, openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason}
	}
	flaky := func(_ memprovider.InMemoryFlag, ctx openfeature.FlattenedContext) (any, openfeature.ProviderResolutionDetail) {
		key, _ := ctx[openfeature.TargetingKey].(string)
		if key != "" && (key[len(key)-1]-'0')%2 == 1 {
			return false, openfeature.ProviderResolutionDetail{
				Reason:          openfeature.ErrorReason,
				ResolutionError: openfeature.NewGeneralResolutionError("backend unavailable"),
			}
		}
		return true, openfeature.ProviderResolutionDetail{Reason: openfeature.StaticReason, Variant: "on"}
	}
	onOff := map[string]any{"on": true, "off": false}
	return map[string]memprovider.InMemoryFlag{
		"new-checkout": {Key: "new-checkout", State: memprovider.Enabled, DefaultVariant: "on", Variants: onOff},
		"banner-color": {Key: "banner-color", State: memprovider.Enabled, DefaultVariant: "grey",
			Variants: map[string]any{"blue": "blue", "grey": "grey"}, ContextEvaluator: &color},
		"beta":   {Key: "beta", State: memprovider.Disabled, DefaultVariant: "on", Variants: onOff},
		"broken": {Key: "broken", State: memprovider.Enabled, DefaultVariant: "on", Variants: onOff, ContextEvaluator: &broken},
		"flaky":  {Key: "flaky", State: memprovider.Enabled, DefaultVariant: "on", Variants: onOff, ContextEvaluator: &flaky},
	}
}

// env is an OpenFeature API instance of its own with the hook registered,
// recording into analytics read through a ManualReader.
type env struct {
	a      *feature.Analytics
	reader *sdkmetric.ManualReader
	api    *openfeature.EvaluationAPI
	client *openfeature.Client
}

// newEnv returns an env serving provider (the in-memory flags when nil),
// with hooks registered on the API after the vitals hook. The global
// OpenFeature API is left alone; the instance is shut down at cleanup.
func newEnv(t *testing.T, provider openfeature.FeatureProvider, opts []openfeaturehook.Option, hooks ...openfeature.Hook) *env {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })

	if provider == nil {
		provider = memprovider.NewInMemoryProvider(flags())
	}
	api := isolated.NewAPI()
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
	api.AddHooks(append([]openfeature.Hook{newHook(t, a, opts...)}, hooks...)...)
	// A provider whose initialization fails is still set; the error only
	// says so.
	_ = api.SetProviderAndWait(t.Context(), provider)
	return &env{a: a, reader: reader, api: api, client: api.NewClient()}
}

// evalCtx returns the evaluation context of user, anonymous when "".
func evalCtx(user string) openfeature.EvaluationContext {
	return openfeature.NewEvaluationContext(user, map[string]any{"plan": "pro"})
}

// collect returns the metrics collected now.
func (e *env) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// metric returns the metric called name, failing the test without it.
func metric(t *testing.T, rm metricdata.ResourceMetrics, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return metricdata.Metrics{}
}

// byName returns the snapshot of each feature, by name.
func byName(s feature.Snapshot) map[string]feature.Entry {
	m := map[string]feature.Entry{}
	for _, f := range s.Features {
		m[f.Name] = f
	}
	return m
}

// usagePoint is the vitals.feature.uses data point of flag in outcome.
func usagePoint(flag, pattern, outcome string, n int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{
		Attributes: attribute.NewSet(
			semconv.FeatureTypeKey.String(feature.TypeFeatureFlag),
			semconv.FeatureNameKey.String(flag),
			semconv.FeaturePatternKey.String(pattern),
			semconv.FeatureOutcomeKey.String(outcome),
		),
		Value: n,
	}
}

// usage is the expected vitals.feature.uses metric.
func usage(points ...metricdata.DataPoint[int64]) metricdata.Metrics {
	return metricdata.Metrics{
		Name:        semconv.FeatureUses.Name,
		Description: semconv.FeatureUses.Description,
		Unit:        semconv.FeatureUses.Unit,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality,
			IsMonotonic: true,
			DataPoints:  points,
		},
	}
}

// want is what the tracker holds of one flag.
type want struct {
	uses, failures, users int64
}

func got(f feature.Entry) want {
	return want{uses: f.Uses, failures: f.Failures, users: int64(f.UniqueUsers)}
}

// evaluateAll runs the evaluations of TestHookRecordsEvaluations.
func evaluateAll(t *testing.T, c *openfeature.Client) {
	t.Helper()
	ctx := t.Context()
	for _, u := range []string{"alice", "bob", "carol", "alice", ""} {
		if on := c.Boolean(ctx, "new-checkout", false, evalCtx(u)); !on {
			t.Errorf("new-checkout for %q = false, want true", u)
		}
	}
	for u, color := range map[string]string{"alice": "blue", "dave": "grey"} {
		if got := c.String(ctx, "banner-color", "none", evalCtx(u)); got != color {
			t.Errorf("banner-color for %s = %q, want %q", u, got, color)
		}
	}
	for _, u := range []string{"bob", "erin", "bob"} {
		if _, err := c.BooleanValue(ctx, "missing", false, evalCtx(u)); err == nil {
			t.Error("missing flag: no error")
		}
	}
	if _, err := c.BooleanValue(ctx, "broken", false, evalCtx("carol")); err != nil {
		t.Errorf("broken flag: %v", err)
	}
	for range 2 {
		if on := c.Boolean(ctx, "beta", false, evalCtx("erin")); on {
			t.Error("disabled beta = true, want the default")
		}
	}
}

func TestHookRecordsEvaluations(t *testing.T) {
	e := newEnv(t, nil, nil)
	evaluateAll(t, e.client)

	s := e.a.Snapshot()
	wants := map[string]want{
		"new-checkout": {uses: 5, failures: 0, users: 3}, // one anonymous use
		"banner-color": {uses: 2, failures: 0, users: 2},
		"missing":      {uses: 3, failures: 3, users: 2}, // FLAG_NOT_FOUND
		"broken":       {uses: 1, failures: 1, users: 1}, // reason ERROR
		"beta":         {uses: 2, failures: 0, users: 1}, // reason DISABLED
	}
	features := byName(s)
	if len(features) != len(wants) {
		t.Errorf("snapshot has %d features, want %d", len(features), len(wants))
	}
	for flag, w := range wants {
		f, ok := features[flag]
		if !ok {
			t.Errorf("no feature %s", flag)
			continue
		}
		if f.Type != feature.TypeFeatureFlag {
			t.Errorf("%s: type %q, want %q", flag, f.Type, feature.TypeFeatureFlag)
		}
		if g := got(f); g != w {
			t.Errorf("%s: got %+v, want %+v", flag, g, w)
		}
		if f.Patterns[feature.PatternDirectCall] != w.uses || len(f.Patterns) != 1 {
			t.Errorf("%s: patterns %v, want %d direct_call", flag, f.Patterns, w.uses)
		}
		if f.MeanDurationSeconds <= 0 {
			t.Errorf("%s: mean duration %v, want > 0", flag, f.MeanDurationSeconds)
		}
		t.Logf("%s: uses %d, failures %d, unique users %d, mean duration %.3gs, variants %v",
			flag, f.Uses, f.Failures, f.UniqueUsers, f.MeanDurationSeconds, f.Variants)
	}
	if v := features["new-checkout"].Variants; len(v) != 1 || v["on"] != 5 {
		t.Errorf("new-checkout variants %v, want on: 5", v)
	}
	if v := features["missing"].Variants; len(v) != 0 {
		t.Errorf("a missing flag has variants %v", v)
	}

	const p = feature.PatternDirectCall
	metricdatatest.AssertEqual(t, usage(
		usagePoint("new-checkout", p, "success", 5),
		usagePoint("banner-color", p, "success", 2),
		usagePoint("missing", p, "failure", 3),
		usagePoint("broken", p, "failure", 1),
		usagePoint("beta", p, "success", 2),
	), metric(t, e.collect(t), semconv.FeatureUses.Name), metricdatatest.IgnoreTimestamp())
}

// The targeting keys reach neither the metrics nor the snapshot.
func TestHookKeepsNoTargetingKey(t *testing.T) {
	e := newEnv(t, nil, nil)
	evaluateAll(t, e.client)

	rendered := fmt.Sprintf("%+v", e.collect(t))
	js, err := json.Marshal(e.a.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	// The rendering holds attribute values, so a targeting key would show.
	for _, flag := range []string{"new-checkout", "banner-color", "missing"} {
		if !strings.Contains(rendered, flag) || !strings.Contains(string(js), flag) {
			t.Fatalf("flag %s not rendered: the check below would prove nothing", flag)
		}
	}
	for _, u := range users {
		if strings.Contains(rendered, u) {
			t.Errorf("targeting key %q in the metrics", u)
		}
		if strings.Contains(string(js), u) {
			t.Errorf("targeting key %q in the snapshot", u)
		}
	}
	t.Logf("metrics: %d bytes rendered, snapshot: %d bytes of JSON, no targeting key in either", len(rendered), len(js))
}

// failingHook fails in the stage it is told.
type failingHook struct {
	openfeature.UnimplementedHook
	before, after bool
}

var errHook = errors.New("hook failed")

func (h failingHook) Before(context.Context, openfeature.HookContext, openfeature.HookHints) (*openfeature.EvaluationContext, error) {
	if h.before {
		return nil, errHook
	}
	return nil, nil
}

func (h failingHook) After(context.Context, openfeature.HookContext, openfeature.InterfaceEvaluationDetails, openfeature.HookHints) error {
	if h.after {
		return errHook
	}
	return nil
}

// fatalProvider is an in-memory provider whose initialization fails
// fatally, so that the SDK skips the Before hooks of every evaluation.
type fatalProvider struct {
	*memprovider.InMemoryProvider
}

func (fatalProvider) Init(openfeature.EvaluationContext) error {
	return &openfeature.ProviderInitError{ErrorCode: openfeature.ProviderFatalCode, Message: "flag store unreachable"}
}

func (fatalProvider) Shutdown() {}

// Each way an evaluation fails, or does not, counts once.
func TestHookOutcomes(t *testing.T) {
	type result struct {
		uses, failures int64
		timed          bool // a duration was measured
	}
	tests := []struct {
		name     string
		provider openfeature.FeatureProvider
		hooks    []openfeature.Hook
		fn       func(context.Context, *openfeature.Client) error
		want     result
	}{
		{
			name: "success",
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.BooleanValue(ctx, "new-checkout", false, evalCtx("alice"))
				return err
			},
			want: result{uses: 1, failures: 0, timed: true},
		},
		{
			name: "disabled flag",
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.BooleanValue(ctx, "beta", false, evalCtx("alice"))
				return err
			},
			want: result{uses: 1, failures: 0, timed: true},
		},
		{
			name: "flag not found",
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.BooleanValue(ctx, "missing", false, evalCtx("alice"))
				return wantErr(err)
			},
			want: result{uses: 1, failures: 1, timed: true},
		},
		{
			name: "type mismatch",
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.StringValue(ctx, "new-checkout", "", evalCtx("alice"))
				return wantErr(err)
			},
			want: result{uses: 1, failures: 1, timed: true},
		},
		{
			name: "reason ERROR without an error code",
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.BooleanValue(ctx, "broken", false, evalCtx("alice"))
				return err
			},
			want: result{uses: 1, failures: 1, timed: true},
		},
		{
			name:  "a later Before hook fails",
			hooks: []openfeature.Hook{failingHook{before: true}},
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.BooleanValue(ctx, "new-checkout", false, evalCtx("alice"))
				return wantErr(err)
			},
			want: result{uses: 1, failures: 1, timed: true},
		},
		{
			name:  "an After hook fails",
			hooks: []openfeature.Hook{failingHook{after: true}},
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.BooleanValue(ctx, "new-checkout", false, evalCtx("alice"))
				return wantErr(err)
			},
			want: result{uses: 1, failures: 1, timed: true},
		},
		{
			name:     "provider failed fatally",
			provider: fatalProvider{memprovider.NewInMemoryProvider(flags())},
			fn: func(ctx context.Context, c *openfeature.Client) error {
				_, err := c.BooleanValue(ctx, "new-checkout", false, evalCtx("alice"))
				if !errors.Is(err, openfeature.ProviderFatalError) {
					return fmt.Errorf("error %v, want %v", err, openfeature.ProviderFatalError)
				}
				return nil
			},
			want: result{uses: 1, failures: 1, timed: false}, // Before skipped
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.provider, nil, tt.hooks...)
			if err := tt.fn(t.Context(), e.client); err != nil {
				t.Fatal(err)
			}
			fs := e.a.Snapshot().Features
			if len(fs) != 1 {
				t.Fatalf("%d features, want 1", len(fs))
			}
			f := fs[0]
			g := result{uses: f.Uses, failures: f.Failures, timed: f.MeanDurationSeconds > 0}
			if g != tt.want {
				t.Errorf("got %+v, want %+v", g, tt.want)
			}
			if f.UniqueUsers != 1 {
				t.Errorf("unique users %d, want 1", f.UniqueUsers)
			}
		})
	}
}

func wantErr(err error) error {
	if err == nil {
		return errors.New("no error")
	}
	return nil
}

func TestHookPattern(t *testing.T) {
	e := newEnv(t, nil, []openfeaturehook.Option{openfeaturehook.WithPattern(feature.PatternBackgroundTask)})
	ctx := t.Context()
	for range 3 {
		e.client.Boolean(ctx, "new-checkout", false, evalCtx("alice"))
	}
	hints := openfeature.NewHookHints(map[string]any{openfeaturehook.PatternHint: feature.PatternBatchOperation})
	e.client.Boolean(ctx, "new-checkout", false, evalCtx("bob"), openfeature.WithHookHints(hints))
	ignored := openfeature.NewHookHints(map[string]any{openfeaturehook.PatternHint: 42})
	e.client.Boolean(ctx, "new-checkout", false, evalCtx("bob"), openfeature.WithHookHints(ignored))

	want := map[string]int64{feature.PatternBackgroundTask: 4, feature.PatternBatchOperation: 1}
	got := e.a.Snapshot().Features[0].Patterns
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("patterns %v, want %v", got, want)
	}
	metricdatatest.AssertEqual(t, usage(
		usagePoint("new-checkout", feature.PatternBackgroundTask, "success", 4),
		usagePoint("new-checkout", feature.PatternBatchOperation, "success", 1),
	), metric(t, e.collect(t), semconv.FeatureUses.Name), metricdatatest.IgnoreTimestamp())
}

// A hook registered on a client, not on the API, records that client's
// evaluations only.
func TestHookOnClient(t *testing.T) {
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
	if err := api.SetProviderAndWait(t.Context(), memprovider.NewInMemoryProvider(flags())); err != nil {
		t.Fatal(err)
	}
	watched, other := api.NewClient(), api.NewClient()
	watched.AddHooks(newHook(t, a))
	watched.Boolean(t.Context(), "new-checkout", false, evalCtx("alice"))
	other.Boolean(t.Context(), "new-checkout", false, evalCtx("bob"))

	if f := a.Snapshot().Features[0]; f.Uses != 1 || f.UniqueUsers != 1 {
		t.Errorf("uses %d, unique users %d, want 1 and 1", f.Uses, f.UniqueUsers)
	}
}

// The global OpenFeature API works as an instance does; it is reset after
// the test.
func TestHookGlobalAPI(t *testing.T) {
	t.Cleanup(openfeature.Shutdown) // removes the hook and the provider
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })

	openfeature.AddHooks(newHook(t, a))
	if err := openfeature.SetProviderAndWait(memprovider.NewInMemoryProvider(flags())); err != nil {
		t.Fatal(err)
	}
	c := openfeature.NewDefaultClient()
	for _, u := range users {
		c.Boolean(t.Context(), "new-checkout", false, evalCtx(u))
	}
	c.Boolean(t.Context(), "missing", false, evalCtx("alice"))

	f := byName(a.Snapshot())
	if g, w := got(f["new-checkout"]), (want{uses: 5, failures: 0, users: 5}); g != w {
		t.Errorf("new-checkout: got %+v, want %+v", g, w)
	}
	if g, w := got(f["missing"]), (want{uses: 1, failures: 1, users: 1}); g != w {
		t.Errorf("missing: got %+v, want %+v", g, w)
	}
}

// A nil Analytics gives a hook that records no feature uses and breaks nothing.
func TestHookNilAnalytics(t *testing.T) {
	api := isolated.NewAPI()
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
	if err := api.SetProviderAndWait(t.Context(), memprovider.NewInMemoryProvider(flags())); err != nil {
		t.Fatal(err)
	}
	api.AddHooks(newHook(t, nil))
	c := api.NewClient()
	if !c.Boolean(t.Context(), "new-checkout", false, evalCtx("alice")) {
		t.Error("new-checkout = false, want true")
	}
	if _, err := c.BooleanValue(t.Context(), "missing", false, evalCtx("alice")); err == nil {
		t.Error("missing flag: no error")
	}
}

// Evaluations from many goroutines under one context, where the stages of
// overlapping evaluations of a flag cannot be told apart, still count every
// use and every failure exactly.
func TestHookConcurrentSafe(t *testing.T) {
	e := newEnv(t, nil, nil)
	const goroutines, perGoroutine = 8, 250
	ctx := context.Background() // shared by every evaluation
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				user := fmt.Sprintf("user-%d", (g*perGoroutine+i)%20) // 20 users, 10 odd
				e.client.Boolean(ctx, "flaky", false, evalCtx(user))
				e.client.Boolean(ctx, "missing", false, evalCtx(user))
			}
		})
	}
	wg.Wait()

	f := byName(e.a.Snapshot())
	const n = goroutines * perGoroutine
	if g, w := got(f["flaky"]), (want{uses: n, failures: n / 2, users: 20}); g != w {
		t.Errorf("flaky: got %+v, want %+v", g, w)
	}
	if g, w := got(f["missing"]), (want{uses: n, failures: n, users: 20}); g != w {
		t.Errorf("missing: got %+v, want %+v", g, w)
	}
	t.Logf("flaky: uses %d, failures %d, unique users %d; missing: uses %d, failures %d, unique users %d",
		f["flaky"].Uses, f["flaky"].Failures, f["flaky"].UniqueUsers,
		f["missing"].Uses, f["missing"].Failures, f["missing"].UniqueUsers)
	metricdatatest.AssertEqual(t, usage(
		usagePoint("flaky", feature.PatternDirectCall, "success", n/2),
		usagePoint("flaky", feature.PatternDirectCall, "failure", n/2),
		usagePoint("missing", feature.PatternDirectCall, "failure", n),
	), metric(t, e.collect(t), semconv.FeatureUses.Name), metricdatatest.IgnoreTimestamp())
}
