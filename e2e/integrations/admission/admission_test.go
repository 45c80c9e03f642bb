package admission_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/admission"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestLoadThroughPrometheus runs 200 concurrent clients against a handler
// limited to 4 at once with a queue of 50, on loopback, and checks what a
// real Prometheus server scraping vitals' exporter answers: depth above 40,
// overflows, a 503 count equal to what the clients saw, and a wait count
// equal to the requests that queued.
func TestLoadThroughPrometheus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.Prometheus),
		exporters.WithPrometheusAddress("127.0.0.1:0"),
	))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	prom := testbackend.StartPrometheus(t, sys.Readers()[0].(*exporters.PrometheusReader).Addr().String())

	m, err := queue.New(queue.WithMeterProvider(sys.MeterProvider()),
		queue.WithSampleInterval(5*time.Millisecond), queue.WithWindow(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.StartSampler(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())

	limiter := admission.New(m, "api", admission.Config{Limit: 4, QueueLength: 50, RetryAfter: 2 * time.Second})
	var running, peak, queued atomic.Int64
	srv := httptest.NewServer(limiter.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, waited := admission.Wait(r.Context()); waited {
			queued.Add(1)
		}
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		io.WriteString(w, "ok")
	})))
	defer srv.Close()

	const clients, each = 200, 10
	var ok, busy, other atomic.Int64
	transport := &http.Transport{MaxIdleConnsPerHost: clients, DialContext: (&net.Dialer{}).DialContext}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				resp, err := client.Get(srv.URL)
				if err != nil {
					other.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusServiceUnavailable:
					if resp.Header.Get("Retry-After") != "2" {
						t.Errorf("Retry-After %q, want 2", resp.Header.Get("Retry-After"))
					}
					busy.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("clients saw %d ok (%d of them queued), %d busy, %d other; at most %d ran at once", ok.Load(), queued.Load(), busy.Load(), other.Load(), peak.Load())
	if other.Load() != 0 || busy.Load() == 0 || ok.Load()+busy.Load() != clients*each {
		t.Fatalf("unexpected outcomes: %d ok, %d busy, %d other", ok.Load(), busy.Load(), other.Load())
	}
	if peak.Load() > 4 {
		t.Fatalf("%d requests ran at once with a limit of 4", peak.Load())
	}

	checks := []struct {
		query string
		ok    func(float64) bool
		want  string
	}{
		{`vitals_queue_max_depth{vitals_queue_name="api"}`, func(v float64) bool { return v > 40 }, "> 40"},
		{`vitals_queue_overflows_total{vitals_queue_name="api"}`, func(v float64) bool { return v >= 1 }, ">= 1"},
		{`vitals_queue_rejections_total{vitals_queue_name="api"}`, func(v float64) bool { return v == float64(busy.Load()) }, fmt.Sprint(busy.Load())},
		{`vitals_queue_wait_duration_seconds_count{vitals_queue_name="api"}`, func(v float64) bool { return v == float64(queued.Load()) }, fmt.Sprint(queued.Load())},
		{`vitals_queue_max_depth{vitals_queue_name="api_in_flight"}`, func(v float64) bool { return v == 4 }, "4, the limit"},
	}
	for _, c := range checks {
		res, err := prom.WaitFor(ctx, c.query, func(s []testbackend.Sample) bool { return len(s) == 1 && c.ok(s[0].Value) })
		if err != nil {
			t.Errorf("%s: want %s: %v", c.query, c.want, err)
			continue
		}
		t.Logf("%s = %v", c.query, res[0].Value)
	}
	// The running requests have no capacity: at the limit, the limiter is
	// at work, not a queue to judge full.
	if res, err := prom.Query(ctx, `vitals_queue_capacity{vitals_queue_name="api_in_flight"}`); err != nil || len(res) != 0 {
		t.Errorf("the in-flight queue has a capacity: %+v, %v", res, err)
	}
}
