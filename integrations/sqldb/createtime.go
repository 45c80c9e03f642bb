package sqldb

import (
	"context"
	"database/sql/driver"
	"io"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// RecordCreateTime returns a driver.Connector that opens connections
// through c and records, in the official db.client.connection.create_time
// histogram of pool poolName, how long each took: the whole of c's
// Connect, so the dial, TLS and the database's authentication and session
// start-up, as far as the driver does them there. A Connect that fails
// opened no connection and is not recorded. Pass the connector to
// [sql.OpenDB], or to [Connector] or [OpenDB] to track the connections
// too:
//
//	timed, _ := sqldb.RecordCreateTime(c, "primary")
//	db := sqldb.OpenDB(timed, tr.Pool("database", "primary"))
//
// The options that apply are [WithMeterProvider] and [WithClock]; poolName
// is cleaned as in [RegisterStats], and should be the name given there.
// The connector closes c when database/sql closes it, if c can be closed.
//
// A nil c (a nil interface or a nil pointer) gives the connector of
// [Connector] for a nil c, whose every Connect returns [ErrNilConnector].
// If the histogram cannot be made, c is returned unchanged with the error.
// The connector is safe for concurrent use when c is.
func RecordCreateTime(c driver.Connector, poolName string, opts ...Option) (driver.Connector, error) {
	if isNil(c) {
		return nilConnector{}, nil
	}
	cfg := newConfig(opts)
	m := cfg.provider.Meter(ScopeName, metric.WithInstrumentationVersion(version.Version), metric.WithSchemaURL(semconv.SchemaURL))
	hist, err := semconv.DBClientConnectionCreateTime.New(m)
	if err != nil {
		return c, err
	}
	name := semconv.DBClientConnectionPoolNameKey.String(semconv.CleanValue(poolName))
	return &timedConnector{
		Connector: c,
		hist:      hist,
		opt:       metric.WithAttributeSet(attribute.NewSet(name)),
		now:       cfg.now,
	}, nil
}

// timedConnector is the connector of [RecordCreateTime].
type timedConnector struct {
	driver.Connector
	hist metric.Float64Histogram
	opt  metric.RecordOption
	now  func() time.Time
}

// Connect opens a connection through the wrapped connector and records how
// long it took.
func (c *timedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	start := c.now()
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if dc == nil {
		return nil, errNoConn
	}
	d := max(c.now().Sub(start), 0) // a clock that steps back: no time passed
	if ctx == nil {
		ctx = context.Background()
	}
	c.hist.Record(ctx, d.Seconds(), c.opt)
	return dc, nil
}

// Close closes the wrapped connector if it can be closed; sql.DB.Close
// calls it.
func (c *timedConnector) Close() error {
	if cl, ok := c.Connector.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}
