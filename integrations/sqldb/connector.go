package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"

	"github.com/otelvitals/vitals/instrument/conn"
)

// ErrNilConnector is returned by every connection attempt of the
// connector [Connector] and [OpenDB] make from a nil driver.Connector, and
// so by the first query of such a database: nothing panics.
var ErrNilConnector = errors.New("sqldb: nil driver.Connector")

// Connector returns a driver.Connector that opens connections through c and
// tracks each of them in pool. Pass it to [sql.OpenDB], then call
// [TrackStats] on the database; [OpenDB] does both.
//
// A nil pool tracks nothing: Connector returns c itself. A nil c (a nil
// interface or a nil pointer) gives a connector whose every Connect
// returns [ErrNilConnector] (and whose driver's Open does too), so that a
// database opened on it fails its queries with that error instead of
// panicking.
func Connector(c driver.Connector, pool *conn.Pool) driver.Connector {
	if isNil(c) {
		return nilConnector{}
	}
	if pool == nil {
		return c
	}
	return &connector{Connector: c, pool: pool}
}

// OpenDB opens a database as [sql.OpenDB] does, with c's connections
// tracked in pool and the database's statistics given to it ([TrackStats]).
// A nil pool tracks nothing; a nil c gives a database whose queries fail
// with [ErrNilConnector] (see [Connector]). OpenDB never returns nil.
func OpenDB(c driver.Connector, pool *conn.Pool) *sql.DB {
	db := sql.OpenDB(Connector(c, pool))
	TrackStats(db, pool)
	return db
}

// TrackStats gives pool the statistics of db ([sql.DB.Stats]), read at each
// snapshot and collection of its tracker: MaxOpenConnections as the pool's
// maximum, InUse as its connections in use, WaitCount and WaitDuration as
// its waits. This is how the health score learns the pool's maximum, which
// saturation is judged against, and its waits for a connection:
// database/sql hands its connections out where the tracker cannot see. It
// replaces the stats function pool had; [Open] and [OpenDB] call it. A nil
// db or pool is a no-op.
func TrackStats(db *sql.DB, pool *conn.Pool) {
	if db == nil || pool == nil {
		return
	}
	pool.SetStats(func() conn.Stats {
		s := db.Stats()
		return conn.Stats{MaxOpen: s.MaxOpenConnections, InUse: s.InUse, Waits: s.WaitCount, WaitTime: s.WaitDuration}
	})
}

// Open opens a database as [sql.Open] does, with driverName's connections
// tracked in pool and the database's statistics given to it
// ([TrackStats]). The driver must be registered, and implement
// driver.DriverContext or accept dsn in driver.Driver.Open. An unknown
// driverName is the error of [sql.Open]; a nil pool tracks nothing, as in
// [Connector].
func Open(driverName, dsn string, pool *conn.Pool) (*sql.DB, error) {
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	if err := probe.Close(); err != nil {
		return nil, err
	}
	var c driver.Connector = dsnConnector{dsn: dsn, driver: drv}
	if dc, ok := drv.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return OpenDB(c, pool), nil
}

type dsnConnector struct {
	dsn    string
	driver driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.driver }

// isNil reports whether c is nil or a nil pointer, whose methods would
// panic.
func isNil(c driver.Connector) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// nilConnector stands for a nil driver.Connector: it connects to nothing.
type nilConnector struct{}

func (nilConnector) Connect(context.Context) (driver.Conn, error) { return nil, ErrNilConnector }
func (nilConnector) Driver() driver.Driver                        { return nilDriver{} }

type nilDriver struct{}

func (nilDriver) Open(string) (driver.Conn, error) { return nil, ErrNilConnector }

// errNoConn is returned for a driver that connected without error and
// without a connection, which database/sql would use and panic on.
var errNoConn = errors.New("sqldb: the driver returned neither a connection nor an error")

type connector struct {
	driver.Connector
	pool *conn.Pool
}

// Connect opens a connection and starts tracking it.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if dc == nil {
		return nil, errNoConn
	}
	return &trackedConn{Conn: dc, tracked: c.pool.Open()}, nil
}

// Close closes the wrapped connector if it can be closed; sql.DB.Close
// calls it.
func (c *connector) Close() error {
	if cl, ok := c.Connector.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// trackedConn is a driver connection whose life is tracked. It implements
// every optional connection interface, forwarding to the driver's
// connection where it implements them and answering as database/sql
// expects of a connection that does not (driver.ErrSkip, nil, true).
type trackedConn struct {
	driver.Conn
	tracked *conn.Conn
}

var (
	_ driver.ConnPrepareContext = (*trackedConn)(nil)
	_ driver.ConnBeginTx        = (*trackedConn)(nil)
	_ driver.QueryerContext     = (*trackedConn)(nil)
	_ driver.ExecerContext      = (*trackedConn)(nil)
	_ driver.Pinger             = (*trackedConn)(nil)
	_ driver.SessionResetter    = (*trackedConn)(nil)
	_ driver.Validator          = (*trackedConn)(nil)
	_ driver.NamedValueChecker  = (*trackedConn)(nil)
)

// Close closes the driver's connection and records its destruction.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.tracked.Close()
	return err
}

// ResetSession is called by database/sql before it reuses a connection from
// its pool: it counts the reuse.
func (c *trackedConn) ResetSession(ctx context.Context) error {
	c.tracked.Use()
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *trackedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *trackedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts.Isolation != driver.IsolationLevel(sql.LevelDefault) || opts.ReadOnly {
		return nil, errors.New("sqldb: the driver supports neither isolation levels nor read-only transactions")
	}
	//lint:ignore SA1019 the driver's connection offers nothing newer
	return c.Conn.Begin()
}

func (c *trackedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *trackedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *trackedConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *trackedConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *trackedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
