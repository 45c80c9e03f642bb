package demo_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"github.com/redis/go-redis/v9"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/integrations/goredis"
	openfeaturehook "github.com/otelvitals/vitals/integrations/openfeature"
	"github.com/otelvitals/vitals/integrations/sqldb"
)

// startAdapters starts, in the test's process, a service of the adapters
// the demo does not use, which live in modules of their own or need a real
// database: database/sql over pgx to a real PostgreSQL (pool "orders"),
// go-redis to a real Redis (pool "sessions") with the fleet-wide user
// count, and OpenFeature flags, plus one feature named "", which vitals
// repairs and counts in vitals.input.rejections. It serves vitals' metrics
// on a Prometheus endpoint of its own and returns its address, host:port;
// everything stops when t ends.
func startAdapters(t *testing.T) string {
	t.Helper()
	pg := testbackend.StartPostgres(t)
	rd := testbackend.StartRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(testbackend.FreePort(t)))
	sys, err := vitals.Start(ctx,
		vitals.WithFeatureOptions(feature.WithUserHashKey([]byte("the fleet's shared user hash key"))),
		vitals.WithExporterOptions(
			exporters.WithExporters(exporters.Prometheus),
			exporters.WithPrometheusAddress(addr),
		))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	mp := sys.MeterProvider()

	// database/sql: two connections at most and one kept idle, so that a
	// third caller waits and a connection is closed as surplus idle.
	cfg, err := pgx.ParseConfig(pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	timed, err := sqldb.RecordCreateTime(stdlib.GetConnector(*cfg), "orders", sqldb.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(timed)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(1)
	reg, err := sqldb.RegisterStats(db, "orders", sqldb.WithMeterProvider(mp), sqldb.WithMaxIdleConns(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Unregister() })
	var held []*sql.Conn
	for range 2 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	waited := make(chan error, 1)
	go func() {
		c, err := db.Conn(ctx) // waits for one of the two
		if err == nil {
			err = c.Close()
		}
		waited <- err
	}()
	for db.Stats().WaitCount == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	for _, c := range held {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if s := db.Stats(); s.WaitCount != 1 || s.MaxIdleClosed == 0 {
		t.Fatalf("database/sql statistics %+v: want one wait and a surplus idle connection closed", s)
	}

	// go-redis: the pool's statistics, the dials' times, and the
	// fleet-wide count of a feature's users.
	rdb := redis.NewClient(&redis.Options{Addr: rd.Addr, PoolSize: 4, MinIdleConns: 1, MaxIdleConns: 2})
	t.Cleanup(func() { rdb.Close() })
	if err := goredis.RecordCreateTime(rdb, "sessions", goredis.WithMeterProvider(mp)); err != nil {
		t.Fatal(err)
	}
	rreg, err := goredis.RegisterPoolStats(rdb, "sessions", goredis.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rreg.Unregister() })
	fleet, err := goredis.NewFleetUsers(rdb, sys.Features(), goredis.WithFleetMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fleet.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	checkout := sys.Features().Feature(feature.TypeAPIEndpoint, "/checkout")
	for i := range 5 {
		checkout.Record(ctx, fmt.Sprint("user-", i), feature.PatternDirectCall, time.Millisecond, true)
	}
	if err := rdb.Set(ctx, "session:1", "alice", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := fleet.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// OpenFeature: a flag evaluated through the vitals hook.
	hook, err := openfeaturehook.New(sys.Features(), openfeaturehook.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	api := isolated.NewAPI()
	t.Cleanup(func() { api.Shutdown(context.Background()) })
	api.AddHooks(hook)
	provider := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"new-checkout": {Key: "new-checkout", State: memprovider.Enabled, DefaultVariant: "on",
			Variants: map[string]any{"on": true, "off": false}},
	})
	if err := api.SetProviderAndWait(ctx, provider); err != nil {
		t.Fatal(err)
	}
	flags := api.NewClient()
	for i := range 3 {
		if !flags.Boolean(ctx, "new-checkout", false, openfeature.NewEvaluationContext(fmt.Sprint("user-", i), nil)) {
			t.Fatal("new-checkout = false, want true")
		}
	}

	// A feature with no name: repaired to "unknown" and counted.
	sys.Features().Feature(feature.TypeAPIEndpoint, "").Record(ctx, "user-1", feature.PatternDirectCall, 0, true)
	return addr
}
