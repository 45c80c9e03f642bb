package sqldb_test

import (
	"context"
	"database/sql"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// TestRegisterStatsScope checks the scope of the pool metrics: the
// package's name and version, and the schema URL of the semantic
// conventions its db.client.connection.* names follow.
func TestRegisterStatsScope(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	db := sql.OpenDB(plainConnector{&plainDriver{}})
	defer db.Close()
	reg, err := sqldb.RegisterStats(db, "orders", sqldb.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 {
		t.Fatalf("%d scopes, want 1", len(rm.ScopeMetrics))
	}
	got := rm.ScopeMetrics[0].Scope
	if got.Name != sqldb.ScopeName || got.Version != version.Version || got.SchemaURL != semconv.SchemaURL {
		t.Errorf("scope %+v, want %s %s %s", got, sqldb.ScopeName, version.Version, semconv.SchemaURL)
	}
}
