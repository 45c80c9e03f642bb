package sqldb_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/semconv"
)

// TestBadPoolNamesThroughCollector registers the statistics of pools
// named "orders\xff" and 1 MiB of bytes beside a control pool, through a
// MeterProvider built by vitals.Start that exports OTLP to a real
// OpenTelemetry Collector, over gRPC and over HTTP. An invalid name made
// every export fail, losing every metric; a 1 MiB name was exported whole.
// Now every metric arrives, and every pool name arrives valid and at most
// 256 bytes long.
func TestBadPoolNamesThroughCollector(t *testing.T) {
	mib := strings.Repeat("p", 1<<20)
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			endpoint := col.HTTPEndpoint
			if proto == exporters.ProtocolGRPC {
				endpoint = col.GRPCEndpoint
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
				exporters.WithExporters(exporters.OTLP),
				exporters.WithOTLPProtocol(proto),
				exporters.WithOTLPEndpoint(endpoint),
			))
			if err != nil {
				t.Fatal(err)
			}
			db := sqldb.OpenDB(idleConnector{}, sys.Connections().Pool("database", "control"))
			defer db.Close()
			if err := db.PingContext(ctx); err != nil { // one connection, open and idle
				t.Fatal(err)
			}
			mp := sqldb.WithMeterProvider(sys.MeterProvider())
			for _, name := range []string{"control", "orders\xff", mib} {
				reg, err := sqldb.RegisterStats(db, name, mp)
				if err != nil {
					t.Fatal(err)
				}
				defer reg.Unregister()
			}
			if err := sys.Shutdown(ctx); err != nil { // the final export
				t.Errorf("Shutdown: %v", err)
			}

			// The tracker's own metrics arrive.
			ctl := map[string]string{string(semconv.ConnectionPoolNameKey): "control"}
			if _, err := col.WaitLast(ctx, semconv.ConnectionCount.Name, ctl, func(p testbackend.Point) bool { return p.Int == 1 }); err != nil {
				t.Fatalf("%s of the control pool: %v", semconv.ConnectionCount.Name, err)
			}
			pts, err := col.Points()
			if err != nil {
				t.Fatal(err)
			}
			idle := map[string]int64{} // idle connections by pool name
			for _, p := range pts {
				for k, v := range p.Attrs {
					if !utf8.ValidString(v) || len(v) > semconv.MaxValueLength {
						t.Errorf("%s: attribute %s of %d bytes (valid UTF-8: %v)", p.Metric, k, len(v), utf8.ValidString(v))
					}
				}
				if p.Metric == semconv.DBClientConnectionCount.Name &&
					p.Attrs[string(semconv.DBClientConnectionStateKey)] == semconv.ConnectionStateIdle {
					idle[p.Attrs[string(semconv.DBClientConnectionPoolNameKey)]] = p.Int
				}
			}
			for _, name := range []string{"control", "orders\uFFFD", mib[:semconv.MaxValueLength]} {
				if n, ok := idle[name]; !ok || n != 1 {
					t.Errorf("%s of pool %.40q: %d (received: %v), want 1", semconv.DBClientConnectionCount.Name, name, n, ok)
				}
			}
			if len(idle) != 3 {
				t.Errorf("%d pools arrived, want 3", len(idle))
			}
		})
	}
}

// idleConnector connects to nothing: its connections answer no statement,
// enough for a pool to open one and keep it idle.
type idleConnector struct{}

func (idleConnector) Connect(context.Context) (driver.Conn, error) { return idleConn{}, nil }
func (idleConnector) Driver() driver.Driver                        { return idleDriver{} }

type idleDriver struct{}

func (idleDriver) Open(string) (driver.Conn, error) { return idleConn{}, nil }

type idleConn struct{}

func (idleConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no statements") }
func (idleConn) Close() error                        { return nil }
func (idleConn) Begin() (driver.Tx, error)           { return nil, errors.New("no transactions") }
