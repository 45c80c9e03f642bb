package healthscore_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/queue"
)

// Score the snapshots of a queue held above its threshold and a cache
// hitting below its target.
func ExampleScore() {
	in := healthscore.Input{
		Queues: []queue.Entry{{
			Type: "http", Name: "request_queue", Capacity: 100, Depth: 95, Utilization: 0.95,
			WindowSeconds: 300, WindowOverflowShare: 0.8, Overflowing: true,
		}},
		Caches: []cache.Entry{{
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
	// 0.0 unhealthy
	// queue http/request_queue above its overflow threshold for 4m0s of the last 5m0s
	// queue http/request_queue at 95% of capacity (threshold 80%)
	// cache application/users hit ratio 60% over 1000 lookups (target 80%)
}

// A Judge holds a status until the scores have said another for the hold
// time: a queue full for ten seconds leaves the service healthy, one full
// for a minute does not.
func ExampleJudge() {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	j := healthscore.NewJudge(healthscore.Policy{}, healthscore.WithHold(30*time.Second), healthscore.WithClock(func() time.Time { return now }))
	at := func(u float64) healthscore.Input {
		return healthscore.Input{Queues: []queue.Entry{{Type: "http", Name: "requests", Capacity: 100, Utilization: u}}}
	}
	fmt.Println(j.Judge(at(0.1)).Status)
	for range 6 {
		now = now.Add(10 * time.Second)
		r := j.Judge(at(1))
		fmt.Printf("%.0f %s\n", r.Score, r.Status)
	}
	// Output:
	// healthy
	// 0 healthy
	// 0 healthy
	// 0 healthy
	// 0 unhealthy
	// 0 unhealthy
	// 0 unhealthy
}

// LivenessHandler answers 200 while its check passes, whatever the
// verdict: here the readiness handler answers 503 for a full queue.
func ExampleLivenessHandler() {
	full := healthscore.Score(healthscore.Input{Queues: []queue.Entry{{Type: "http", Name: "requests", Capacity: 10, Utilization: 1}}}, healthscore.Policy{})
	for _, h := range []http.Handler{
		healthscore.Handler(func() healthscore.Report { return full }, healthscore.HandlerOptions{}),
		healthscore.LivenessHandler(func() error { return nil }),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		fmt.Println(rec.Code)
	}
	// Output:
	// 503
	// 200
}
