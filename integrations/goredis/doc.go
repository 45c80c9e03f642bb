// Package goredis tracks the connections of a go-redis v9 client
// ([github.com/redis/go-redis/v9]).
//
// Two views, used together or apart:
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
//     db.client.connection.count by state (used, idle) and
//     db.client.connection.max, with vitals' vitals.db.connection.waits and
//     .wait_time.
//
// For example:
//
//	tr, _ := conn.New()
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	goredis.InstrumentClient(rdb, tr.Pool("redis", "cache"))
//	reg, _ := goredis.RegisterPoolStats(rdb, "cache")
//	defer reg.Unregister()
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
//
// A connection go-redis closes more than once is destroyed once. The
// wrapped connections keep the file descriptor of the connection they
// wrap within reach (syscall.Conn, NetConn), so go-redis still checks
// idle connections for a server-side close before reusing them.
package goredis // import "github.com/otelvitals/vitals/integrations/goredis"
