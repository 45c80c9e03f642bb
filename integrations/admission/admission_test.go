package admission_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/admission"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestTimeout checks that a request waiting longer than the timeout is
// turned away, with its wait counted.
func TestTimeout(t *testing.T) {
	m, err := queue.New()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	limiter := admission.New(m, "slow", admission.Config{Limit: 1, QueueLength: 5, Timeout: 20 * time.Millisecond})
	release := make(chan struct{})
	h := limiter.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))

	first := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		first <- rec.Code
	}()
	for depthOf(m, "slow_in_flight") != 1 { // the first request runs
		time.Sleep(time.Millisecond)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("queued request: %d %v, want 503 with Retry-After 1", rec.Code, rec.Header())
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first request: %d", code)
	}
	var waiting queue.Entry
	for _, q := range m.Snapshot().Queues {
		if q.Name == "slow" {
			waiting = q
		}
	}
	if waiting.Rejected != 1 || waiting.Depth != 0 {
		t.Fatalf("admission queue %+v, want one rejection and nothing waiting", waiting)
	}
}

// TestFIFO checks that waiting requests are admitted in arrival order.
func TestFIFO(t *testing.T) {
	m, _ := queue.New()
	defer m.Shutdown(context.Background())
	limiter := admission.New(m, "fifo", admission.Config{Limit: 1, QueueLength: 10})
	gate := make(chan struct{})
	var mu sync.Mutex
	var order []int
	h := limiter.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("i") == "0" {
			<-gate
		}
		mu.Lock()
		order = append(order, len(order))
		mu.Unlock()
		io.WriteString(w, r.URL.Query().Get("i"))
	}))
	results := make([]chan string, 6)
	for i := range results {
		results[i] = make(chan string, 1)
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/?i=%d", i), nil))
			results[i] <- rec.Body.String()
		}()
		// Wait until request i holds the slot or waits, so arrival order is i.
		for depthOf(m, "fifo_in_flight")+depthOf(m, "fifo") != int64(i+1) {
			time.Sleep(time.Millisecond)
		}
	}
	close(gate)
	var got []string
	for _, r := range results {
		got = append(got, <-r)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4 5]" {
		t.Fatalf("responses %v", got)
	}
}

// depthOf returns the depth of the queue named name.
func depthOf(m *queue.Monitor, name string) int64 {
	for _, q := range m.Snapshot().Queues {
		if q.Name == name {
			return q.Depth
		}
	}
	return -1
}

func ExampleNew() {
	m, _ := queue.New()
	defer m.Shutdown(context.Background())
	limiter := admission.New(m, "api", admission.Config{Limit: 4, QueueLength: 50, Timeout: time.Second})
	handler := limiter.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 hello
}
