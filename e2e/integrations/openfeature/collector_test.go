package openfeature_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	openfeaturehook "github.com/otelvitals/vitals/integrations/openfeature"
	"github.com/otelvitals/vitals/semconv"
)

// TestFeatureFlagAttributesThroughCollector evaluates flags of an
// in-memory provider through the OpenFeature SDK with the vitals hook,
// records through a MeterProvider built by vitals.Start that exports
// OTLP/gRPC to a real OpenTelemetry Collector, and reads back what the
// collector received: vitals.feature_flag.evaluations, one series per
// flag, variant, reason and error type with the official feature_flag.*
// and error.type attributes and exact counts; and the feature tracker's
// vitals.feature.uses as before.
func TestFeatureFlagAttributesThroughCollector(t *testing.T) {
	col := testbackend.StartCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "cumulative")
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint(col.GRPCEndpoint),
		exporters.WithExportInterval(time.Hour), // Shutdown's export alone
	))
	if err != nil {
		t.Fatal(err)
	}
	hook, err := openfeaturehook.New(sys.Features(), openfeaturehook.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	api := isolated.NewAPI()
	defer api.Shutdown(context.Background())
	api.AddHooks(hook)
	color := func(_ memprovider.InMemoryFlag, fc openfeature.FlattenedContext) (any, openfeature.ProviderResolutionDetail) {
		if fc[openfeature.TargetingKey] == "alice" {
			return "blue", openfeature.ProviderResolutionDetail{Reason: openfeature.TargetingMatchReason, Variant: "blue"}
		}
		return "grey", openfeature.ProviderResolutionDetail{Reason: openfeature.DefaultReason, Variant: "grey"}
	}
	onOff := map[string]any{"on": true, "off": false}
	provider := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"new-checkout": {Key: "new-checkout", State: memprovider.Enabled, DefaultVariant: "on", Variants: onOff},
		"banner-color": {Key: "banner-color", State: memprovider.Enabled, DefaultVariant: "grey",
			Variants: map[string]any{"blue": "blue", "grey": "grey"}, ContextEvaluator: &color},
		"beta": {Key: "beta", State: memprovider.Disabled, DefaultVariant: "on", Variants: onOff},
	})
	if err := api.SetProviderAndWait(ctx, provider); err != nil {
		t.Fatal(err)
	}
	client := api.NewClient()
	user := func(u string) openfeature.EvaluationContext { return openfeature.NewEvaluationContext(u, nil) }
	for i := range 7 {
		if !client.Boolean(ctx, "new-checkout", false, user(fmt.Sprint("u", i))) {
			t.Fatal("new-checkout = false, want true")
		}
	}
	for _, u := range []string{"alice", "alice", "bob"} {
		client.String(ctx, "banner-color", "none", user(u))
	}
	for range 4 {
		if _, err := client.BooleanValue(ctx, "missing", false, user("carol")); err == nil {
			t.Fatal("missing flag: no error")
		}
	}
	if client.Boolean(ctx, "beta", false, user("dave")) {
		t.Fatal("disabled beta = true")
	}
	if _, err := client.IntValue(ctx, "new-checkout", 0, user("erin")); err == nil {
		t.Fatal("an integer evaluation of a boolean flag: no error")
	}
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	pts, err := col.Points()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}                 // the last count of each series, by its attributes
	lastUse := map[string]testbackend.Point{} // the last point of each usage series
	for _, p := range pts {
		switch p.Metric {
		case semconv.FeatureFlagEvaluations.Name:
			if p.Scope != openfeaturehook.ScopeName || p.Type != "sum" || !p.Monotonic || !p.Cumulative || p.Unit != "{evaluation}" {
				t.Errorf("%s: scope %q, type %s, monotonic %v, cumulative %v, unit %q", p.Metric, p.Scope, p.Type, p.Monotonic, p.Cumulative, p.Unit)
			}
			got[render(p.Attrs)] = p.Int
		case semconv.FeatureUses.Name:
			lastUse[render(p.Attrs)] = p
		}
	}
	uses := map[string]int64{}
	for _, p := range lastUse {
		uses[p.Attrs[string(semconv.FeatureNameKey)]] += p.Int
	}
	const prov = "InMemoryProvider"
	want := map[string]int64{
		render(attrs("new-checkout", "on", prov, "static", "")):            7,
		render(attrs("banner-color", "blue", prov, "targeting_match", "")): 2,
		render(attrs("banner-color", "grey", prov, "default", "")):         1,
		render(attrs("missing", "", prov, "error", "flag_not_found")):      4,
		render(attrs("beta", "", prov, "disabled", "")):                    1,
		// The in-memory provider names the variant it found, of the wrong
		// type, with the reason ERROR.
		render(attrs("new-checkout", "on", prov, "error", "type_mismatch")): 1,
	}
	t.Logf("the collector's %s series:\n%s", semconv.FeatureFlagEvaluations.Name, strings.Join(slices.Sorted(maps.Keys(got)), "\n"))
	if !maps.Equal(got, want) {
		t.Errorf("%s: got %v\nwant %v", semconv.FeatureFlagEvaluations.Name, got, want)
	}
	// The tracker's usage is the same evaluations, by flag.
	wantUses := map[string]int64{"new-checkout": 8, "banner-color": 3, "missing": 4, "beta": 1}
	if !maps.Equal(uses, wantUses) {
		t.Errorf("%s by flag: %v, want %v", semconv.FeatureUses.Name, uses, wantUses)
	}
}

// attrs returns the attributes of an evaluation series, "" for one it
// does not carry.
func attrs(flag, variant, provider, reason, errorType string) map[string]string {
	m := map[string]string{
		string(semconv.FeatureFlagKeyKey):          flag,
		string(semconv.FeatureFlagProviderNameKey): provider,
		string(semconv.FeatureFlagResultReasonKey): reason,
	}
	if variant != "" {
		m[string(semconv.FeatureFlagResultVariantKey)] = variant
	}
	if errorType != "" {
		m[string(semconv.ErrorTypeKey)] = errorType
	}
	return m
}

// render returns attrs as one sorted line, to compare series.
func render(attrs map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		fmt.Fprintf(&b, "%s=%s ", k, attrs[k])
	}
	return b.String()
}
