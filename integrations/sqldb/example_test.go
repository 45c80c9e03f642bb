package sqldb_test

import (
	"context"
	"database/sql/driver"
	"io"
	"log"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Track a database/sql pool through the pipeline vitals.Start built: its
// connections in a tracker that records into Start's provider and reports
// through its producer, and its sql.DBStats in Start's provider. (A reader
// takes the place of Start's exporters here, to print what they would
// export, and an in-memory driver that of a real database.)
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
	connector := memConnector{} // a real database's: pgx's stdlib.GetConnector(cfg), say

	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Shutdown(ctx)
	db := sqldb.OpenDB(connector, tr.Pool("database", "primary")) // any driver.Connector
	defer db.Close()
	reg, err := sqldb.RegisterStats(db, "primary", sqldb.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Unregister()
	db.SetMaxOpenConns(4)

	for range 3 { // one connection: created for the first, reused by the others
		if _, err := db.ExecContext(ctx, "UPDATE stock SET n = n - 1"); err != nil {
			log.Fatal(err)
		}
	}

	printExported(ctx, reader, semconv.ConnectionEvents.Name)
	printExported(ctx, reader, semconv.DBClientConnectionCount.Name)
	printExported(ctx, reader, semconv.DBClientConnectionMax.Name)
	// Output:
	// created primary database: 1
	// destroyed primary database: 0
	// expired primary database: 0
	// reused primary database: 2
	// primary idle: 1
	// primary used: 0
	// primary: 4
}

// memConnector connects to a database that accepts every statement and
// holds nothing, as the examples' stand-in for a real one.
type memConnector struct{}

func (memConnector) Connect(context.Context) (driver.Conn, error) { return memConn{}, nil }
func (memConnector) Driver() driver.Driver                        { return memDriver{} }

type memDriver struct{}

func (memDriver) Open(string) (driver.Conn, error) { return memConn{}, nil }

type memConn struct{}

func (memConn) Prepare(string) (driver.Stmt, error) { return memStmt{}, nil }
func (memConn) Close() error                        { return nil }
func (memConn) Begin() (driver.Tx, error)           { return memTx{}, nil }

type memStmt struct{}

func (memStmt) Close() error                               { return nil }
func (memStmt) NumInput() int                              { return -1 }
func (memStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(1), nil }
func (memStmt) Query([]driver.Value) (driver.Rows, error)  { return memRows{}, nil }

type memRows struct{}

func (memRows) Columns() []string         { return nil }
func (memRows) Close() error              { return nil }
func (memRows) Next([]driver.Value) error { return io.EOF }

type memTx struct{}

func (memTx) Commit() error   { return nil }
func (memTx) Rollback() error { return nil }

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported
