package goredis_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/goredis"
	"github.com/otelvitals/vitals/semconv"
)

// Track every connection a client dials, and report its pool statistics.
// (This example needs a Redis server on 127.0.0.1:6379, so it is not run.)
func ExampleInstrumentClient() {
	tr, err := conn.New() // the global MeterProvider
	if err != nil {
		panic(err)
	}
	defer tr.Close()

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
