package openfeaturehook_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/feature"
	openfeaturehook "github.com/otelvitals/vitals/integrations/openfeature"
	"github.com/otelvitals/vitals/semconv"
)

// Record every flag evaluation of the OpenFeature API through the pipeline
// vitals.Start built: the analytics record into Start's provider and
// report through its producer. (A reader takes the place of Start's
// exporters here, to count what they would export.)
func Example() {
	ctx := context.Background()
	p := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	sys, err := vitals.Start(ctx, vitals.WithReader(reader), vitals.WithProducer(p),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)

	a, err := feature.New(feature.WithMeterProvider(sys.MeterProvider()), feature.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer a.Shutdown(ctx)
	hook, err := openfeaturehook.New(a, openfeaturehook.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		log.Fatal(err)
	}
	openfeature.AddHooks(hook)
	defer openfeature.Shutdown() // resets the global API: provider and hooks

	provider := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"new-checkout": {
			Key:            "new-checkout",
			State:          memprovider.Enabled,
			DefaultVariant: "on",
			Variants:       map[string]any{"on": true, "off": false},
		},
	})
	if err := openfeature.SetProviderAndWait(provider); err != nil {
		log.Fatal(err)
	}
	client := openfeature.NewDefaultClient()
	for _, user := range []string{"alice", "bob", "alice"} {
		client.Boolean(ctx, "new-checkout", false, openfeature.NewEvaluationContext(user, nil))
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	var uses int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == semconv.FeatureUses.Name {
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					uses += dp.Value
				}
			}
		}
	}
	fmt.Println("evaluations exported:", uses)
	// Output: evaluations exported: 3
}

// Record every flag evaluation of the OpenFeature API, and read the uses
// through a MeterProvider and the tracker's snapshot.
func ExampleNew() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	defer a.Shutdown(context.Background())

	hook, err := openfeaturehook.New(a, openfeaturehook.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	openfeature.AddHooks(hook)
	defer openfeature.Shutdown() // resets the global API: provider and hooks
	provider := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"new-checkout": {
			Key:            "new-checkout",
			State:          memprovider.Enabled,
			DefaultVariant: "on",
			Variants:       map[string]any{"on": true, "off": false},
		},
	})
	if err := openfeature.SetProviderAndWait(provider); err != nil {
		panic(err)
	}

	client := openfeature.NewDefaultClient()
	ctx := context.Background()
	for _, user := range []string{"alice", "bob", "alice"} {
		client.Boolean(ctx, "new-checkout", false, openfeature.NewEvaluationContext(user, nil))
	}
	// Not defined: FLAG_NOT_FOUND, a failure.
	client.Boolean(ctx, "dark-mode", false, openfeature.NewEvaluationContext("carol", nil))

	for _, f := range a.Snapshot().Features {
		fmt.Printf("%s %s: %d uses, %d failed, %d users\n", f.Type, f.Name, f.Uses, f.Failures, f.UniqueUsers)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != semconv.FeatureUses.Name {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				name, _ := dp.Attributes.Value(semconv.FeatureNameKey)
				outcome, _ := dp.Attributes.Value(semconv.FeatureOutcomeKey)
				lines = append(lines, fmt.Sprintf("%s{%s, %s} %d", m.Name, name.AsString(), outcome.AsString(), dp.Value))
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// feature_flag new-checkout: 3 uses, 0 failed, 2 users
	// feature_flag dark-mode: 1 uses, 1 failed, 1 users
	// vitals.feature.uses{dark-mode, failure} 1
	// vitals.feature.uses{new-checkout, success} 3
}
