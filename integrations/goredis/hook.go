package goredis

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/otelvitals/vitals/instrument/conn"
)

// NewHook returns a go-redis hook that tracks in pool every connection the
// client it is added to dials. Most programs call [InstrumentClient], which
// adds it where go-redis dials; NewHook is for clients built elsewhere, such
// as the shard clients of RingOptions.NewClient.
//
// A nil pool gives a hook that tracks nothing. The hook is safe for
// concurrent use and may be added to several clients.
func NewHook(pool *conn.Pool) redis.Hook {
	return hook{pool: pool}
}

// InstrumentClient tracks in pool every connection client dials: see the
// package documentation for what is counted. It works on every client go-redis
// makes:
//
//   - a *redis.Client, including a sentinel failover client: the hook is
//     added to it;
//   - a *redis.ClusterClient: the hook is added to each node client the
//     cluster creates after the call. Nodes are created on first use, so call
//     InstrumentClient before the first command;
//   - a *redis.Ring: the hook is added to the shards it has (those not
//     marked down by its heartbeat, which is all of them right after
//     NewRing) and to those it creates later.
//
// It also gives pool the client's pool statistics ([conn.Pool.SetStats]),
// read at each snapshot and collection of its tracker, since go-redis hands
// its connections out where the hook cannot see: the pool size as the
// maximum (PoolSize, or MaxActiveConns when set and smaller, as
// [RegisterPoolStats] reads it; unknown for a cluster client or a ring,
// whose statistics add up several pools), TotalConns - IdleConns (never
// negative) as the connections in use, and WaitCount and WaitDurationNs as
// the waits. This is how the health score learns the pool's maximum, which
// saturation is judged against, and its waits for a connection. The
// figures are those of the client's main pool, as in RegisterPoolStats.
//
// Call it once per client, right after creating it: a second call would
// count every connection twice. A nil client (a nil interface or a nil
// pointer, such as a nil *redis.Client) or a nil pool is a no-op.
func InstrumentClient(client redis.UniversalClient, pool *conn.Pool) {
	if isNil(client) || pool == nil {
		return
	}
	trackStats(client, pool)
	addHook(client, NewHook(pool))
}

// addHook adds h where client dials: to a *redis.Client itself, to the
// node clients a cluster client creates from now on, to the shards of a
// ring, present and future.
func addHook(client redis.UniversalClient, h redis.Hook) {
	switch c := client.(type) {
	case *redis.Ring:
		instrumentShards(c, h)
	case interface{ OnNewNode(func(*redis.Client)) }:
		// A cluster client dials through its node clients, never through
		// its own dial hook.
		c.OnNewNode(func(node *redis.Client) { node.AddHook(h) })
	default:
		client.AddHook(h)
	}
}

// trackStats gives pool the statistics of client's main pool.
func trackStats(client redis.UniversalClient, pool *conn.Pool) {
	size := int(poolSize(client))
	pool.SetStats(func() conn.Stats {
		s := client.PoolStats()
		if s == nil {
			return conn.Stats{MaxOpen: size}
		}
		return conn.Stats{
			MaxOpen:  size,
			InUse:    int(max(int64(s.TotalConns)-int64(s.IdleConns), 0)),
			Waits:    int64(s.WaitCount),
			WaitTime: time.Duration(s.WaitDurationNs),
		}
	})
}

// instrumentShards adds h to the shards ring has and to those it creates
// later. A ring announces a new shard before listing it, so a shard made
// while the current ones are walked can be seen twice; it gets h once.
func instrumentShards(ring *redis.Ring, h redis.Hook) {
	var mu sync.Mutex
	seen := map[*redis.Client]bool{}
	add := func(c *redis.Client) {
		mu.Lock()
		defer mu.Unlock()
		if seen != nil {
			if seen[c] {
				return
			}
			seen[c] = true
		}
		c.AddHook(h)
	}
	ring.OnNewNode(add)
	_ = ring.ForEachShard(context.Background(), func(_ context.Context, c *redis.Client) error {
		add(c)
		return nil
	})
	mu.Lock()
	seen = nil // every shard made from now on is announced once
	mu.Unlock()
}

// hook is the go-redis hook of [NewHook].
type hook struct {
	pool *conn.Pool
}

// DialHook wraps each connection next dials in a tracked one; with a nil
// pool, or a nil next, it returns next.
func (h hook) DialHook(next redis.DialHook) redis.DialHook {
	if h.pool == nil || next == nil {
		return next
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := next(ctx, network, addr)
		if err != nil || nc == nil {
			return nc, err
		}
		return track(nc, h.pool.Open()), nil
	}
}

// ProcessHook calls next: commands are counted on the connection.
func (hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

// ProcessPipelineHook calls next: pipelines are counted on the connection.
func (hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// track wraps nc so that tracked follows its life. A connection that offers
// its file descriptor ([syscall.Conn], as a TCP connection does) keeps
// offering it: go-redis peeks at the socket through it to find connections
// the server closed while they sat idle, and to read push notifications.
func track(nc net.Conn, tracked *conn.Conn) net.Conn {
	tc := &trackedConn{Conn: nc, tracked: tracked}
	tc.replied.Store(true) // the first write starts an exchange
	if sc, ok := nc.(syscall.Conn); ok {
		return &trackedSyscallConn{trackedConn: tc, sc: sc}
	}
	return tc
}

// trackedConn is a connection whose life is tracked.
//
// A use is counted at the first Write after data was read (or the first
// Write of all): one per request and reply exchange, however many Writes
// the request takes and however many commands it carries.
type trackedConn struct {
	net.Conn
	tracked *conn.Conn
	replied atomic.Bool // data was read since the last counted use
	closed  atomic.Bool
}

// Write counts a use when it starts an exchange, then writes. A write
// after Close, which fails, is not a use.
func (c *trackedConn) Write(b []byte) (int, error) {
	if c.replied.Load() && c.replied.Swap(false) && !c.closed.Load() {
		c.tracked.Use()
	}
	return c.Conn.Write(b)
}

// Read reads, noting that a reply arrived when it returns data.
func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.replied.Load() {
		c.replied.Store(true)
	}
	return n, err
}

// Close closes the connection and, the first time only, records its
// destruction: go-redis may close a connection more than once.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	if c.closed.CompareAndSwap(false, true) {
		c.tracked.Close()
	}
	return err
}

// NetConn returns the wrapped connection, as [crypto/tls.Conn.NetConn]
// does; go-redis follows it to find the socket beneath a TLS connection.
func (c *trackedConn) NetConn() net.Conn { return c.Conn }

// trackedSyscallConn is a trackedConn over a connection that implements
// [syscall.Conn].
type trackedSyscallConn struct {
	*trackedConn
	sc syscall.Conn
}

// SyscallConn returns the raw connection of the wrapped one.
func (c *trackedSyscallConn) SyscallConn() (syscall.RawConn, error) { return c.sc.SyscallConn() }
