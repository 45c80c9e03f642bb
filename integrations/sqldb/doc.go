// Package sqldb tracks the connections of a database/sql pool.
//
// Two views, used together or apart:
//
//   - [OpenDB] (or [Open]) wraps a driver so that every physical
//     connection the pool opens is a tracked connection of a
//     [github.com/otelvitals/vitals/instrument/conn] pool: its real age and
//     lifetime, created when the driver connects, reused each time
//     database/sql takes it from the pool again, destroyed when the pool
//     closes it (after SetConnMaxLifetime, say). It also gives the conn
//     pool the database's [sql.DBStats] ([TrackStats]): its maximum
//     (MaxOpenConnections), its connections in use and its waits, which
//     the tracker cannot see, so that the health score judges saturation
//     against the pool's real maximum. [Connector] is the wrapping alone.
//   - [RegisterStats] reports the pool's [sql.DBStats] at each collection
//     with the official semantic conventions: db.client.connection.count by
//     state (used, idle), db.client.connection.max and, when declared with
//     [WithMaxIdleConns], db.client.connection.idle.max, with vitals'
//     vitals.db.client.connection.waits, .wait.time and .closures (by
//     reason).
//   - [RecordCreateTime] wraps a driver.Connector so that each connection
//     it opens is timed in db.client.connection.create_time.
//
// In a service set up by [github.com/otelvitals/vitals.Start], give both
// Start's provider (and the tracker Start's producer), so that the metrics
// leave through Start's exporters; without options they record into the
// global MeterProvider, which Start does not set. The package example
// shows it whole, with connector a driver.Connector (pgx's
// stdlib.GetConnector(cfg), say):
//
//	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer tr.Shutdown(ctx)
//	db := sqldb.OpenDB(connector, tr.Pool("database", "primary")) // any driver.Connector
//	defer db.Close()
//	reg, err := sqldb.RegisterStats(db, "primary", sqldb.WithMeterProvider(sys.MeterProvider()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer reg.Unregister()
//
// # Official metrics
//
// Of the db.client.connection.* metrics of the semantic conventions
// (v1.44.0, "development" stability), each carrying
// db.client.connection.pool.name, this package reports those database/sql
// lets it observe exactly:
//
//   - count (by state) and max, from [sql.DBStats] (InUse, Idle,
//     MaxOpenConnections);
//   - idle.max, the maximum the program gave SetMaxIdleConns, which
//     database/sql does not tell: only when [WithMaxIdleConns] declares
//     it, lowered to MaxOpenConnections as database/sql lowers it;
//   - create_time, the driver connector's Connect, timed by
//     [RecordCreateTime].
//
// The others are not reported, as database/sql does not show them:
//
//   - timeouts: a caller that gives up waiting for a connection ends with
//     its own context's error, and DBStats counts no timeouts;
//   - pending_requests: DBStats counts the waits begun (WaitCount, in
//     vitals.db.client.connection.waits), not the callers waiting now;
//   - wait_time, a histogram of each wait: DBStats keeps only their total
//     (WaitDuration, in vitals.db.client.connection.wait.time), and no driver
//     call marks the start or the end of a wait;
//   - use_time, from taking a connection to returning it: the driver is
//     not told of every checkout (database/sql resets a session only when
//     the connection was used since its last reset, and hands a
//     connection straight to a waiting caller without a call), so a
//     use's start cannot be seen;
//   - idle.min: database/sql keeps no minimum of idle connections.
//
// # Bad input
//
// Nothing here panics on bad input. Pool names are cleaned as the trackers
// clean theirs ([github.com/otelvitals/vitals/semconv.CleanValue]), so that
// a name that is not UTF-8 cannot make an export fail and a huge one is
// cut to 256 bytes. A nil pool tracks nothing; a nil connector gives a
// database whose queries fail with [ErrNilConnector], through [Connector]
// and [RecordCreateTime] alike; [RegisterStats] of a
// nil database returns [ErrNilDB]; [TrackStats] of a nil database or pool
// does nothing.
//
// The wrapped connections keep every optional interface of database/sql's
// driver package that the driver's connections implement (contexts,
// session reset, validation, named value checks, ping), so the pool behaves
// as it did unwrapped.
package sqldb // import "github.com/otelvitals/vitals/integrations/sqldb"
