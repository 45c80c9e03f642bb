package openfeaturehook_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/feature"
)

// TestExpositionKeepsNoTargetingKey evaluates flags through the hook and
// checks that no targeting key appears in the Prometheus exposition text.
func TestExpositionKeepsNoTargetingKey(t *testing.T) {
	prom, err := exporters.NewPrometheus(exporters.WithPrometheusAddress("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(prom))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	api := isolated.NewAPI()
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
	api.AddHooks(newHook(t, a))
	if err := api.SetProviderAndWait(t.Context(), memprovider.NewInMemoryProvider(flags())); err != nil {
		t.Fatal(err)
	}
	evaluateAll(t, api.NewClient())

	resp, err := http.Get(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	if !strings.Contains(text, `vitals_feature_name="new-checkout"`) || !strings.Contains(text, "vitals_feature_variant_uses_total") {
		t.Fatalf("the exposition lacks the flags: the check below would prove nothing\n%s", text)
	}
	for _, u := range users {
		if strings.Contains(text, u) {
			t.Errorf("targeting key %q in the exposition text", u)
		}
	}
}
