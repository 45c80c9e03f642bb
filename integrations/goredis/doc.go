// Package goredis tracks the connections of a go-redis v9 client
// ([github.com/redis/go-redis/v9]), and the hits and misses of Redis used as
// a cache.
//
// Two views of the connections, used together or apart:
//
//   - [InstrumentClient] adds a go-redis hook that wraps every connection
//     the client dials, so that each is a tracked connection of a
//     [github.com/otelvitals/vitals/instrument/conn] pool: created when
//     go-redis dials it, reused once per command or pipeline sent on it,
//     destroyed when go-redis closes it (after ConnMaxIdleTime or
//     ConnMaxLifetime, when the server closed it, when the client is
//     closed), with its real age and lifetime.
//   - [RegisterPoolStats] reports the client's [redis.PoolStats] at each
//     collection with the official semantic conventions:
//     db.client.connection.count by state (used, idle),
//     db.client.connection.max, .pending_requests, .timeouts, .idle.min and
//     .idle.max, with vitals' vitals.db.client.connection.waits and
//     .wait.time;
//     [RecordCreateTime] adds db.client.connection.create_time. See
//     Official metrics below.
//
// In a service set up by [github.com/otelvitals/vitals.Start], give both
// Start's provider (and the tracker Start's producer), so that the metrics
// leave through Start's exporters; without options they record into the
// global MeterProvider, which Start does not set. The package example
// shows it whole:
//
//	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer tr.Shutdown(ctx)
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", PoolSize: 8})
//	defer rdb.Close()
//	goredis.InstrumentClient(rdb, tr.Pool("redis", "cache"))
//	reg, err := goredis.RegisterPoolStats(rdb, "cache", goredis.WithMeterProvider(sys.MeterProvider()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer reg.Unregister()
//	_ = goredis.RecordCreateTime(rdb, "cache", goredis.WithMeterProvider(sys.MeterProvider()))
//
// Redis used as a cache is watched with a [cache.Cache] of package
// [github.com/otelvitals/vitals/instrument/cache]: [Get] replaces
// rdb.Get(ctx, key).Result(), and [Lookup] wraps any other lookup, such as
// HGET or GETEX; see Redis as a cache below.
//
// This package is a module of its own, so that programs that use vitals
// without go-redis do not depend on it.
//
// # What is counted
//
// The tracked pool covers every connection the client dials: those of its
// main pool, its pub/sub connections and those of its pipeline pool. go-redis
// reports the main pool alone in PoolStats().TotalConns, so the two agree
// when only the main pool is in use.
//
// A use is counted when the client starts an exchange on a connection: at
// its first write after a reply was read, however many writes the request
// takes and however many commands it carries. So a command counts one use,
// and so does a pipeline or a transaction; the commands go-redis sends to
// set up a new connection (HELLO, AUTH, SELECT, CLIENT SETINFO) count too,
// as the exchanges they are. On a connection that go-redis writes and
// reads at once (the full-duplex autopipeliner), a use is a batch written
// after a reply arrived. The uses are counted as "reused" events.
//
// go-redis hands its connections out and takes them back inside its own
// pool, out of the hook's sight, so the tracked connections are not
// reported by state; [RegisterPoolStats] gives the used and idle counts.
// [InstrumentClient] gives the conn pool the client's pool statistics
// instead ([conn.Pool.SetStats]): the pool size as its maximum, the
// connections in use and the waits, so that the health score judges
// saturation against the pool size.
//
// A connection go-redis closes more than once is destroyed once. The
// wrapped connections keep the file descriptor of the connection they
// wrap within reach (syscall.Conn, NetConn), so go-redis still checks
// idle connections for a server-side close before reusing them.
//
// # Official metrics
//
// Of the db.client.connection.* metrics of the semantic conventions
// (v1.44.0, "development" stability), each carrying
// db.client.connection.pool.name, this package reports those go-redis
// lets it observe exactly:
//
//   - count (by state), max, pending_requests and timeouts, read from
//     [redis.PoolStats] (TotalConns - IdleConns, IdleConns,
//     PendingRequests, Timeouts) and the pool size;
//   - idle.min and idle.max, read from the client's MinIdleConns and
//     MaxIdleConns;
//   - create_time, timed by a dial hook ([RecordCreateTime]): the dial,
//     TCP connect and TLS handshake, without the HELLO and AUTH exchange
//     go-redis sends on the new connection afterwards.
//
// Two are not reported:
//
//   - wait_time, a histogram of each caller's wait for a connection:
//     go-redis keeps only the count and the total of the waits (WaitCount,
//     WaitDurationNs, reported as vitals.db.client.connection.waits and
//     .wait.time), and the one place that sees each wait is go-redis's
//     process-wide recorder (redis.SetOTelRecorder), which a library must
//     not take from the program;
//   - use_time, the time from borrowing a connection to returning it:
//     go-redis borrows and returns connections inside its pool, where no
//     hook runs; a process hook's time also holds the wait for a
//     connection, the retries and their back-off, so it is not the use.
//
// The idle bounds are known only for a client with an Options()
// *redis.Options method (a *redis.Client): a cluster client and a ring add
// up the pools of several nodes.
//
// # Redis as a cache
//
// [Get] and [Lookup] time a lookup's round trip and record it in a
// [cache.Cache], so that the cache monitor reports Redis's hit ratio and
// efficiency (vitals.cache.operations, vitals.cache.operation.duration,
// vitals.cache.hit_ratio, vitals.cache.efficiency):
//
//	m, err := cache.New(cache.WithMeterProvider(sys.MeterProvider()), cache.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer m.Shutdown(ctx)
//	users := m.Cache(cache.TypeApplication, "users") // once; keep the handle
//
//	v, err := goredis.Get(ctx, rdb, users, "user:42")
//	if errors.Is(err, redis.Nil) { // a miss, as without goredis
//		v = load(42)
//		rdb.Set(ctx, "user:42", v, time.Hour)
//	}
//
//	raw, err := goredis.Lookup(users, func() *redis.StringCmd {
//		return rdb.HGet(ctx, "user:42", "profile")
//	}).Bytes()
//
// A reply is a hit and [redis.Nil] a miss, returned unchanged. Any other
// error (a WRONGTYPE reply, a timeout, a closed client) is returned and
// recorded as neither a hit nor a miss: an outage must not read as a
// falling hit ratio, and a failed lookup has no duration worth comparing.
// Count failures with the client's own instrumentation if needed.
//
// A miss is timed as the round trip that found nothing, not with the
// loading that follows, so hits and misses take about as long and the
// efficiency score, which weighs the hit ratio by how much faster hits
// are, stays near 0. Where the efficiency matters, time the whole lookup,
// load included, with [cache.Cache.Start] instead.
//
// Neither allocates beyond what go-redis does for the command.
//
// # Distinct users across a fleet
//
// The distinct users of vitals.feature.users are counted per process, so a
// sum over replicas counts a user once per replica she reached.
// [NewFleetUsers] counts them across the fleet in Redis HyperLogLogs, on a
// user hash key the replicas share ([feature.WithUserHashKey]):
//
//	fleet, err := goredis.NewFleetUsers(rdb, sys.Features(), goredis.WithFleetMeterProvider(sys.MeterProvider()))
//	defer fleet.Shutdown(ctx)
//
// Every replica then reports vitals.feature.fleet.users, the same estimate
// of the fleet's distinct users per feature over the usage window
// (standard error 0.81%, Redis's). Record hands each user's keyed hash to
// a buffer (about 45 ns more per use); a background goroutine sends the
// buffer in pipelined PFADDs every second and reads the counts with
// PFCOUNT every 15 seconds. Redis down: local counts go on, the fleet
// gauge is absent, the error is reported once, and sending resumes when
// Redis is back; the count never reads below the process's own estimate,
// which matters after a restart that lost the window. See [FleetUsers].
//
// # Bad input
//
// Nothing here panics on bad input. Pool names are cleaned as the trackers
// clean theirs ([github.com/otelvitals/vitals/semconv.CleanValue]), so that
// a name that is not UTF-8 cannot make an export fail and a huge one is
// cut to 256 bytes. A nil client (a nil interface or a nil pointer) or a
// nil pool makes [InstrumentClient] a no-op, a nil client makes
// [RecordCreateTime] one too, [RegisterPoolStats] reads it as an empty
// pool, and [Get] returns [ErrNilClient]; a nil function makes
// [Lookup] return a command failed with [ErrNilFunc]; a nil cache records
// nothing.
package goredis // import "github.com/otelvitals/vitals/integrations/goredis"
