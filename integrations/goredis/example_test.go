package goredis_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/goredis"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Track a client's connections and report its pool statistics through the
// pipeline vitals.Start built: the tracker records into Start's provider
// and reports through its producer, and the statistics go to Start's
// provider. No command runs, so no connection is dialed and no Redis
// server is needed: the pool is empty, and its maximum is PoolSize. (A
// reader takes the place of Start's exporters here, to print what they
// would export.)
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

	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Shutdown(ctx)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", PoolSize: 8})
	defer rdb.Close()
	goredis.InstrumentClient(rdb, tr.Pool("redis", "cache"))
	reg, err := goredis.RegisterPoolStats(rdb, "cache", goredis.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Unregister()
	_ = goredis.RecordCreateTime(rdb, "cache", goredis.WithMeterProvider(sys.MeterProvider()))

	printExported(ctx, reader, semconv.DBClientConnectionCount.Name)
	printExported(ctx, reader, semconv.DBClientConnectionMax.Name)
	// Output:
	// cache idle: 0
	// cache used: 0
	// cache: 8
}

// Use Redis as a cache of users, loaded from the database on a miss, and
// watch how well it hits, through the pipeline vitals.Start built. (This
// example needs a Redis server on 127.0.0.1:6379, so it is not run.)
func Example_cache() {
	ctx := context.Background()
	sys, err := vitals.Start(ctx) // exporters from OTEL_METRICS_EXPORTER & co.
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	load := func(id int) string { return fmt.Sprintf(`{"id":%d}`, id) } // the database

	m, err := cache.New(cache.WithMeterProvider(sys.MeterProvider()), cache.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown(ctx)
	users := m.Cache(cache.TypeApplication, "users") // once; keep the handle

	v, err := goredis.Get(ctx, rdb, users, "user:42")
	if errors.Is(err, redis.Nil) { // a miss, as without goredis
		v = load(42)
		rdb.Set(ctx, "user:42", v, time.Hour)
	}
	fmt.Println(v)

	raw, err := goredis.Lookup(users, func() *redis.StringCmd {
		return rdb.HGet(ctx, "user:42", "profile")
	}).Bytes()
	fmt.Println(len(raw), err)
}

// Track every connection a client dials, and report its pool statistics.
// (This example needs a Redis server on 127.0.0.1:6379, so it is not run.)
func ExampleInstrumentClient() {
	tr, err := conn.New() // the global MeterProvider
	if err != nil {
		panic(err)
	}
	defer tr.Shutdown(context.Background())

	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	goredis.InstrumentClient(rdb, tr.Pool("redis", "cache"))
	reg, err := goredis.RegisterPoolStats(rdb, "cache")
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()
	defer rdb.Close()

	ctx := context.Background()
	_ = rdb.Set(ctx, "greeting", "hello", 0).Err() // dials: created, reused
	_ = rdb.Get(ctx, "greeting").Err()             // the same connection: reused

	p := tr.Snapshot().Pools[0]
	fmt.Printf("open %d, created %d, reused %d\n", p.Open, p.Created, p.Reused)
}

// Report a client's pool statistics through a MeterProvider. No connection
// is dialed before the first command, so the pool is empty; its maximum is
// the client's PoolSize.
func ExampleRegisterPoolStats() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", PoolSize: 8})
	defer rdb.Close()
	reg, err := goredis.RegisterPoolStats(rdb, "cache", goredis.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch m.Name {
		case semconv.DBClientConnectionCount.Name, semconv.DBClientConnectionMax.Name:
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				name := m.Name
				if state, ok := dp.Attributes.Value(semconv.DBClientConnectionStateKey); ok {
					name += "{" + state.AsString() + "}"
				}
				lines = append(lines, fmt.Sprintf("%s = %d", name, dp.Value))
			}
		}
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// db.client.connection.count{idle} = 0
	// db.client.connection.count{used} = 0
	// db.client.connection.max = 8
}

// Use Redis as a cache of users, loaded from the database on a miss, and
// watch how well it hits. (This example needs a Redis server on
// 127.0.0.1:6379, so it is not run.)
func ExampleGet() {
	m, err := cache.New() // the global MeterProvider
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(context.Background())
	users := m.Cache(cache.TypeApplication, "users") // once; keep the handle

	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	ctx := context.Background()
	loadUser := func(id int) string { return fmt.Sprintf(`{"id":%d}`, id) } // the database

	for _, id := range []int{42, 42, 7} {
		key := fmt.Sprintf("user:%d", id)
		v, err := goredis.Get(ctx, rdb, users, key)
		switch {
		case errors.Is(err, redis.Nil): // a miss: load, then fill the cache
			v = loadUser(id)
			if err := rdb.Set(ctx, key, v, time.Hour).Err(); err == nil {
				users.Set(1)
			}
		case err != nil: // Redis failed: neither a hit nor a miss
			fmt.Println("redis:", err)
			continue
		}
		fmt.Println(key, v)
	}

	s := m.Snapshot().Caches[0]
	fmt.Printf("hits %d, misses %d, hit ratio %.2f\n", s.Hits, s.Misses, s.WindowHitRatio)
}

// Record lookups made with other commands that answer a missing entry with
// redis.Nil: HGET read as bytes, and GETEX, which renews the entry's time
// to live on a hit. (This example needs a Redis server on 127.0.0.1:6379,
// so it is not run.)
func ExampleLookup() {
	m, err := cache.New()
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(context.Background())
	sessions := m.Cache(cache.TypeSession, "sessions")

	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	ctx := context.Background()

	profile, err := goredis.Lookup(sessions, func() *redis.StringCmd {
		return rdb.HGet(ctx, "session:abc", "profile")
	}).Bytes()
	fmt.Println(len(profile), err)

	token, err := goredis.Lookup(sessions, func() *redis.StringCmd {
		return rdb.GetEx(ctx, "token:abc", 30*time.Minute)
	}).Result()
	fmt.Println(token, err)
}

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported
