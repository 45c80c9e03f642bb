package conn_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/instrument/conn"
)

// exampleClock is a clock the examples move by hand.
type exampleClock struct{ now time.Time }

func (c *exampleClock) Now() time.Time { return c.now }

// Track connections with handles: open, use, close.
func ExampleTracker_Pool() {
	clk := &exampleClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	tr, _ := conn.New(conn.WithMeterProvider(mp), conn.WithClock(clk.Now))
	defer tr.Shutdown(context.Background())

	pool := tr.Pool("database", "primary") // keep the handle
	a := pool.Open()
	clk.now = clk.now.Add(90 * time.Second)
	b := pool.Open()
	a.Use()
	b.Use()
	a.Close()

	p := tr.Snapshot().Pools[0]
	fmt.Printf("open %d, created %d, reused %d, destroyed %d\n", p.Open, p.Created, p.Reused, p.Destroyed)
	fmt.Printf("oldest %.0fs, health %.1f\n", p.OldestSeconds, p.Health)
	// Output:
	// open 1, created 2, reused 2, destroyed 1
	// oldest 0s, health 1.0
}

// Use the keyed API with the IDs your code already has.
func ExampleTracker_Created() {
	tr, _ := conn.New()
	defer tr.Shutdown(context.Background())

	_ = tr.Created("conn_123", "database", "main_pool")
	_ = tr.Used("conn_123")
	_ = tr.Destroyed("conn_123")
	err := tr.Destroyed("conn_123")
	fmt.Println(errors.Is(err, conn.ErrUnknownConnection))
	// Output: true
}

// Run work inside a connection's life, the Go form of a context manager.
func ExamplePool_Track() {
	tr, _ := conn.New()
	defer tr.Shutdown(context.Background())
	pool := tr.Pool("grpc", "inventory")

	err := pool.Track(func(c *conn.Conn) error {
		c.Use()
		return nil // the connection is closed when this returns
	})
	p := tr.Snapshot().Pools[0]
	fmt.Println(err, p.Created, p.Destroyed)
	// Output: <nil> 1 1
}

// Give a pool that hands its connections out unseen its own stats: the
// snapshot then knows its maximum and what is in use against it.
func ExamplePool_SetStats() {
	tr, _ := conn.New()
	defer tr.Shutdown(context.Background())
	pool := tr.Pool("database", "primary")
	pool.SetStats(func() conn.Stats {
		return conn.Stats{MaxOpen: 10, InUse: 4} // db.Stats(), say
	})
	tr.Pool("http", "api").Open() // a server's connections: no maximum

	s := tr.Snapshot()
	for _, p := range s.Pools {
		fmt.Printf("%s: in use %d (known %v) of %d\n", p.Name, p.InUse, p.InUseKnown, p.MaxOpen)
	}
	// Output:
	// primary: in use 4 (known true) of 10
	// api: in use 0 (known false) of 0
}
