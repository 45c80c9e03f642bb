package conn_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Track a pool's connections through the pipeline vitals.Start built: the
// tracker records into Start's provider and reports through its producer.
// (A reader takes the place of Start's exporters here, to print what they
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
	pool := tr.Pool("database", "primary")
	c := pool.Open() // created
	c.Use()          // reused, once per use
	c.Close()        // destroyed; its lifetime is recorded

	printExported(ctx, reader, semconv.ConnectionEvents.Name)
	printExported(ctx, reader, semconv.ConnectionDuration.Name)
	// Output:
	// created primary database: 1
	// destroyed primary database: 1
	// expired primary database: 0
	// reused primary database: 1
	// primary database: 1
}

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported

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
