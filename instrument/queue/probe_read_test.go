package queue

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

// TestProbeSampledOncePerRead checks that a probed queue is sampled once
// per read of the monitor, not once per consumer: collections, Snapshot
// calls and health checks within a read's life share its one sample, and
// the next sample comes with the next fresh read, once the staleness has
// passed.
func TestProbeSampledOncePerRead(t *testing.T) {
	for _, fast := range []bool{true, false} {
		f := newFixture(t, fast)
		jobs := make(chan int, 10)
		jobs <- 1
		jobs <- 2
		f.m.Observe(TypeMLInference, "jobs", Chan(jobs))
		for range 3 {
			f.collect()
			_ = f.m.Snapshot()
		}
		if s := f.m.Snapshot().Queues[0]; s.Samples != 1 || s.Depth != 2 {
			t.Fatalf("fast=%v: %d samples (depth %d) after three collections and snapshots in one read, want 1 (2)", fast, s.Samples, s.Depth)
		}
		if fast {
			p, ok := find(f.collect(), semconv.QueueSampledDepth.Name)
			if h, isHist := p.(metricdata.HistogramDataPoint[float64]); !ok || !isHist || h.Count != 1 {
				t.Fatalf("depth histogram %v, want one sample", p)
			}
		}
		f.clock.Advance(2 * time.Second)
		jobs <- 3
		if s := f.m.Snapshot().Queues[0]; s.Samples != 2 || s.Depth != 3 {
			t.Errorf("fast=%v: after the staleness, %d samples (depth %d), want 2 (3)", fast, s.Samples, s.Depth)
		}
	}
}

// TestStuckProbeDoesNotStopReads observes two queues, one of whose probes
// blocks until released: a read waits for the round at most probeWait and
// returns with the other queue sampled; later reads do not wait again
// while the round is stuck, and keep the last samples; the stuck probe is
// reported once; once it returns, reads sample afresh.
func TestStuckProbeDoesNotStopReads(t *testing.T) {
	var mu sync.Mutex
	var handled []string
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, err.Error())
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	f := newFixture(t, true)
	f.m.probeWait = 20 * time.Millisecond
	jobs := make(chan int, 10)
	jobs <- 1
	f.m.Observe(TypeMLInference, "jobs", Chan(jobs))
	release := make(chan struct{})
	var calls atomic.Int64
	f.m.Observe(TypeHTTP, "stuck", func() (int, int) {
		if calls.Add(1) == 1 {
			<-release
		}
		return 3, 8
	})
	depths := func() map[string]int64 {
		out := map[string]int64{}
		for _, q := range f.m.Snapshot().Queues {
			out[q.Name] = q.Depth
		}
		return out
	}
	if d := depths(); d["jobs"] != 1 || d["stuck"] != 0 {
		t.Fatalf("first read: depths %v, want jobs 1 and stuck not yet sampled", d)
	}
	jobs <- 2
	f.clock.Advance(2 * time.Second) // past the staleness: a fresh read
	start := time.Now()
	if d := depths(); d["jobs"] != 1 {
		t.Errorf("a read during the stuck round: depths %v, want jobs' last sample 1", d)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("a read during the stuck round took %v: it waited for the round", took)
	}
	close(release)
	for deadline := time.Now().Add(10 * time.Second); f.m.probing.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the stuck round never ended")
		}
	}
	f.clock.Advance(2 * time.Second)
	if d := depths(); d["jobs"] != 2 || d["stuck"] != 3 {
		t.Errorf("after the probe returned: depths %v, want jobs 2 and stuck 3", d)
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, h := range handled {
		if strings.Contains(h, "a probe has not returned in 20ms") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the stuck probe was reported %d times, want once: %q", n, handled)
	}
}
