package queue_test

import (
	"context"
	"fmt"
	"log"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Feed three queues, pushed, owned and probed, through the pipeline
// vitals.Start built: the monitor records into Start's provider and
// reports through its producer. (A reader takes the place of Start's
// exporters here, to print what they would export.)
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

	waiters := []string{"a", "b", "c"}
	jobs := make(chan string, 10)
	jobs <- "resize"
	jobs <- "classify"

	m, err := queue.New(queue.WithMeterProvider(sys.MeterProvider()), queue.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}

	// Pushed: the code that owns the queue reports its depth.
	q := m.Queue(queue.TypeDatabase, "waiters", 50)
	q.Sample(len(waiters))

	// Owned: items enter and leave; the depth is kept in atomics and each
	// item's wait is recorded.
	requests := m.Queue(queue.TypeHTTP, "requests", 100)
	t := requests.Enter()
	defer t.Leave()

	// Probed: the monitor asks, at each collection and, once started, at
	// every sample interval.
	m.Observe(queue.TypeMLInference, "jobs", queue.Chan(jobs))
	m.StartSampler(ctx)
	defer m.Shutdown(ctx)

	printExported(ctx, reader, semconv.QueueDepth.Name)
	// Output:
	// jobs ml_inference: 2
	// requests http: 1
	// waiters database: 3
}

// exampleClock is a clock the examples move by hand.
type exampleClock struct{ now time.Time }

func (c *exampleClock) Now() time.Time { return c.now }

// Push samples of a queue the code owns, and read its state back.
func ExampleQueue_Sample() {
	clk := &exampleClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m, _ := queue.New(queue.WithClock(clk.Now))
	defer m.Shutdown(context.Background())

	q := m.Queue(queue.TypeDatabase, "waiters", 10) // keep the handle
	for _, depth := range []int{2, 9, 3} {
		_ = q.Sample(depth)
		clk.now = clk.now.Add(time.Second)
	}
	s := m.Snapshot().Queues[0]
	fmt.Printf("depth %d/%d, window max %d, overflows %d, %.0fs in overflow\n",
		s.Depth, s.Capacity, s.MaxDepth, s.Overflows, s.OverflowSeconds)
	// Output: depth 3/10, window max 9, overflows 1, 1s in overflow
}

// Track items entering and leaving a queue, with their waits.
func ExampleQueue_Enter() {
	m, _ := queue.New()
	defer m.Shutdown(context.Background())
	q := m.Queue(queue.TypeMLInference, "requests", 100)

	t := q.Enter() // the item joins the queue
	fmt.Println("depth", q.Depth())
	t.Leave() // a worker takes it; its wait is recorded
	fmt.Println("depth", q.Depth())
	// Output:
	// depth 1
	// depth 0
}

// Watch a channel: the monitor reads its length and capacity.
func ExampleChan() {
	m, _ := queue.New()
	defer m.Shutdown(context.Background())
	jobs := make(chan string, 4)
	m.Observe(queue.TypeMLInference, "jobs", queue.Chan(jobs))
	jobs <- "a"
	jobs <- "b"
	if err := m.StartSampler(context.Background()); err != nil { // sample every interval in the background
		fmt.Println(err)
	}
	fmt.Println(queue.Chan(jobs)())
	// Output: 2 4
}

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported
