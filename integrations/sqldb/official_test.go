package sqldb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/semconv"
)

// newReader returns a ManualReader and a MeterProvider reading into it,
// shut down when t ends.
func newReader(t *testing.T) (*sdkmetric.ManualReader, *sdkmetric.MeterProvider) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return reader, mp
}

// findMetric collects reader and returns the metric called name.
func findMetric(t *testing.T, reader *sdkmetric.ManualReader, name string) (metricdata.Metrics, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// stepClock returns the clock of a fixed step: each reading is step after
// the one before.
func stepClock(step time.Duration) func() time.Time {
	var n atomic.Int64
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * step) }
}

// failConnector fails every Connect with errRefused.
type failConnector struct{ d *plainDriver }

var errRefused = errors.New("connection refused")

func (failConnector) Connect(context.Context) (driver.Conn, error) { return nil, errRefused }
func (c failConnector) Driver() driver.Driver                      { return c.d }

// closingConnector is a plainConnector that counts its Close calls.
type closingConnector struct {
	plainConnector
	closed *atomic.Int64
}

func (c closingConnector) Close() error { c.closed.Add(1); return nil }

// TestRecordCreateTime opens three connections through a connector timed
// with a clock that moves 250 ms at each reading: the histogram must hold
// exactly three connections of 250 ms, and none for a connector whose
// every Connect fails. Closing the database closes the wrapped connector.
func TestRecordCreateTime(t *testing.T) {
	ctx := context.Background()
	reader, mp := newReader(t)
	var closed atomic.Int64
	timed, err := sqldb.RecordCreateTime(closingConnector{plainConnector{&plainDriver{}}, &closed}, "primary",
		sqldb.WithMeterProvider(mp), sqldb.WithClock(stepClock(250*time.Millisecond)), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sqldb.OpenDB(timed, newTracker(t).Pool("database", "primary"))
	var held []*sql.Conn
	for range 3 {
		c, err := db.Conn(ctx) // each is held, so the next one connects
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	failing, err := sqldb.RecordCreateTime(failConnector{&plainDriver{}}, "down", sqldb.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	down := sql.OpenDB(failing)
	if err := down.PingContext(ctx); !errors.Is(err, errRefused) {
		t.Errorf("ping through the failing connector: %v, want %v", err, errRefused)
	}
	if err := down.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := closed.Load(); n != 1 {
		t.Errorf("the wrapped connector was closed %d times, want 1", n)
	}

	m, ok := findMetric(t, reader, semconv.DBClientConnectionCreateTime.Name)
	if !ok {
		t.Fatal("no create time recorded")
	}
	bounds := semconv.LatencyBuckets()
	counts := make([]uint64, len(bounds)+1)
	counts[slices.Index(bounds, 0.25)] = 3 // 0.25 s is in the bucket (0.1, 0.25]
	want := metricdata.Metrics{
		Name:        semconv.DBClientConnectionCreateTime.Name,
		Description: semconv.DBClientConnectionCreateTime.Description,
		Unit:        "s",
		Data: metricdata.Histogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints: []metricdata.HistogramDataPoint[float64]{{
				Attributes:   attribute.NewSet(semconv.DBClientConnectionPoolNameKey.String("primary")),
				Count:        3,
				Sum:          0.75,
				Bounds:       bounds,
				BucketCounts: counts,
				Min:          metricdata.NewExtrema(0.25),
				Max:          metricdata.NewExtrema(0.25),
			}},
		},
	}
	metricdatatest.AssertEqual(t, want, m, metricdatatest.IgnoreTimestamp())
}

// TestRecordCreateTimeNilConnector checks that a nil connector gives one
// that fails every connection with ErrNilConnector.
func TestRecordCreateTimeNilConnector(t *testing.T) {
	var nilPtr *ptrConnector
	for _, c := range []driver.Connector{nil, nilPtr} {
		timed, err := sqldb.RecordCreateTime(c, "p")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := timed.Connect(context.Background()); !errors.Is(err, sqldb.ErrNilConnector) {
			t.Errorf("Connect of %T: %v, want %v", c, err, sqldb.ErrNilConnector)
		}
	}
}

// TestRegisterStatsIdleMax checks db.client.connection.idle.max as
// WithMaxIdleConns declares it and database/sql applies it.
func TestRegisterStatsIdleMax(t *testing.T) {
	tests := []struct {
		name    string
		opts    []sqldb.Option
		maxOpen int
		want    int64 // -1: not reported
	}{
		{"not declared", nil, 0, -1},
		{"declared", []sqldb.Option{sqldb.WithMaxIdleConns(4)}, 0, 4},
		{"lowered by the maximum of open connections", []sqldb.Option{sqldb.WithMaxIdleConns(4)}, 3, 3},
		{"under the maximum of open connections", []sqldb.Option{sqldb.WithMaxIdleConns(2)}, 3, 2},
		{"zero keeps none", []sqldb.Option{sqldb.WithMaxIdleConns(0)}, 0, 0},
		{"negative keeps none", []sqldb.Option{sqldb.WithMaxIdleConns(-5)}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader, mp := newReader(t)
			db := sql.OpenDB(plainConnector{&plainDriver{}})
			defer db.Close()
			db.SetMaxOpenConns(tt.maxOpen)
			reg, err := sqldb.RegisterStats(db, "primary", append(tt.opts, sqldb.WithMeterProvider(mp))...)
			if err != nil {
				t.Fatal(err)
			}
			defer reg.Unregister()
			got := int64(-1)
			if m, ok := findMetric(t, reader, semconv.DBClientConnectionIdleMax.Name); ok {
				dps := m.Data.(metricdata.Sum[int64]).DataPoints
				if len(dps) != 1 || !dps[0].Attributes.Equals(ptr(attribute.NewSet(semconv.DBClientConnectionPoolNameKey.String("primary")))) {
					t.Fatalf("points %+v, want one of pool primary", dps)
				}
				got = dps[0].Value
			}
			if got != tt.want {
				t.Errorf("idle.max %d, want %d", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
