package goredis_test

import (
	"context"
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/integrations/goredis"
)

// Count each feature's users across every replica of a service: each
// replica starts vitals with the fleet's user hash key and counts in the
// same Redis. (This example needs a Redis server on 127.0.0.1:6379 and the
// key in VITALS_USER_HASH_KEY, so it is not run.)
func ExampleNewFleetUsers() {
	ctx := context.Background()
	key := []byte(os.Getenv("VITALS_USER_HASH_KEY")) // 16 to 1024 bytes, the same in every replica
	sys, err := vitals.Start(ctx, vitals.WithFeatureOptions(feature.WithUserHashKey(key)))
	if err != nil {
		panic(err)
	}
	defer sys.Shutdown(ctx)

	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	fleet, err := goredis.NewFleetUsers(rdb, sys.Features(), goredis.WithFleetMeterProvider(sys.MeterProvider()))
	if err != nil {
		panic(err)
	}
	defer fleet.Shutdown(ctx)

	checkout := sys.Features().Feature(feature.TypeAPIEndpoint, "/checkout")
	checkout.Record(ctx, "user-42", feature.PatternDirectCall, 0, true)

	if err := fleet.Flush(ctx); err != nil { // the background rounds do this every second
		panic(err)
	}
	n, _ := fleet.Users(checkout)
	fmt.Println("users of /checkout across the fleet:", n)
}
