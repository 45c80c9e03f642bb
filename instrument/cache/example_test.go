package cache_test

import (
	"fmt"
	"sync"
	"time"

	"github.com/otelvitals/vitals/instrument/cache"
)

// Record hits and misses with their durations.
func ExampleCache_Hit() {
	m, _ := cache.New()
	defer m.Close()
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
	defer m.Close()
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

// Wrap any cache with a Get(K) (V, bool) method.
func ExampleWrap() {
	m, _ := cache.New()
	defer m.Close()
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
	defer m.Close()
	config := m.Cache(cache.TypeConfiguration, "flags")

	v, ok := cache.Lookup(config, func() (string, bool) { return "on", true })
	fmt.Println(v, ok, m.Snapshot().Caches[0].Hits)
	// Output: on true 1
}
