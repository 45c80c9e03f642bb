package feature_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/feature"
)

// TestPrivacyThroughRealExport records known user identifiers through every
// API of the package, exports over OTLP to a real collector and on a
// Prometheus endpoint at once, and checks that no identifier appears in what
// the collector received (its whole file), in the exposition text, in the
// snapshot's JSON or in any error.
func TestPrivacyThroughRealExport(t *testing.T) {
	col := testbackend.StartCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP, exporters.Prometheus),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint(col.GRPCEndpoint),
		exporters.WithPrometheusAddress("127.0.0.1:0"),
	))
	if err != nil {
		t.Fatal(err)
	}
	a, err := feature.New(feature.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	users := []string{"alice@example.com", "user-8c1f2e9a", "+49-30-1234567", "Ölaf Ünicode"}
	var errs []error
	for i, u := range users {
		f := a.Feature(feature.TypeFeatureFlag, fmt.Sprintf("flag-%d", i%2))
		f.Record(ctx, u, feature.PatternDirectCall, time.Millisecond, true)
		op := f.Start(ctx, u, feature.PatternBatchOperation)
		op.End(errors.New("failed for this user"))
		errs = append(errs, f.Do(ctx, u, feature.PatternBackgroundTask, func(context.Context) error { return nil }))
		f.Record(ctx, u, "custom-"+fmt.Sprint(i), -time.Second, false) // bad input too
	}
	snapshot, err := json.Marshal(a.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(sys.Readers()[1].(*exporters.PrometheusReader).URL())
	if err != nil {
		t.Fatal(err)
	}
	exposition, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	col.Stop() // the file is complete once the collector has stopped
	pts, err := col.Points()
	if err != nil {
		t.Fatal(err)
	}
	var received strings.Builder
	for _, p := range pts {
		fmt.Fprintf(&received, "%+v\n", p)
	}
	raw, err := os.ReadFile(col.File())
	if err != nil {
		t.Fatal(err)
	}

	if !strings.Contains(string(exposition), "vitals_feature_uses_total") || !strings.Contains(received.String(), "vitals.feature.users") {
		t.Fatal("the exports do not carry the feature metrics: the check below would prove nothing")
	}
	for _, u := range users {
		for where, text := range map[string]string{
			"collector data": received.String(), "collector file": string(raw),
			"exposition": string(exposition), "snapshot": string(snapshot), "errors": fmt.Sprint(errs),
		} {
			if strings.Contains(text, u) {
				t.Errorf("user %q appears in the %s", u, where)
			}
		}
	}
}
