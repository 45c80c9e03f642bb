package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/nethttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
)

const (
	cacheCapacity = 500 // entries; the user space is larger, so the cache misses
	queueCapacity = 64  // report jobs waiting for a worker
	workers       = 4
)

// service is the simulated application: a user lookup through a cache in
// front of a slow store on a pooled database connection, and report jobs
// handed to a bounded worker queue. It records what happens through
// vitals' trackers.
type service struct {
	sys       *vitals.System
	mu        sync.Mutex
	cache     map[string]string
	flagCache map[int]bool

	db      *dbPool
	reports *queue.Queue
	users   *cache.Cache
	flags   *cache.Cache // a small, hot configuration cache

	newSearch *feature.Feature

	jobs chan job
	wg   sync.WaitGroup
}

type job struct {
	ctx    context.Context // the request's, whose trace the wait carries
	ticket queue.Ticket
	done   chan struct{}
}

func newService(sys *vitals.System) *service {
	s := &service{
		sys:       sys,
		cache:     make(map[string]string, cacheCapacity),
		flagCache: make(map[int]bool),
		jobs:      make(chan job, queueCapacity),
		db:        newDBPool(sys.Connections().Pool("database", "users_db"), 8, 20*time.Second),
		reports:   sys.Queues().Queue(queue.TypeHTTP, "report_jobs", queueCapacity),
		users:     sys.Caches().Cache(cache.TypeApplication, "users"),
		flags:     sys.Caches().Cache(cache.TypeConfiguration, "flags"),

		newSearch: sys.Features().Feature(feature.TypeFeatureFlag, "new-search"),
	}
	for range workers {
		s.wg.Add(1)
		go s.work()
	}
	return s
}

// lookup returns the user with id, from the cache or else the slow store.
func (s *service) lookup(ctx context.Context, id string) string {
	op := s.users.StartContext(ctx)
	s.mu.Lock()
	v, ok := s.cache[id]
	s.mu.Unlock()
	if ok {
		op.Hit()
		op.End()
		return v
	}
	v = s.store(id)
	op.End() // a miss, timed with the trip to the store

	s.mu.Lock()
	if len(s.cache) >= cacheCapacity {
		for k := range s.cache { // evict one entry at random
			delete(s.cache, k)
			break
		}
		s.users.Evicted(1)
	}
	s.cache[id] = v
	n := len(s.cache)
	s.mu.Unlock()
	s.users.Set(1)
	s.users.SetSize(n)
	return v
}

// store is the slow backing store: 1–4 ms per read on a pooled database
// connection.
func (s *service) store(id string) string {
	s.db.query(func() { time.Sleep(time.Millisecond + rand.N(3*time.Millisecond)) })
	return "user-" + id
}

// enqueue hands a report job to the workers and waits for it; it reports
// false at once when the queue is full.
func (s *service) enqueue(ctx context.Context) bool {
	j := job{ctx: ctx, ticket: s.reports.Enter(), done: make(chan struct{})}
	select {
	case s.jobs <- j:
	default:
		j.ticket.Cancel() // turned away, never queued
		s.reports.Reject()
		return false
	}
	select {
	case <-j.done:
	case <-ctx.Done():
	}
	return true
}

func (s *service) work() {
	defer s.wg.Done()
	for j := range s.jobs {
		j.ticket.LeaveContext(j.ctx) // a worker took it: its wait ends, in the request's trace
		time.Sleep(5*time.Millisecond + rand.N(15*time.Millisecond))
		close(j.done)
	}
}

// close stops the workers and closes the database pool; the trackers are
// the System's, stopped by its Shutdown.
func (s *service) close() {
	close(s.jobs)
	s.wg.Wait()
	s.db.close()
}

// server is the running HTTP server of the service.
type server struct {
	addr string
	srv  *http.Server
	done chan error
}

// flagConfig looks the flag configuration up in a small cache that almost
// always hits: 16 keys, loaded once each, unlike the user cache.
func (s *service) flagConfig(ctx context.Context, id string) {
	n, _ := strconv.Atoi(id)
	key := n % 16
	op := s.flags.StartContext(ctx)
	s.mu.Lock()
	_, ok := s.flagCache[key]
	if !ok {
		s.flagCache[key] = true
	}
	s.mu.Unlock()
	if ok {
		op.Hit()
	} else {
		time.Sleep(2 * time.Millisecond) // loading the configuration
		s.flags.Set(1)
	}
	op.End()
}

// endpoint records each request to handle as a use of the API endpoint
// name, by the user of the X-User header, failing on a 5xx status.
func (s *service) endpoint(name string, handle func(http.ResponseWriter, *http.Request) int) http.Handler {
	f := s.sys.Features().Feature(feature.TypeAPIEndpoint, name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := handle(w, r)
		f.Record(r.Context(), r.Header.Get("X-User"), feature.PatternDirectCall, time.Since(start), code < 500)
	})
}

func (s *service) serve(addr string) (*server, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /api/users/{id}", s.endpoint("/api/users", func(w http.ResponseWriter, r *http.Request) int {
		id := r.PathValue("id")
		// A feature flag on for about a third of the users.
		variant := "off"
		if n, _ := strconv.Atoi(id); n%3 == 0 {
			variant = "on"
		}
		s.flagConfig(r.Context(), id)
		s.newSearch.RecordVariant(r.Context(), r.Header.Get("X-User"), feature.PatternDirectCall, variant, 0, true)
		fmt.Fprintln(w, s.lookup(r.Context(), id))
		return http.StatusOK
	}))
	mux.Handle("GET /api/report", s.endpoint("/api/report", func(w http.ResponseWriter, r *http.Request) int {
		if !s.enqueue(r.Context()) {
			http.Error(w, "report queue full", http.StatusServiceUnavailable)
			return http.StatusServiceUnavailable
		}
		fmt.Fprintln(w, "report done")
		return http.StatusOK
	}))
	mux.Handle("GET /healthz", s.sys.ReadinessHandler(healthscore.HandlerOptions{}))
	mux.Handle("GET /livez", s.sys.LivenessHandler())
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo: listening on %s: %w", addr, err)
	}
	sv := &server{
		addr: lis.Addr().String(),
		// otelhttp gives every request a span (a child of the caller's
		// traceparent, if any), whose trace vitals' durations carry.
		srv: &http.Server{Handler: otelhttp.NewHandler(mux, "demo", otelhttp.WithMeterProvider(noop.NewMeterProvider())),
			ReadHeaderTimeout: 5 * time.Second},
		done: make(chan error, 1),
	}
	nethttp.TrackServer(sv.srv, s.sys.Connections().Pool("http", "demo_server"))
	go func() { sv.done <- sv.srv.Serve(lis) }()
	return sv, nil
}

func (sv *server) shutdown(ctx context.Context) error {
	err := sv.srv.Shutdown(ctx)
	if serr := <-sv.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// generateLoad sends about rate requests per second to the service until
// ctx is done: user lookups with a skewed choice of user, so that some users
// are hot and hit the cache, and report jobs, in a burst every 15 seconds
// that overflows the queue.
func generateLoad(ctx context.Context, baseURL string, rate int) {
	if rate <= 0 {
		return
	}
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32},
	}
	defer client.CloseIdleConnections()
	zipf := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 4, 20000)
	var zmu sync.Mutex
	user := func() string {
		zmu.Lock()
		defer zmu.Unlock()
		return strconv.FormatUint(zipf.Uint64(), 10)
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	get := func(path string) {
		defer wg.Done()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+path, nil)
		if err != nil {
			return
		}
		req.Header.Set("X-User", "user-"+user())
		if resp, err := client.Do(req); err == nil {
			// Drain the body, or the connection cannot be reused.
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	burst := time.NewTicker(15 * time.Second)
	defer burst.Stop()
	inflight := make(chan struct{}, 256) // bounds concurrent requests
	for {
		select {
		case <-ctx.Done():
			return
		case <-burst.C:
			for range 2 * queueCapacity {
				wg.Add(1)
				go get("/api/report")
			}
		case <-tick.C:
			path := "/api/users/" + user()
			if rand.N(10) == 0 {
				path = "/api/report"
			}
			select {
			case inflight <- struct{}{}:
				wg.Add(1)
				go func() {
					defer func() { <-inflight }()
					get(path)
				}()
			default: // the service is saturated; drop this request
			}
		}
	}
}
