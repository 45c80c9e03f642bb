package goredis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/integrations/goredis"
	"github.com/otelvitals/vitals/semconv"
)

// badCase is one bad input: the call that makes it, and what the
// documentation says comes of it.
type badCase struct {
	name   string
	api    string // the API called
	input  string // the bad input, for people
	result string // the documented outcome, for people
	// call makes the bad call on a fresh rig and returns the error the API
	// returned (nil for APIs without one). It may check more itself.
	call func(t *testing.T, r *badRig) error
	// want is the error call must return, matched with errors.Is; nil
	// means none.
	want error
}

// badRig is the world of one case: a connection tracker, a cache monitor
// with one cache, and a MeterProvider read through a ManualReader.
type badRig struct {
	conns  *tracked
	cache  *monitored
	mp     *sdkmetric.MeterProvider
	reader *sdkmetric.ManualReader
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{conns: newTracked(t), cache: newMonitored(t), reader: sdkmetric.NewManualReader()}
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() { _ = r.mp.Shutdown(context.Background()) })
	return r
}

// noLookups checks that the rig's cache recorded nothing.
func (r *badRig) noLookups(t *testing.T) {
	t.Helper()
	if got := r.cache.counts(t); got.hits != 0 || got.misses != 0 || got.timedH != 0 || got.timedM != 0 {
		t.Errorf("lookups recorded: %+v", got)
	}
}

// poolNames returns the pool names of the db.client.connection.count
// points of a collection of the rig's provider.
func (r *badRig) poolNames(t *testing.T) []string {
	t.Helper()
	m, ok := find(collect(t, r.reader), semconv.DBClientConnectionCount.Name)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var names []string
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		v, _ := dp.Attributes.Value(semconv.DBClientConnectionPoolNameKey)
		if s := v.AsString(); !seen[s] {
			seen[s] = true
			names = append(names, s)
		}
	}
	return names
}

// registerPool registers client's statistics with the rig's provider as
// pool name, and checks that they are reported as pool want with used and
// idle connections.
func registerPool(t *testing.T, r *badRig, client interface{ PoolStats() *redis.PoolStats }, name, want string, used, idle int64) error {
	t.Helper()
	reg, err := goredis.RegisterPoolStats(client, name, goredis.WithMeterProvider(r.mp))
	if reg == nil {
		t.Fatal("nil registration")
	}
	defer reg.Unregister()
	if got := r.poolNames(t); len(got) != 1 || got[0] != want {
		var n int
		if len(got) > 0 {
			n = len(got[0])
		}
		t.Errorf("pool names %.60q (the first of %d bytes), want [%.60q] (%d bytes)", got, n, want, len(want))
	}
	if u, i, _ := dbCounts(t, collect(t, r.reader)); u != used || i != idle {
		t.Errorf("used %d, idle %d; want %d, %d", u, i, used, idle)
	}
	return err
}

// ptrStats is a client with a pointer receiver, to be passed as a typed nil.
type ptrStats struct{ stats redis.PoolStats }

func (p *ptrStats) PoolStats() *redis.PoolStats { return &p.stats }

func badCases() []badCase {
	mib := strings.Repeat("r", 1<<20)
	one := fakeStats{stats: &redis.PoolStats{TotalConns: 3, IdleConns: 1}}
	var nilClient *redis.Client
	return []badCase{
		{
			name: "instrument nil client", api: "goredis.InstrumentClient", input: "client: nil",
			result: "no-op",
			call: func(t *testing.T, r *badRig) error {
				goredis.InstrumentClient(nil, r.conns.tr.Pool("redis", "bad"))
				return nil
			},
		},
		{
			name: "instrument nil *redis.Client", api: "goredis.InstrumentClient", input: "client: (*redis.Client)(nil)",
			result: "no-op: no stats given to the pool",
			call: func(t *testing.T, r *badRig) error {
				goredis.InstrumentClient(nilClient, r.conns.tr.Pool("redis", "bad"))
				if s := r.conns.pool(t); s.StatsReported {
					t.Error("stats reported for a nil client")
				}
				return nil
			},
		},
		{
			name: "instrument nil pool", api: "goredis.InstrumentClient", input: "pool: nil",
			result: "no-op",
			call: func(t *testing.T, _ *badRig) error {
				rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
				defer rdb.Close()
				goredis.InstrumentClient(rdb, nil)
				return nil
			},
		},
		{
			name: "hook nil pool", api: "goredis.NewHook", input: "pool: nil",
			result: "a hook that tracks nothing: DialHook returns next",
			call: func(t *testing.T, _ *badRig) error {
				pipes := &pipeDialer{}
				nc, err := goredis.NewHook(nil).DialHook(pipes.dial)(context.Background(), "tcp", "x")
				if err != nil {
					return err
				}
				if _, wrapped := nc.(interface{ NetConn() net.Conn }); wrapped {
					t.Error("the connection was wrapped")
				}
				nc.Close()
				pipes.server[0].Close()
				return nil
			},
		},
		{
			name: "dial hook nil next", api: "goredis.NewHook DialHook", input: "next: nil",
			result: "returns next (nil)",
			call: func(t *testing.T, r *badRig) error {
				if h := goredis.NewHook(r.conns.tr.Pool("redis", "bad")).DialHook(nil); h != nil {
					t.Error("a non-nil dial hook around nil")
				}
				return nil
			},
		},
		{
			name: "pool stats nil client", api: "goredis.RegisterPoolStats", input: "client: nil",
			result: "read as an empty pool",
			call:   func(t *testing.T, r *badRig) error { return registerPool(t, r, nil, "p", "p", 0, 0) },
		},
		{
			name: "pool stats nil *redis.Client", api: "goredis.RegisterPoolStats", input: "client: (*redis.Client)(nil)",
			result: "read as an empty pool",
			call:   func(t *testing.T, r *badRig) error { return registerPool(t, r, nilClient, "p", "p", 0, 0) },
		},
		{
			name: "pool stats typed nil client", api: "goredis.RegisterPoolStats", input: "client: a nil pointer of another type",
			result: "read as an empty pool, at every collection",
			call: func(t *testing.T, r *badRig) error {
				var p *ptrStats
				return registerPool(t, r, p, "p", "p", 0, 0)
			},
		},
		{
			name: "pool stats nil PoolStats", api: "goredis.RegisterPoolStats", input: "PoolStats() returns nil",
			result: "read as an empty pool",
			call:   func(t *testing.T, r *badRig) error { return registerPool(t, r, fakeStats{}, "p", "p", 0, 0) },
		},
		{
			name: "pool stats invalid UTF-8 name", api: "goredis.RegisterPoolStats", input: `poolName "orders\xff"`,
			result: `reported as "orders\uFFFD"`,
			call: func(t *testing.T, r *badRig) error {
				return registerPool(t, r, one, "orders\xff", "orders\uFFFD", 2, 1)
			},
		},
		{
			name: "pool stats 1 MiB name", api: "goredis.RegisterPoolStats", input: "poolName of 1 MiB",
			result: "reported cut to semconv.MaxValueLength (256 bytes)",
			call: func(t *testing.T, r *badRig) error {
				return registerPool(t, r, one, mib, mib[:semconv.MaxValueLength], 2, 1)
			},
		},
		{
			name: "pool stats empty name", api: "goredis.RegisterPoolStats", input: `poolName ""`,
			result: `reported as "unknown"`,
			call:   func(t *testing.T, r *badRig) error { return registerPool(t, r, one, "", "unknown", 2, 1) },
		},
		{
			name: "pool stats negative pool size", api: "goredis.WithPoolSize", input: "n: -3",
			result: "goredis.ErrNegativePoolSize; reported without a maximum", want: goredis.ErrNegativePoolSize,
			call: func(t *testing.T, r *badRig) error {
				reg, err := goredis.RegisterPoolStats(one, "p", goredis.WithPoolSize(-3), goredis.WithMeterProvider(r.mp))
				defer reg.Unregister()
				if _, _, maxOpen := dbCounts(t, collect(t, r.reader)); maxOpen != -1 {
					t.Errorf("maximum %d reported", maxOpen)
				}
				return err
			},
		},
		{
			name: "pool stats nil option", api: "goredis.RegisterPoolStats", input: "opts: nil",
			result: "ignored",
			call: func(t *testing.T, r *badRig) error {
				reg, err := goredis.RegisterPoolStats(one, "p", nil, goredis.WithMeterProvider(r.mp), nil)
				defer reg.Unregister()
				if got := r.poolNames(t); len(got) != 1 {
					t.Errorf("pools %q", got)
				}
				return err
			},
		},
		{
			name: "get nil client", api: "goredis.Get", input: "client: nil",
			result: "goredis.ErrNilClient; nothing recorded", want: goredis.ErrNilClient,
			call: func(t *testing.T, r *badRig) error {
				_, err := goredis.Get(context.Background(), nil, r.cache.c, "k")
				r.noLookups(t)
				return err
			},
		},
		{
			name: "get nil *redis.Client", api: "goredis.Get", input: "client: (*redis.Client)(nil)",
			result: "goredis.ErrNilClient; nothing recorded", want: goredis.ErrNilClient,
			call: func(t *testing.T, r *badRig) error {
				_, err := goredis.Get(context.Background(), nilClient, r.cache.c, "k")
				r.noLookups(t)
				return err
			},
		},
		{
			name: "get nil context", api: "goredis.Get", input: "ctx: nil, no server",
			result: "taken as context.Background(): the dial error, recorded as neither hit nor miss",
			call: func(t *testing.T, r *badRig) error {
				rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
				defer rdb.Close()
				//lint:ignore SA1012 a nil ctx is the bad input under test
				if _, err := goredis.Get(nil, rdb, r.cache.c, "k"); err == nil || errors.Is(err, redis.Nil) {
					t.Errorf("error %v, want the dial error", err)
				}
				r.noLookups(t)
				return nil
			},
		},
		{
			name: "lookup nil function", api: "goredis.Lookup", input: "cmd: nil",
			result: "a new command whose Err is goredis.ErrNilFunc; nothing recorded", want: goredis.ErrNilFunc,
			call: func(t *testing.T, r *badRig) error {
				cmd := goredis.Lookup[*redis.StringCmd](r.cache.c, nil)
				if cmd == nil {
					t.Fatal("nil command")
				}
				v, err := cmd.Result()
				if v != "" {
					t.Errorf("value %q", v)
				}
				r.noLookups(t)
				return err
			},
		},
		{
			name: "lookup nil function of an interface type", api: "goredis.Lookup", input: "cmd: nil, C redis.Cmder",
			result: "the zero C (nil); nothing recorded",
			call: func(t *testing.T, r *badRig) error {
				if cmd := goredis.Lookup[redis.Cmder](r.cache.c, nil); cmd != nil {
					t.Errorf("command %v, want nil", cmd)
				}
				r.noLookups(t)
				return nil
			},
		},
		{
			name: "lookup nil command", api: "goredis.Lookup", input: "cmd returns a nil *redis.StringCmd",
			result: "returned as it is; nothing recorded",
			call: func(t *testing.T, r *badRig) error {
				if cmd := goredis.Lookup(r.cache.c, func() *redis.StringCmd { return nil }); cmd != nil {
					t.Errorf("command %v, want nil", cmd)
				}
				r.noLookups(t)
				return nil
			},
		},
		{
			name: "lookup nil cache", api: "goredis.Lookup", input: "c: nil",
			result: "runs cmd, records nothing",
			call: func(t *testing.T, _ *badRig) error {
				_, err := goredis.Lookup(nil, func() *redis.StringCmd { return redis.NewStringResult("v", nil) }).Result()
				return err
			},
		},
	}
}

// TestBadInputGoRedis runs every bad input of badCases on a fresh rig:
// none may panic, and each must return its documented error.
func TestBadInputGoRedis(t *testing.T) {
	cases := badCases()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			r := newBadRig(t)
			err := badNoPanic(t, func() error { return tc.call(t, r) })
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	if testing.Verbose() {
		t.Log("\n" + badTable(cases))
	}
}

// badNoPanic runs f, failing t if it panics.
func badNoPanic(t *testing.T, f func() error) error {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return f()
}

// badTable renders the cases as a Markdown table.
func badTable(cases []badCase) string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| case | API | input | result |\n|---|---|---|---|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(c.name), cell(c.api), cell(c.input), cell(c.result))
	}
	return b.String()
}

// TestBadPoolNamesThroughCollector registers the pool statistics of
// clients named "orders\xff" and 1 MiB of bytes beside a control pool,
// through a MeterProvider built by vitals.Start that exports OTLP to a real
// OpenTelemetry Collector, over gRPC and over HTTP. An invalid name made
// every export fail, losing every metric; a 1 MiB name was exported whole.
// Now every metric arrives, and every pool name arrives valid and at most
// 256 bytes long.
func TestBadPoolNamesThroughCollector(t *testing.T) {
	mib := strings.Repeat("r", 1<<20)
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := startCollector(t)
			endpoint := col.httpEndpoint
			if proto == exporters.ProtocolGRPC {
				endpoint = col.endpoint
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
			// The tracker's own metrics: one connection open in pool control.
			c := sys.Connections().Pool("redis", "control").Open()
			defer c.Close()
			client := fakeStats{stats: &redis.PoolStats{TotalConns: 3, IdleConns: 1}}
			mp := goredis.WithMeterProvider(sys.MeterProvider())
			for _, name := range []string{"control", "orders\xff", mib} {
				reg, err := goredis.RegisterPoolStats(client, name, mp)
				if err != nil {
					t.Fatal(err)
				}
				defer reg.Unregister()
			}
			if err := sys.Shutdown(ctx); err != nil { // the final export
				t.Errorf("Shutdown: %v", err)
			}

			open := int64(-1)          // vitals.connection.count of pool control
			idle := map[string]int64{} // idle connections by pool name
			for _, req := range col.requests(t) {
				for _, rm := range req.GetResourceMetrics() {
					for _, sm := range rm.GetScopeMetrics() {
						for _, m := range sm.GetMetrics() {
							for _, dp := range m.GetSum().GetDataPoints() {
								attrs := otlpAttrs(t, m.GetName(), dp.GetAttributes())
								switch {
								case m.GetName() == semconv.ConnectionCount.Name && attrs[string(semconv.ConnectionPoolNameKey)] == "control":
									open = dp.GetAsInt()
								case m.GetName() == semconv.DBClientConnectionCount.Name &&
									attrs[string(semconv.DBClientConnectionStateKey)] == semconv.ConnectionStateIdle:
									idle[attrs[string(semconv.DBClientConnectionPoolNameKey)]] = dp.GetAsInt()
								}
							}
						}
					}
				}
			}
			if open != 1 {
				t.Errorf("%s of the control pool: %d, want 1 (-1: never received)", semconv.ConnectionCount.Name, open)
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

// otlpAttrs returns the string attributes of an OTLP point, failing t for
// a value that is not valid UTF-8 or longer than semconv.MaxValueLength.
func otlpAttrs(t *testing.T, metric string, kvs []*commonpb.KeyValue) map[string]string {
	t.Helper()
	attrs := map[string]string{}
	for _, kv := range kvs {
		v := kv.GetValue().GetStringValue()
		if !utf8.ValidString(v) || len(v) > semconv.MaxValueLength {
			t.Errorf("%s: attribute %s of %d bytes (valid UTF-8: %v)", metric, kv.GetKey(), len(v), utf8.ValidString(v))
		}
		attrs[kv.GetKey()] = v
	}
	return attrs
}
