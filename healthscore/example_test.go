package healthscore_test

import (
	"fmt"

	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/queue"
)

// Score the snapshots of a queue held above its threshold and a cache
// hitting below its target.
func ExampleScore() {
	in := healthscore.Input{
		Queues: []queue.QueueSnapshot{{
			Type: "http", Name: "request_queue", Capacity: 100, Depth: 95, Utilization: 0.95,
			WindowSeconds: 300, WindowOverflowShare: 0.8,
		}},
		Caches: []cache.CacheSnapshot{{
			Type: "application", Name: "users", WindowLookups: 1000, WindowHitRatio: 0.6, Efficiency: 0.55,
			SinceFirstLookupSeconds: 3600, // past its warm-up
		}},
	}
	r := healthscore.Score(in, healthscore.Policy{})
	fmt.Printf("%.1f %s\n", r.Score, r.Status)
	for _, c := range r.Components {
		for _, e := range c.Entities {
			for _, reason := range e.Reasons {
				fmt.Println(reason)
			}
		}
	}
	// Output:
	// 37.5 unhealthy
	// queue http/request_queue at 95% of capacity (threshold 80%)
	// queue http/request_queue above its overflow threshold for 4m0s of the last 5m0s
	// cache application/users hit ratio 60% over 1000 lookups (target 80%)
}
