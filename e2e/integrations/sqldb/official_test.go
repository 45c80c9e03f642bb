package sqldb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/semconv"
)

// countingConnector counts the connections its connector opened.
type countingConnector struct {
	driver.Connector
	n atomic.Int64
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err == nil {
		c.n.Add(1)
	}
	return dc, err
}

// TestPostgresOfficialMetrics opens three connections to a real PostgreSQL
// through pgx's connector timed by RecordCreateTime, in a pool of at most
// 3 open and 2 idle connections, and exports OTLP/gRPC to a real
// collector. The collector must read one create time per connection pgx
// opened, each more than 0 and all within the time the three took,
// db.client.connection.idle.max 2 as declared and db.client.connection.max
// 3, all of pool primary.
func TestPostgresOfficialMetrics(t *testing.T) {
	pg := testbackend.StartPostgres(t)
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
	cfg, err := pgx.ParseConfig(pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingConnector{Connector: stdlib.GetConnector(*cfg)}
	mp := sqldb.WithMeterProvider(sys.MeterProvider())
	timed, err := sqldb.RecordCreateTime(counting, "primary", mp)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(timed)
	db.SetMaxOpenConns(3)
	db.SetMaxIdleConns(2)
	reg, err := sqldb.RegisterStats(db, "primary", mp, sqldb.WithMaxIdleConns(2))
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var held []*sql.Conn
	for range 3 {
		c, err := db.Conn(ctx) // each is held, so the next one connects
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	took := time.Since(start)
	for _, c := range held {
		var one int
		if err := c.QueryRowContext(ctx, "select 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("select 1: %d, %v", one, err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	opened := counting.n.Load()
	t.Logf("pgx opened %d connections in %v", opened, took)
	if opened != 3 {
		t.Fatalf("pgx opened %d connections, want 3", opened)
	}

	pool := map[string]string{string(semconv.DBClientConnectionPoolNameKey): "primary"}
	ct, ok, err := col.Last(semconv.DBClientConnectionCreateTime.Name, pool)
	if err != nil || !ok {
		t.Fatalf("no %s of pool primary reached the collector (%v)", semconv.DBClientConnectionCreateTime.Name, err)
	}
	t.Logf("%s: count %d, sum %v s, buckets %v", ct.Metric, ct.Count, ct.Sum, ct.BucketCounts)
	if ct.Type != "histogram" || !ct.Cumulative || ct.Unit != "s" || len(ct.Attrs) != 1 {
		t.Errorf("%s: type %s, cumulative %v, unit %q, attributes %v; want a cumulative histogram in s of the pool name alone",
			ct.Metric, ct.Type, ct.Cumulative, ct.Unit, ct.Attrs)
	}
	if ct.Count != uint64(opened) || ct.Sum <= 0 || ct.Sum > took.Seconds() {
		t.Errorf("%s: %d connections taking %v s; want %d taking more than 0 and at most the %v s the three took",
			ct.Metric, ct.Count, ct.Sum, opened, took.Seconds())
	}
	for name, want := range map[string]int64{
		semconv.DBClientConnectionIdleMax.Name: 2,
		semconv.DBClientConnectionMax.Name:     3,
	} {
		p, ok, err := col.Last(name, pool)
		if err != nil || !ok || p.Int != want || p.Type != "sum" || p.Monotonic {
			t.Errorf("%s = %+v (found %v, %v), want a non-monotonic sum of %d", name, p, ok, err, want)
		}
	}
}
