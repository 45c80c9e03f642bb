package cache_test

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Record lookups of a cache through the pipeline vitals.Start built: the
// monitor records into Start's provider and reports through its producer.
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

	store := map[string]string{"alice": "s-1"}
	key := "bob"
	load := func(k string) string { return "s-" + k }
	lru := &registry{m: map[string]int{"resnet": 1}}
	id := "bert"
	loadModel := func(string) (int, error) { return 2, nil }

	m, err := cache.New(cache.WithMeterProvider(sys.MeterProvider()), cache.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown(ctx)
	users := m.Cache(cache.TypeApplication, "users") // once; keep the handle

	users.Hit(200 * time.Microsecond) // a hit that took 200µs
	users.Miss(3 * time.Millisecond)  // a miss that took 3ms, its fill included
	users.CountHit()                  // a hit not worth timing: the cheapest record

	op := users.Start() // times the lookup: the Go form of a context manager
	v, ok := store[key]
	if ok {
		op.Hit()
	} else {
		v = load(key) // the fill, timed with the miss
		store[key] = v
	}
	op.End() // a miss unless marked a hit

	models := m.Cache(cache.TypeMLModel, "models")
	if n, ok := cache.Lookup(models, func() (int, bool) { return lru.Get("resnet") }); ok {
		fmt.Println("found", n)
	}
	wrapped := cache.Wrap[string, int](lru, models) // any Get(K) (V, bool)
	n, err := wrapped.GetOrFill(id, loadModel)      // times the fill too
	fmt.Println("filled", n, err)

	printExported(ctx, reader, semconv.CacheOperations.Name)
	// Output:
	// found 1
	// filled 2 <nil>
	// models hit ml_model: 1
	// models miss ml_model: 1
	// users hit application: 2
	// users miss application: 2
}

// Record hits and misses with their durations.
func ExampleCache_Hit() {
	m, _ := cache.New()
	defer m.Shutdown(context.Background())
	users := m.Cache(cache.TypeApplication, "users") // keep the handle

	users.Hit(200 * time.Microsecond)
	users.Hit(300 * time.Microsecond)
	users.Hit(100 * time.Microsecond)
	users.Miss(4 * time.Millisecond)

	s := m.Snapshot().Caches[0]
	fmt.Printf("hit ratio %.2f, efficiency %.2f\n", s.WindowHitRatio, s.Efficiency)
	// Output: hit ratio 0.75, efficiency 0.71
}

// Time a lookup with an operation scope: a miss unless marked a hit.
func ExampleCache_Start() {
	m, _ := cache.New()
	defer m.Shutdown(context.Background())
	sessions := m.Cache(cache.TypeSession, "sessions")
	store := map[string]string{"alice": "s-1"}

	for _, user := range []string{"alice", "bob"} {
		op := sessions.Start()
		if _, ok := store[user]; ok {
			op.Hit()
		}
		op.End()
	}
	s := m.Snapshot().Caches[0]
	fmt.Println(s.Hits, s.Misses)
	// Output: 1 1
}

// registry is a cache of your own with a Get(K) (V, bool) method.
type registry struct {
	mu sync.Mutex
	m  map[string]int
}

func (r *registry) Get(k string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[k]
	return v, ok
}

func (r *registry) Set(k string, v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[k] = v
}

// Wrap any cache with a Get(K) (V, bool) method.
func ExampleWrap() {
	m, _ := cache.New()
	defer m.Shutdown(context.Background())
	models := m.Cache(cache.TypeMLModel, "models")

	wrapped := cache.Wrap[string, int](&registry{m: map[string]int{"resnet": 1}}, models)
	wrapped.Get("resnet")
	wrapped.Get("bert")
	s := m.Snapshot().Caches[0]
	fmt.Println(s.Hits, s.Misses)
	// Output: 1 1
}

// Decorate a lookup function.
func ExampleLookup() {
	m, _ := cache.New()
	defer m.Shutdown(context.Background())
	config := m.Cache(cache.TypeConfiguration, "flags")

	v, ok := cache.Lookup(config, func() (string, bool) { return "on", true })
	fmt.Println(v, ok, m.Snapshot().Caches[0].Hits)
	// Output: on true 1
}

// getterFunc makes a function a cache.Getter.
type getterFunc func(string) (int, bool)

func (f getterFunc) Get(k string) (int, bool) { return f(k) }

// Time a miss with its fill, so that the efficiency weighs hits against
// what a miss really costs. The clock here is moved by hand so that the
// output is fixed; leave WithClock out in real code.
func ExampleInstrumented_GetOrFill() {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m, _ := cache.New(cache.WithClock(func() time.Time { return at }))
	defer m.Shutdown(context.Background())
	models := m.Cache(cache.TypeMLModel, "models")

	store := &registry{m: map[string]int{"resnet": 1}}
	wrapped := cache.Wrap[string, int](getterFunc(func(name string) (int, bool) {
		at = at.Add(10 * time.Millisecond) // each Get takes 10 ms
		return store.Get(name)
	}), models)
	load := func(name string) (int, error) {
		at = at.Add(40 * time.Millisecond) // loading the model takes 40 ms
		store.Set(name, 2)                 // GetOrFill stores nothing itself
		return 2, nil
	}
	for _, name := range []string{"resnet", "bert", "bert", "resnet"} {
		v, err := wrapped.GetOrFill(name, load)
		fmt.Println(name, v, err)
	}

	// The miss took the Get's 10 ms and the load's 40 ms, so the
	// efficiency is 0.75 × (1 - 10ms/50ms).
	s := m.Snapshot().Caches[0]
	fmt.Printf("%d hits, %d misses, latency measured %v, efficiency %.3f\n", s.Hits, s.Misses, s.LatencyMeasured, s.Efficiency)
	// Output:
	// resnet 1 <nil>
	// bert 2 <nil>
	// bert 2 <nil>
	// resnet 1 <nil>
	// 3 hits, 1 misses, latency measured true, efficiency 0.600
}

// Decorate a lookup function and the fill that follows a miss. Wrap's Get
// and Lookup time the lookup alone, so their misses stay out of the
// efficiency's latency term; LookupOrFill times the fill too.
func ExampleLookupOrFill() {
	m, _ := cache.New()
	defer m.Shutdown(context.Background())
	flags := m.Cache(cache.TypeConfiguration, "flags")
	store := map[string]string{"dark-mode": "on"}

	for _, flag := range []string{"dark-mode", "beta"} {
		v, err := cache.LookupOrFill(flags,
			func() (string, bool) { v, ok := store[flag]; return v, ok },
			func() (string, error) {
				store[flag] = "off" // the default, loaded and stored once
				return "off", nil
			})
		fmt.Println(flag, v, err)
	}
	_, err := cache.LookupOrFill(flags, nil, func() (string, error) { return "", nil })
	fmt.Println(err)

	s := m.Snapshot().Caches[0]
	fmt.Println(s.Hits, s.Misses)
	// Output:
	// dark-mode on <nil>
	// beta off <nil>
	// cache: nil function
	// 1 1
}

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported
