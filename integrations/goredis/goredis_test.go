package goredis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/goredis"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tracked is a tracker whose metrics, its rejected input among them, are
// read through a ManualReader.
type tracked struct {
	tr     *conn.Tracker
	reader *sdkmetric.ManualReader
}

func newTracked(t *testing.T) *tracked {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	tr, err := conn.New(conn.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return &tracked{tr: tr, reader: reader}
}

// pool returns the snapshot of the tracker's only pool.
func (k *tracked) pool(t *testing.T) conn.Entry {
	t.Helper()
	pools := k.tr.Snapshot().Pools
	if len(pools) != 1 {
		t.Fatalf("tracker has %d pools, want 1", len(pools))
	}
	return pools[0]
}

// rejected returns the input the tracker rejected, by reason.
func (k *tracked) rejected(t *testing.T) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	m, ok := find(collect(t, k.reader), semconv.InputRejections.Name)
	if !ok {
		return got
	}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		reason, _ := dp.Attributes.Value(semconv.ErrorTypeKey)
		got[reason.AsString()] += dp.Value
	}
	return got
}

func collect(t *testing.T, reader *sdkmetric.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

func find(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// dbCounts returns the db.client.connection.count points of rm by state,
// and db.client.connection.max (-1 when absent).
func dbCounts(t *testing.T, rm metricdata.ResourceMetrics) (used, idle, maxOpen int64) {
	t.Helper()
	used, idle, maxOpen = -1, -1, -1
	if m, ok := find(rm, semconv.DBClientConnectionCount.Name); ok {
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			switch st, _ := dp.Attributes.Value(semconv.DBClientConnectionStateKey); st.AsString() {
			case semconv.ConnectionStateUsed:
				used = dp.Value
			case semconv.ConnectionStateIdle:
				idle = dp.Value
			}
		}
	}
	if m, ok := find(rm, semconv.DBClientConnectionMax.Name); ok {
		maxOpen = m.Data.(metricdata.Sum[int64]).DataPoints[0].Value
	}
	return used, idle, maxOpen
}

// countingDialer dials TCP and counts the connections it made, apart from
// the hook.
type countingDialer struct{ n atomic.Int64 }

func (d *countingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err == nil {
		d.n.Add(1)
	}
	return c, err
}

// TestInstrumentClientConcurrentSafe runs 20 goroutines of SET and GET
// through one client with a pool of 20 against a real Redis server. The
// tracker must follow go-redis exactly: one connection created per dial,
// as many open as go-redis holds, one use per command plus the HELLO that
// sets each connection up (the client sends nothing else on connect), as
// many uses as the server processed commands, and every connection
// destroyed once, with no rejected input, when the client closes.
// RegisterPoolStats must read the pool's used and idle connections as
// PoolStats gives them.
func TestInstrumentClientConcurrentSafe(t *testing.T) {
	addr := startRedis(t)
	k := newTracked(t)
	dialer := &countingDialer{}
	rdb := redis.NewClient(&redis.Options{
		Addr:            addr,
		PoolSize:        20,
		MinIdleConns:    0,
		Dialer:          dialer.dial,
		DisableIdentity: true, // no CLIENT SETINFO on connect
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled, // no CLIENT MAINT_NOTIFICATIONS
		},
	})
	goredis.InstrumentClient(rdb, k.tr.Pool("redis", "cache"))

	statsReader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(statsReader))
	defer mp.Shutdown(context.Background())
	reg, err := goredis.RegisterPoolStats(rdb, "cache", goredis.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}

	before := serverCommands(t, addr)
	const workers, rounds = 20, 200
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				key := fmt.Sprintf("k:%d:%d", w, i%10)
				val := fmt.Sprintf("v%d", i)
				if err := rdb.Set(ctx, key, val, 0).Err(); err != nil {
					t.Error(err)
					return
				}
				got, err := rdb.Get(ctx, key).Result()
				if err != nil || got != val {
					t.Errorf("GET %s = %q, %v; want %q", key, got, err, val)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	commands := int64(workers * rounds * 2)

	// The INFO that read before is counted in the server's total now.
	served := serverCommands(t, addr) - before - 1
	stats := rdb.PoolStats()
	p := k.pool(t)
	dials := dialer.n.Load()
	t.Logf("PoolStats: %+v", *stats)
	t.Logf("tracker: open %d, created %d, reused %d, destroyed %d; dials %d, commands sent %d, processed by the server %d",
		p.Open, p.Created, p.Reused, p.Destroyed, dials, commands, served)
	if dials == 0 || dials > 20 {
		t.Errorf("go-redis dialed %d connections with PoolSize 20", dials)
	}
	if p.Created != dials {
		t.Errorf("created %d, dialed %d", p.Created, dials)
	}
	if p.Open != int64(stats.TotalConns) {
		t.Errorf("open %d, PoolStats().TotalConns %d", p.Open, stats.TotalConns)
	}
	if p.Reused < commands {
		t.Errorf("reused %d < %d commands", p.Reused, commands)
	}
	if want := commands + p.Created; p.Reused != want {
		t.Errorf("reused %d, want %d commands + %d HELLOs = %d", p.Reused, commands, p.Created, want)
	}
	if p.Reused != served {
		t.Errorf("reused %d, the server processed %d commands", p.Reused, served)
	}

	// Quiescent: every connection idle.
	used, idle, maxOpen := dbCounts(t, collect(t, statsReader))
	if used != 0 || idle != int64(stats.TotalConns) || maxOpen != 20 {
		t.Errorf("pool stats: used %d, idle %d, max %d; want 0, %d, 20", used, idle, maxOpen, stats.TotalConns)
	}
	// One connection held: used 1.
	held := rdb.Conn()
	if err := held.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	stats = rdb.PoolStats()
	used, idle, _ = dbCounts(t, collect(t, statsReader))
	if want := int64(stats.TotalConns - stats.IdleConns); used != 1 || used != want || idle != int64(stats.IdleConns) {
		t.Errorf("with one connection held: used %d, idle %d; PoolStats: %d total, %d idle",
			used, idle, stats.TotalConns, stats.IdleConns)
	}
	// The conn pool reads the same figures, with the pool size.
	if p := k.pool(t); !p.StatsReported || p.MaxOpen != 20 || p.InUse != 1 || !p.InUseKnown {
		t.Errorf("conn pool with one connection held: stats reported %v, max open %d, in use %d (known %v); want true, 20, 1, true",
			p.StatsReported, p.MaxOpen, p.InUse, p.InUseKnown)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}

	if err := rdb.Close(); err != nil {
		t.Fatal(err)
	}
	p = k.pool(t)
	t.Logf("after Close: open %d, created %d, destroyed %d", p.Open, p.Created, p.Destroyed)
	if p.Open != 0 || p.Destroyed != p.Created {
		t.Errorf("after Close: open %d, destroyed %d of %d created", p.Open, p.Destroyed, p.Created)
	}
	if r := k.rejected(t); len(r) != 0 {
		t.Errorf("tracker rejected input: %v", r)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
}

// TestInstrumentRing tracks the connections of a ring of one shard, made
// before InstrumentClient was called.
func TestInstrumentRing(t *testing.T) {
	addr := startRedis(t)
	k := newTracked(t)
	ring := redis.NewRing(&redis.RingOptions{
		Addrs:              map[string]string{"one": addr},
		PoolSize:           4,
		HeartbeatFrequency: time.Hour,
	})
	goredis.InstrumentClient(ring, k.tr.Pool("redis", "ring"))
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				if err := ring.Set(ctx, fmt.Sprintf("r:%d:%d", w, i), i, 0).Err(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	stats := ring.PoolStats()
	p := k.pool(t)
	t.Logf("ring: open %d, created %d, reused %d; PoolStats %d total", p.Open, p.Created, p.Reused, stats.TotalConns)
	if p.Created == 0 || p.Open != int64(stats.TotalConns) || p.Reused < 8*20 {
		t.Errorf("ring: open %d, created %d, reused %d; want open = TotalConns %d > 0, reused ≥ 160",
			p.Open, p.Created, p.Reused, stats.TotalConns)
	}
	if err := ring.Close(); err != nil {
		t.Fatal(err)
	}
	if p = k.pool(t); p.Open != 0 || p.Destroyed != p.Created {
		t.Errorf("ring after Close: open %d, destroyed %d of %d created", p.Open, p.Destroyed, p.Created)
	}
	if r := k.rejected(t); len(r) != 0 {
		t.Errorf("tracker rejected input: %v", r)
	}
}

// TestInstrumentCluster tracks the connections of a cluster client, whose
// node clients dial, against a one-node Redis Cluster holding every slot.
// Redis reports a new cluster ready about 2 s after its slots are added.
func TestInstrumentCluster(t *testing.T) {
	addr := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	if err := admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatal(err)
	}
	for {
		info, err := admin.ClusterInfo(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("cluster not ready: %s", info)
		case <-time.After(20 * time.Millisecond):
		}
	}

	k := newTracked(t)
	dialer := &countingDialer{}
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, Dialer: dialer.dial})
	goredis.InstrumentClient(cluster, k.tr.Pool("redis", "cluster"))
	for i := range 50 {
		if err := cluster.Set(ctx, fmt.Sprintf("c:%d", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	p := k.pool(t)
	t.Logf("cluster: open %d, created %d, reused %d; dials %d", p.Open, p.Created, p.Reused, dialer.n.Load())
	if p.Created == 0 || p.Created != dialer.n.Load() || p.Reused < 50 {
		t.Errorf("cluster: created %d, dialed %d, reused %d; want created = dialed > 0, reused ≥ 50",
			p.Created, dialer.n.Load(), p.Reused)
	}
	if err := cluster.Close(); err != nil {
		t.Fatal(err)
	}
	if p = k.pool(t); p.Open != 0 || p.Destroyed != p.Created {
		t.Errorf("cluster after Close: open %d, destroyed %d of %d created", p.Open, p.Destroyed, p.Created)
	}
	if r := k.rejected(t); len(r) != 0 {
		t.Errorf("tracker rejected input: %v", r)
	}
}

// pipeDialer dials in memory: each dial returns one end of a net.Pipe and
// keeps the other.
type pipeDialer struct {
	mu     sync.Mutex
	server []net.Conn
}

func (d *pipeDialer) dial(context.Context, string, string) (net.Conn, error) {
	c, s := net.Pipe()
	d.mu.Lock()
	d.server = append(d.server, s)
	d.mu.Unlock()
	return c, nil
}

// TestHookConn drives a wrapped connection by hand: uses are counted once
// per exchange, a double Close destroys once, a write after Close is no
// use, and a failed dial tracks nothing.
func TestHookConn(t *testing.T) {
	k := newTracked(t)
	h := goredis.NewHook(k.tr.Pool("redis", "hand"))
	pipes := &pipeDialer{}
	dial := h.DialHook(pipes.dial)
	nc, err := dial(context.Background(), "tcp", "x")
	if err != nil {
		t.Fatal(err)
	}
	server := pipes.server[0]
	if _, ok := nc.(syscall.Conn); ok {
		t.Error("a wrapped net.Pipe claims to be a syscall.Conn")
	}
	if u, ok := nc.(interface{ NetConn() net.Conn }); !ok || u.NetConn() == nil {
		t.Error("the wrapped connection does not unwrap")
	}

	write := func(s string) {
		t.Helper()
		go func() { _, _ = server.Read(make([]byte, len(s))) }()
		if _, err := nc.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	reply := func(s string) {
		t.Helper()
		go func() { _, _ = server.Write([]byte(s)) }()
		if _, err := nc.Read(make([]byte, len(s))); err != nil {
			t.Fatal(err)
		}
	}
	// A request in three writes, then its reply: one use.
	write("*1\r\n")
	write("$4\r\n")
	write("PING\r\n")
	reply("+PONG\r\n")
	if got := k.pool(t).Reused; got != 1 {
		t.Errorf("one exchange in three writes counted %d uses", got)
	}
	// A pipeline of two in one write: one use; another command: one more.
	write("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n")
	reply("+PONG\r\n+PONG\r\n")
	write("*1\r\n$4\r\nPING\r\n")
	reply("+PONG\r\n")
	if got := k.pool(t).Reused; got != 3 {
		t.Errorf("three exchanges counted %d uses", got)
	}

	if err := nc.Close(); err != nil {
		t.Fatal(err)
	}
	_ = nc.Close() // as go-redis may
	if _, err := nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err == nil {
		t.Error("a write after Close succeeded")
	}
	if got := k.pool(t).Reused; got != 3 {
		t.Errorf("a write after Close counted as a use: %d uses", got)
	}
	server.Close()
	p := k.pool(t)
	if p.Open != 0 || p.Created != 1 || p.Destroyed != 1 {
		t.Errorf("after two Closes: open %d, created %d, destroyed %d; want 0, 1, 1", p.Open, p.Created, p.Destroyed)
	}
	if r := k.rejected(t); len(r) != 0 {
		t.Errorf("tracker rejected input: %v", r)
	}

	failing := h.DialHook(func(context.Context, string, string) (net.Conn, error) {
		return nil, syscall.ECONNREFUSED
	})
	if _, err := failing(context.Background(), "tcp", "x"); err != syscall.ECONNREFUSED {
		t.Errorf("failed dial returned %v", err)
	}
	if p := k.pool(t); p.Created != 1 {
		t.Errorf("a failed dial was tracked: created %d", p.Created)
	}
}

// TestHookKeepsSyscallConn checks that a wrapped TCP connection still
// offers its file descriptor, which go-redis peeks at to find connections
// the server closed.
func TestHookKeepsSyscallConn(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	k := newTracked(t)
	dial := goredis.NewHook(k.tr.Pool("redis", "tcp")).DialHook(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	})
	nc, err := dial(context.Background(), "tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sc, ok := nc.(syscall.Conn)
	if !ok {
		t.Fatal("a wrapped TCP connection is not a syscall.Conn")
	}
	if _, err := sc.SyscallConn(); err != nil {
		t.Fatal(err)
	}
}

// TestNilInputs checks that nil clients and pools are no-ops.
func TestNilInputs(t *testing.T) {
	goredis.InstrumentClient(nil, nil)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	goredis.InstrumentClient(rdb, nil)

	pipes := &pipeDialer{}
	dial := goredis.NewHook(nil).DialHook(pipes.dial)
	nc, err := dial(context.Background(), "tcp", "x")
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	pipes.server[0].Close()
}

// fakeStats is a client whose pool statistics the test sets.
type fakeStats struct {
	stats *redis.PoolStats
	opt   *redis.Options
}

func (f fakeStats) PoolStats() *redis.PoolStats { return f.stats }

type fakeWithOptions struct{ fakeStats }

func (f fakeWithOptions) Options() *redis.Options { return f.opt }

// TestRegisterPoolStats reads the statistics of fake clients exactly.
func TestRegisterPoolStats(t *testing.T) {
	type want struct{ used, idle, maxOpen, waits int64 }
	tests := []struct {
		name    string
		client  interface{ PoolStats() *redis.PoolStats }
		opts    []goredis.Option
		want    want
		wantErr error
	}{
		{
			name:   "counts",
			client: fakeStats{stats: &redis.PoolStats{TotalConns: 7, IdleConns: 3, WaitCount: 4, WaitDurationNs: 5e8}},
			want:   want{used: 4, idle: 3, maxOpen: -1, waits: 4},
		},
		{
			name:   "more idle than total",
			client: fakeStats{stats: &redis.PoolStats{TotalConns: 2, IdleConns: 3}},
			want:   want{used: 0, idle: 3, maxOpen: -1},
		},
		{
			name:   "nil stats",
			client: fakeStats{},
			want:   want{maxOpen: -1},
		},
		{
			name:   "nil client",
			client: nil,
			want:   want{maxOpen: -1},
		},
		{
			name:   "pool size from options",
			client: fakeWithOptions{fakeStats{stats: &redis.PoolStats{TotalConns: 1}, opt: &redis.Options{PoolSize: 40}}},
			want:   want{used: 1, maxOpen: 40},
		},
		{
			name:   "max active conns lowers the maximum",
			client: fakeWithOptions{fakeStats{stats: &redis.PoolStats{}, opt: &redis.Options{PoolSize: 40, MaxActiveConns: 25}}},
			want:   want{maxOpen: 25},
		},
		{
			name:   "max active conns above pool size",
			client: fakeWithOptions{fakeStats{stats: &redis.PoolStats{}, opt: &redis.Options{PoolSize: 40, MaxActiveConns: 60}}},
			want:   want{maxOpen: 40},
		},
		{
			name:   "WithPoolSize wins",
			client: fakeWithOptions{fakeStats{stats: &redis.PoolStats{}, opt: &redis.Options{PoolSize: 40}}},
			opts:   []goredis.Option{goredis.WithPoolSize(12)},
			want:   want{maxOpen: 12},
		},
		{
			name:   "WithPoolSize 0 reports no maximum",
			client: fakeWithOptions{fakeStats{stats: &redis.PoolStats{}, opt: &redis.Options{PoolSize: 40}}},
			opts:   []goredis.Option{goredis.WithPoolSize(0)},
			want:   want{maxOpen: -1},
		},
		{
			name:    "negative pool size",
			client:  fakeStats{stats: &redis.PoolStats{TotalConns: 1, IdleConns: 1}},
			opts:    []goredis.Option{goredis.WithPoolSize(-3), nil},
			want:    want{idle: 1, maxOpen: -1},
			wantErr: goredis.ErrNegativePoolSize,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			reg, err := goredis.RegisterPoolStats(tt.client, "p", append(tt.opts, goredis.WithMeterProvider(mp))...)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			rm := collect(t, reader)
			used, idle, maxOpen := dbCounts(t, rm)
			var waits int64
			if m, ok := find(rm, semconv.DBConnectionWaits.Name); ok {
				dp := m.Data.(metricdata.Sum[int64]).DataPoints[0]
				waits = dp.Value
				if name, _ := dp.Attributes.Value(semconv.DBClientConnectionPoolNameKey); name.AsString() != "p" {
					t.Errorf("waits of pool %q", name.AsString())
				}
			}
			got := want{used, idle, maxOpen, waits}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if s := rm.ScopeMetrics[0].Scope; s.Name != goredis.ScopeName || s.Version != goredis.Version || s.SchemaURL != semconv.SchemaURL {
				t.Errorf("scope %+v", rm.ScopeMetrics[0].Scope)
			}
			if err := reg.Unregister(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRegisterPoolStatsUnregisters checks that nothing is reported after
// Unregister.
func TestRegisterPoolStatsUnregisters(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := goredis.RegisterPoolStats(fakeStats{stats: &redis.PoolStats{TotalConns: 3, IdleConns: 1}}, "p",
		goredis.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	used, idle, _ := dbCounts(t, collect(t, reader))
	if used != 2 || idle != 1 {
		t.Fatalf("used %d, idle %d; want 2, 1", used, idle)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	rm := collect(t, reader)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if n := points(m); n != 0 {
				t.Errorf("%s has %d points after Unregister", m.Name, n)
			}
		}
	}
}

func points(m metricdata.Metrics) int {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return len(d.DataPoints)
	case metricdata.Sum[float64]:
		return len(d.DataPoints)
	}
	return 0
}

// statsClient is a client whose pool statistics the test sets, and whose
// options are those of the client it embeds.
type statsClient struct {
	*redis.Client
	stats *redis.PoolStats
}

func (c statsClient) PoolStats() *redis.PoolStats { return c.stats }

// TestInstrumentClientStats checks that InstrumentClient gives the conn
// pool the client's pool statistics: the pool size as its maximum,
// TotalConns - IdleConns in use, and the waits. No server is needed: the
// statistics are faked and nothing is dialed.
func TestInstrumentClientStats(t *testing.T) {
	client := func(opt *redis.Options, stats *redis.PoolStats) func(t *testing.T) redis.UniversalClient {
		return func(t *testing.T) redis.UniversalClient {
			opt.Addr = "127.0.0.1:1"
			rdb := redis.NewClient(opt)
			t.Cleanup(func() { _ = rdb.Close() })
			return statsClient{Client: rdb, stats: stats}
		}
	}
	type want struct {
		maxOpen, inUse, waits int64
		waitSeconds           float64
	}
	tests := []struct {
		name   string
		client func(t *testing.T) redis.UniversalClient
		want   want
	}{
		{"counts", client(&redis.Options{PoolSize: 7},
			&redis.PoolStats{TotalConns: 5, IdleConns: 2, WaitCount: 4, WaitDurationNs: 3e9}),
			want{maxOpen: 7, inUse: 3, waits: 4, waitSeconds: 3}},
		{"more idle than total", client(&redis.Options{PoolSize: 7}, &redis.PoolStats{TotalConns: 2, IdleConns: 3}),
			want{maxOpen: 7}},
		{"max active conns lowers the maximum", client(&redis.Options{PoolSize: 40, MaxActiveConns: 25}, &redis.PoolStats{}),
			want{maxOpen: 25}},
		{"nil stats", client(&redis.Options{PoolSize: 7}, nil), want{maxOpen: 7}},
		{"a real client, idle", func(t *testing.T) redis.UniversalClient {
			rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", PoolSize: 9})
			t.Cleanup(func() { _ = rdb.Close() })
			return rdb
		}, want{maxOpen: 9}},
		{"a ring: no maximum", func(t *testing.T) redis.UniversalClient {
			ring := redis.NewRing(&redis.RingOptions{
				Addrs: map[string]string{"one": "127.0.0.1:1"}, PoolSize: 4, HeartbeatFrequency: time.Hour,
			})
			t.Cleanup(func() { _ = ring.Close() })
			return ring
		}, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newTracked(t)
			goredis.InstrumentClient(tt.client(t), k.tr.Pool("redis", "cache"))
			p := k.pool(t)
			if !p.StatsReported || !p.InUseKnown {
				t.Fatalf("stats reported %v, in use known %v; want both", p.StatsReported, p.InUseKnown)
			}
			if got := (want{p.MaxOpen, p.InUse, p.Waits, p.WaitSeconds}); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
