package vitals_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
)

// TestStartBesideGlobalProvider sets a global SDK MeterProvider that serves
// Prometheus, as a service does, then starts vitals beside it. A plain
// Start builds a pipeline of its own: on the same port it fails, and its
// error names the address and how to join the service's pipeline. Joining
// it with WithMeterProvider(otel.GetMeterProvider()) builds no second
// pipeline, and the service's endpoint serves vitals' metrics.
func TestStartBesideGlobalProvider(t *testing.T) {
	ctx := context.Background()
	prom, err := exporters.NewPrometheus(exporters.WithPrometheusAddress("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(prom))
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(mp)
	t.Cleanup(func() {
		otel.SetMeterProvider(prev)
		if err := mp.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	addr := prom.Addr().String()

	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.Prometheus),
		exporters.WithPrometheusAddress(addr)))
	if err == nil {
		sys.Shutdown(ctx)
		t.Fatalf("Start served a second Prometheus endpoint on %s", addr)
	}
	if !errors.Is(err, exporters.ErrAddressInUse) {
		t.Errorf("err %v, want exporters.ErrAddressInUse", err)
	}
	prefix := "vitals: exporters: building prometheus: prometheus exporter: listening on " + addr + ": listen tcp " + addr + ": "
	suffix := "; if this process already serves Prometheus there from its own MeterProvider, join that pipeline " +
		"instead of building a second one: vitals.Start(ctx, vitals.WithMeterProvider(otel.GetMeterProvider())), " +
		"or move one of them (OTEL_EXPORTER_PROMETHEUS_PORT, exporters.WithPrometheusAddress)"
	if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, suffix) {
		t.Errorf("Start's error:\n%s\nwant:\n%s<the system's error>%s", msg, prefix, suffix)
	}
	if runtime.GOOS == "linux" {
		if want := prefix + "bind: address already in use" + suffix; err.Error() != want {
			t.Errorf("Start's error:\n%s\nwant:\n%s", err, want)
		}
	}

	sys, err = vitals.Start(ctx, vitals.WithMeterProvider(otel.GetMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(ctx)
	if n := len(sys.Readers()); n != 0 {
		t.Errorf("joining the global provider built %d readers, want none", n)
	}
	sys.Caches().Cache("application", "beside_global").CountHit()

	resp, err := http.Get(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(string(body), "\n") {
		if strings.Contains(line, `="beside_global"`) && strings.Contains(line, `="hit"`) && strings.HasSuffix(line, " 1") {
			found = true
		}
	}
	if !found {
		t.Errorf("the service's endpoint does not serve the cache hit vitals recorded:\n%s", body)
	}
}
