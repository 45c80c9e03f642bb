package vitals_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/internal/metricsdoc"
	"github.com/otelvitals/vitals/semconv"
)

// unreachable is a connector that never connects: a pool that reports its
// statistics (all zero) and nothing else.
type unreachable struct{}

func (unreachable) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("no database")
}
func (unreachable) Driver() driver.Driver { return nil }

// TestPrometheusNamesAsDocumented scrapes the Prometheus endpoint of a
// system whose every tracker, health gauge and database pool has data, and
// checks each vitals family against the reference: its name is the
// Prometheus name docs/metrics.md gives its definition, and its TYPE the
// one its kind makes (counter, gauge for UpDownCounters and gauges,
// histogram).
func TestPrometheusNamesAsDocumented(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0")
	sys, err := vitals.Start(context.Background(), vitals.WithHealthHold(0))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	prom, ok := sys.Readers()[0].(*exporters.PrometheusReader)
	if !ok {
		t.Fatalf("reader is %T, want the Prometheus one", sys.Readers()[0])
	}
	work(sys)
	users := sys.Caches().Cache("application", "users")
	users.SetSize(42)
	users.Set(3)
	users.Evicted(1)
	sys.Features().Feature("feature_flag", "new-ui").RecordVariant(context.Background(), "carol", "direct_call", "on", -1, true)
	db := sql.OpenDB(unreachable{})
	defer db.Close()
	db.SetMaxOpenConns(4)
	reg, err := sqldb.RegisterStats(db, "orders", sqldb.WithMeterProvider(sys.MeterProvider()), sqldb.WithMaxIdleConns(2))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	want := map[string]string{} // Prometheus name -> TYPE
	names := map[string]string{}
	for _, d := range semconv.All() {
		p, err := metricsdoc.PrometheusName(d)
		if err != nil {
			t.Fatal(err)
		}
		typ := "gauge"
		switch d.Kind {
		case semconv.KindInt64Counter, semconv.KindInt64ObservableCounter, semconv.KindFloat64ObservableCounter:
			typ = "counter"
		case semconv.KindFloat64Histogram:
			typ = "histogram"
		}
		want[p], names[p] = typ, d.Name
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(httpGet(t, prom.URL()), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 4 || fields[0] != "#" || fields[1] != "TYPE" {
			continue
		}
		family, typ := fields[2], fields[3]
		if !strings.HasPrefix(family, "vitals_") && !strings.HasPrefix(family, "db_") {
			continue
		}
		w, ok := want[family]
		if !ok {
			t.Errorf("%s (%s) is no metric of the reference", family, typ)
			continue
		}
		if typ != w {
			t.Errorf("%s (%s) is a %s, want a %s", family, names[family], typ, w)
		}
		seen[family] = true
	}
	// Emitted only by the nested modules (integrations/goredis,
	// integrations/openfeature), or only on a connection that opened
	// (create_time), which their own tests read back.
	nested := map[string]bool{
		semconv.FeatureFleetUsers.Name:                 true,
		semconv.FeatureFlagEvaluations.Name:            true,
		semconv.DBClientConnectionTimeouts.Name:        true,
		semconv.DBClientConnectionPendingRequests.Name: true,
		semconv.DBClientConnectionIdleMin.Name:         true,
		semconv.DBClientConnectionCreateTime.Name:      true,
	}
	for p, name := range names {
		if !seen[p] && !nested[name] {
			t.Errorf("%s (%s) not exposed", p, name)
		}
	}
}
