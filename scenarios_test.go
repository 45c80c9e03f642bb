package vitals_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/admission"
	"github.com/otelvitals/vitals/integrations/nethttp"
	"github.com/otelvitals/vitals/integrations/sqldb"
)

// The health scenarios: scripted runs of situations a service meets,
// through the real trackers (and net/http and database/sql where they
// apply) on one injected clock, each asserting the verdict a person
// running the service would call right and the reason given for it. The
// expected verdicts were written before the rules.

// world is one scripted service: the four trackers on a clock moved by
// hand, and a Judge reading their snapshots.
type world struct {
	t        *testing.T
	nanos    atomic.Int64
	conns    *conn.Tracker
	queues   *queue.Monitor
	caches   *cache.Monitor
	features *feature.Analytics
	judge    *healthscore.Judge
}

// start is when every scenario begins.
var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, hold time.Duration, p healthscore.Policy) *world {
	t.Helper()
	w := &world{t: t}
	w.nanos.Store(start.UnixNano())
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	var err error
	must := func(e error) {
		if e != nil {
			err = errors.Join(err, e)
		}
	}
	w.conns, err = conn.New(conn.WithMeterProvider(mp), conn.WithClock(w.now), conn.WithRetention(10*time.Minute))
	q, e := queue.New(queue.WithMeterProvider(mp), queue.WithClock(w.now))
	must(e)
	c, e := cache.New(cache.WithMeterProvider(mp), cache.WithClock(w.now))
	must(e)
	f, e := feature.New(feature.WithMeterProvider(mp), feature.WithClock(w.now), feature.WithWindow(time.Hour))
	must(e)
	if err != nil {
		t.Fatal(err)
	}
	w.queues, w.caches, w.features = q, c, f
	t.Cleanup(func() {
		_ = w.conns.Shutdown(context.Background())
		_ = w.queues.Shutdown(context.Background())
		_ = w.caches.Shutdown(context.Background())
		_ = w.features.Shutdown(context.Background())
	})
	w.judge = healthscore.NewJudge(p, healthscore.WithHold(hold), healthscore.WithClock(w.now))
	return w
}

func (w *world) now() time.Time          { return time.Unix(0, w.nanos.Load()).UTC() }
func (w *world) advance(d time.Duration) { w.nanos.Add(int64(d)) }

// report judges the trackers' snapshots now.
func (w *world) report() healthscore.Report {
	return w.judge.Judge(healthscore.Input{
		Connections: w.conns.Snapshot().Pools,
		Queues:      w.queues.Snapshot().Queues,
		Caches:      w.caches.Snapshot().Caches,
		Features:    w.features.Snapshot().Features,
	})
}

// every runs step n times, moving the clock by d after each.
func (w *world) every(d time.Duration, n int, step func(i int)) {
	for i := range n {
		step(i)
		w.advance(d)
	}
}

// reasons lists every reason of a report.
func reasons(r healthscore.Report) []string {
	var out []string
	for _, c := range r.Components {
		for _, e := range c.Entities {
			out = append(out, e.Reasons...)
		}
	}
	return out
}

// expect checks the status of r and that each of want is part of one of
// its reasons; with no want, that it has no reason at all.
func expect(t *testing.T, r healthscore.Report, status healthscore.Status, want ...string) {
	t.Helper()
	got := reasons(r)
	if r.Status != status {
		t.Errorf("status %s (score %.1f), want %s; reasons %q", r.Status, r.Score, status, got)
	}
	if len(want) == 0 && len(got) > 0 {
		t.Errorf("reasons %q, want none", got)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no reason contains %q; reasons %q", w, got)
		}
	}
}

// serve runs a real net/http server on the loopback whose connections are
// tracked in pool, with /healthz answered by the world's judge and / by
// handler.
func serve(t *testing.T, w *world, pool *conn.Pool, handler http.Handler) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/healthz", healthscore.Handler(w.report, healthscore.HandlerOptions{}))
	mux.Handle("/", handler)
	srv := &http.Server{Handler: mux}
	nethttp.TrackServer(srv, pool)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + lis.Addr().String()
}

func TestScenarioJustStarted(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{})
	w.conns.Pool("database", "primary")
	w.queues.Queue(queue.TypeHTTP, "requests", 100)
	w.caches.Cache(cache.TypeApplication, "users")
	w.features.Feature("endpoint", "checkout")
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioIdleServer is the tracked net/http server with its health
// endpoint and no other traffic: the probe's own connection is the only
// one open, and in use while it is served.
func TestScenarioIdleServer(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{})
	url := serve(t, w, w.conns.Pool("http", "api"), http.NotFoundHandler())
	for range 3 {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"healthy"`) {
			t.Fatalf("probe: %d %s", resp.StatusCode, body)
		}
		w.advance(10 * time.Second)
	}
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioBusyKeepAliveServer holds 100 keep-alive connections busy in
// requests at once, on a server without a maximum.
func TestScenarioBusyKeepAliveServer(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{})
	const clients = 100
	release := holdRequests(t, clients, func(h http.Handler) string { return serve(t, w, w.conns.Pool("http", "api"), h) })
	w.advance(time.Minute)
	if s := w.conns.Snapshot().Pools[0]; s.InUse < clients {
		t.Fatalf("%d connections in use, want at least %d", s.InUse, clients)
	}
	expect(t, w.report(), healthscore.Healthy)
	release()
}

// holdRequests serves, through serve, a handler that holds every request
// until released, and sends it n requests at once, each on a connection of
// its own. It returns once all n are inside the handler; the function it
// returns lets them finish and waits for their clients.
func holdRequests(t *testing.T, n int, serve func(http.Handler) string) (release func()) {
	t.Helper()
	hold := make(chan struct{})
	var inside, done sync.WaitGroup
	inside.Add(n)
	url := serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		inside.Done()
		<-hold
		io.WriteString(rw, "ok")
	}))
	for range n {
		done.Add(1)
		go func() {
			defer done.Done()
			resp, err := (&http.Client{Transport: &http.Transport{}}).Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	inside.Wait()
	return func() {
		close(hold)
		done.Wait()
	}
}

// TestScenarioAdmissionAtItsLimit serves as many long requests at once as
// an admission limiter has slots: every slot is taken, none waits, nothing
// is turned away. The limiter is at work, not backed up: healthy.
func TestScenarioAdmissionAtItsLimit(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{})
	const slots = 4
	limit := admission.New(w.queues, "api", admission.Config{Limit: slots, QueueLength: 50, Timeout: time.Second})
	release := holdRequests(t, slots, func(h http.Handler) string { return serve(t, w, w.conns.Pool("http", "api"), limit.Handler(h)) })
	w.advance(time.Minute)
	for _, q := range w.queues.Snapshot().Queues {
		if q.Name == "api_in_flight" && q.Depth != slots {
			t.Fatalf("%d requests running, want %d", q.Depth, slots)
		}
	}
	expect(t, w.report(), healthscore.Healthy)
	release()
}

// stallDriver is a database/sql driver whose connections do nothing:
// enough for database/sql to pool, hand out and take back connections.
type stallDriver struct{}

func (stallDriver) Open(string) (driver.Conn, error)               { return stallConn{}, nil }
func (d stallDriver) Connect(context.Context) (driver.Conn, error) { return stallConn{}, nil }
func (d stallDriver) Driver() driver.Driver                        { return d }

type stallConn struct{}

func (stallConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no statements") }
func (stallConn) Close() error                        { return nil }
func (stallConn) Begin() (driver.Tx, error)           { return nil, errors.New("no transactions") }

// TestScenarioDatabasePoolAtMaxWithWaits fills a database/sql pool of four
// connections and keeps four more callers waiting for one.
func TestScenarioDatabasePoolAtMaxWithWaits(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	db := sqldb.OpenDB(stallDriver{}, w.conns.Pool("database", "primary"))
	defer db.Close()
	db.SetMaxOpenConns(4)
	ctx := context.Background()
	var held []*sql.Conn
	for range 4 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	got := make(chan *sql.Conn, 8)
	for range 8 {
		go func() {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Error(err)
			}
			got <- c
		}()
	}
	for db.Stats().WaitCount < 8 {
		time.Sleep(time.Millisecond) // database/sql counts a wait when it begins: let all eight queue
	}
	time.Sleep(50 * time.Millisecond) // real waiting, measured by database/sql
	for _, c := range held {
		c.Close() // four waiters get a connection and keep it: four still wait
	}
	for range 4 {
		held = append(held, <-got)
	}
	w.advance(100 * time.Millisecond) // the window the pool has lived: less than the callers waited
	expect(t, w.report(), healthscore.Unhealthy, "callers on average waiting for a connection", "4 of its maximum of 4 connections in use")
	for _, c := range held[4:] {
		c.Close()
	}
	for range 4 {
		(<-got).Close()
	}
}

// TestScenarioDatabasePoolBusyNoWaits keeps three of four connections in
// use and no caller waiting.
func TestScenarioDatabasePoolBusyNoWaits(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	db := sqldb.OpenDB(stallDriver{}, w.conns.Pool("database", "primary"))
	defer db.Close()
	db.SetMaxOpenConns(4)
	for range 3 {
		c, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	w.advance(time.Minute)
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioLeakingPool opens connections by ID and closes only half of
// them; the rest expire after the retention, unclosed.
func TestScenarioLeakingPool(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	w.every(time.Second, 20, func(i int) {
		id := fmt.Sprint("c", i)
		_ = w.conns.Created(id, "database", "orders")
		if i%2 == 0 {
			_ = w.conns.Destroyed(id)
		}
	})
	w.advance(11 * time.Minute) // past the ten-minute retention
	expect(t, w.report(), healthscore.Unhealthy, "pool database/orders: 10 of ", "expired unclosed (leaked)")
}

// TestScenarioPoolRotatingUnderMaxLifetime replaces each of ten
// connections every minute, as database/sql does under
// SetConnMaxLifetime(time.Minute).
func TestScenarioPoolRotatingUnderMaxLifetime(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	pool := w.conns.Pool("database", "primary")
	// database/sql closes a connection past its lifetime lazily, when it
	// next comes back to the pool: the declared max age leaves room.
	pool.SetLimits(conn.Limits{MaxOpen: 10, MaxAge: 2 * time.Minute})
	open := make([]*conn.Conn, 10)
	for i := range open {
		open[i] = pool.Open()
		w.advance(6 * time.Second)
	}
	w.every(6*time.Second, 100, func(i int) { // ten minutes
		open[i%10].Close()
		open[i%10] = pool.Open()
		open[(i+3)%10].Use()
	})
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioClientPoolChurning opens a connection per request, ten a
// second, each living 50ms: a pool whose idle limit is too low.
func TestScenarioClientPoolChurning(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	pool := w.conns.Pool("database", "primary")
	pool.SetLimits(conn.Limits{MaxOpen: 10})
	w.every(50*time.Millisecond, 1200, func(i int) {
		if i%2 == 0 {
			c := pool.Open()
			w.advance(50 * time.Millisecond)
			c.Close()
		}
	})
	expect(t, w.report(), healthscore.Degraded, "pool database/primary churns")
}

// TestScenarioLongLivedServerConnections keeps a load balancer's
// keep-alive connections open for hours on a server pool, which declares
// no max age.
func TestScenarioLongLivedServerConnections(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	pool := w.conns.Pool("http", "api")
	var open []*conn.Conn
	for range 8 {
		open = append(open, pool.Open())
	}
	w.every(time.Minute, 180, func(i int) { open[i%8].Acquire(); open[i%8].Release() })
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioClientConnectionsPastMaxAge holds connections three times
// past the max age the pool declares: they are not being rotated.
func TestScenarioClientConnectionsPastMaxAge(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	pool := w.conns.Pool("redis", "sessions")
	pool.SetLimits(conn.Limits{MaxOpen: 8, MaxAge: 5 * time.Minute})
	var open []*conn.Conn
	for range 4 {
		open = append(open, pool.Open())
	}
	w.every(time.Minute, 15, func(i int) { open[i%4].Use() })
	expect(t, w.report(), healthscore.Unhealthy, "4 of 4 open connections past their max age of 5m0s")
}

// TestScenarioQueueBurstDrains fills a request queue for five seconds and
// drains it, under the default hold: the status never leaves healthy.
func TestScenarioQueueBurstDrains(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{})
	q := w.queues.Queue(queue.TypeHTTP, "requests", 100)
	w.every(time.Second, 60, func(i int) {
		depth := 5
		if i >= 20 && i < 25 {
			depth = 95
		}
		_ = q.Sample(depth)
		if r := w.report(); r.Status != healthscore.Healthy {
			t.Fatalf("at %ds: %s %q", i, r.Status, reasons(r))
		}
	})
	expect(t, w.report(), healthscore.Healthy, "above its overflow threshold for 5s")
}

// TestScenarioQueueStuckFull keeps a worker queue full for ten minutes,
// turning work away.
func TestScenarioQueueStuckFull(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{})
	q := w.queues.Queue("worker", "jobs", 50)
	w.every(time.Second, 600, func(i int) {
		_ = q.Sample(50)
		q.Reject()
		w.report()
	})
	expect(t, w.report(), healthscore.Unhealthy, "at 100% of capacity", "above its overflow threshold for 5m0s of the last 5m0s", "turned 300 items away")
}

// TestScenarioQueueStuckWithoutSamples enters a queue into overflow and
// never samples it again: its time in overflow still counts.
func TestScenarioQueueStuckWithoutSamples(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	q := w.queues.Queue("worker", "jobs", 10)
	for range 10 {
		q.Enter()
	}
	w.advance(2 * time.Minute)
	expect(t, w.report(), healthscore.Unhealthy, "above its overflow threshold for 2m0s of the last 5m0s")
}

// TestScenarioQueueRejectingWhileNotFull turns away fifty requests that
// waited too long, from a queue that is never full.
func TestScenarioQueueRejectingWhileNotFull(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	q := w.queues.Queue(queue.TypeHTTP, "requests", 100)
	w.every(time.Second, 300, func(i int) {
		_ = q.Sample(20)
		if i%6 == 0 {
			q.Reject()
		}
	})
	expect(t, w.report(), healthscore.Degraded, "turned 50 items away")
}

// TestScenarioQueueGrowing grows a queue steadily, well below its
// capacity: worth a reason, not a change of status.
func TestScenarioQueueGrowing(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	q := w.queues.Queue(queue.TypeMLInference, "jobs", 1000)
	w.every(time.Second, 300, func(i int) { _ = q.Sample(i) })
	expect(t, w.report(), healthscore.Healthy, "growing")
}

// TestScenarioQueueWithoutCapacity holds ten thousand items in a queue of
// unknown capacity.
func TestScenarioQueueWithoutCapacity(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	q := w.queues.Queue(queue.TypeRedis, "stream", 0)
	w.every(time.Second, 60, func(int) { _ = q.Sample(10_000) })
	expect(t, w.report(), healthscore.Healthy)
}

// lookups runs n lookups of c, one in every ratio of them a miss, at one
// a tick: hits take hit, misses miss.
func lookups(w *world, c *cache.Cache, n int, tick time.Duration, hitRatio float64, hit, miss time.Duration) {
	misses := 0.0
	w.every(tick, n, func(i int) {
		if float64(i+1)*(1-hitRatio) >= misses+1 {
			misses++
			c.Miss(miss)
			return
		}
		c.Hit(hit)
	})
}

// TestScenarioCacheWarmingFromCold starts a cache empty: it misses most of
// its first minute, then hits as it fills.
func TestScenarioCacheWarmingFromCold(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	c := w.caches.Cache(cache.TypeApplication, "products")
	lookups(w, c, 600, 100*time.Millisecond, 0.2, time.Millisecond, 20*time.Millisecond)
	expect(t, w.report(), healthscore.Healthy) // one minute in: warming
	lookups(w, c, 6000, 100*time.Millisecond, 0.97, time.Millisecond, 20*time.Millisecond)
	expect(t, w.report(), healthscore.Healthy) // eleven minutes in: warm
}

// mapStore is the cache a service wraps: a map behind a mutex.
type mapStore struct {
	mu sync.Mutex
	m  map[int]string
}

func (s *mapStore) Get(k int) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	return v, ok
}

// TestScenarioCacheBehindWrap hits 99% through cache.Wrap, as the README
// shows: Wrap cannot time the fill, so a miss costs what a hit does.
func TestScenarioCacheBehindWrap(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	store := &mapStore{m: map[int]string{}}
	for k := range 99 {
		store.m[k] = "v"
	}
	users := cache.Wrap[int, string](store, w.caches.Cache(cache.TypeApplication, "users"))
	w.every(100*time.Millisecond, 10_000, func(i int) { users.Get(i % 100) })
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioCacheFortyPercent hits 40% of 10 000 lookups.
func TestScenarioCacheFortyPercent(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	c := w.caches.Cache(cache.TypeApplication, "users")
	lookups(w, c, 10_000, 100*time.Millisecond, 0.4, time.Millisecond, 30*time.Millisecond)
	expect(t, w.report(), healthscore.Degraded, "cache application/users hit ratio 40% over")
}

// TestScenarioCacheThreeLookups looks a cache up three times, all misses.
func TestScenarioCacheThreeLookups(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	c := w.caches.Cache(cache.TypeConfiguration, "flags")
	w.advance(time.Hour)
	lookups(w, c, 3, time.Second, 0, time.Millisecond, 30*time.Millisecond)
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioCacheNotWorthIt fills its misses through GetOrFill in 1.1ms
// and hits in 1ms: a remote cache as slow as the database behind it.
func TestScenarioCacheNotWorthIt(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	store := &mapStore{m: map[int]string{}}
	for k := range 90 {
		store.m[k] = "v"
	}
	c := cache.Wrap[int, string](store, w.caches.Cache(cache.TypeSession, "remote"))
	w.every(100*time.Millisecond, 10_000, func(i int) {
		_, _ = c.GetOrFill(i%100, func(int) (string, error) { w.advance(1100 * time.Microsecond); return "v", nil })
	})
	// A hit takes no time on this clock and a miss 1.1ms: the cache saves
	// all of its misses' cost, so it is efficient.
	expect(t, w.report(), healthscore.Healthy)

	slow := w.caches.Cache(cache.TypeSession, "slow")
	lookups(w, slow, 10_000, 100*time.Millisecond, 0.9, time.Millisecond, 1100*time.Microsecond)
	expect(t, w.report(), healthscore.Degraded, "cache session/slow efficiency 0.08")
}

// TestScenarioFeatureOneOfTwo fails one of a new feature's two uses.
func TestScenarioFeatureOneOfTwo(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	f := w.features.Feature("feature_flag", "new-search")
	f.Record(context.Background(), "u1", "direct_call", 20*time.Millisecond, true)
	f.Record(context.Background(), "u2", "direct_call", 20*time.Millisecond, false)
	w.advance(time.Minute)
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioFeatureFailingFifth fails 20% of 10 000 uses.
func TestScenarioFeatureFailingFifth(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	f := w.features.Feature("endpoint", "checkout")
	w.every(100*time.Millisecond, 10_000, func(i int) {
		f.Record(context.Background(), fmt.Sprint("u", i%500), "direct_call", 40*time.Millisecond, i%5 != 0)
	})
	expect(t, w.report(), healthscore.Unhealthy, "feature endpoint/checkout failing 20.0% of 10000 uses")
}

// TestScenarioFeatureOccasionalFailures fails 2% of 5 000 uses: worth
// a reason, still healthy.
func TestScenarioFeatureOccasionalFailures(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	f := w.features.Feature("endpoint", "search")
	w.every(100*time.Millisecond, 5000, func(i int) {
		f.Record(context.Background(), fmt.Sprint("u", i%300), "direct_call", 40*time.Millisecond, i%50 != 0)
	})
	expect(t, w.report(), healthscore.Healthy, "failing 2.0% of 5000 uses")
}

// TestScenarioFeatureSlow takes twice its budget on every use.
func TestScenarioFeatureSlow(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{FeatureBudgets: map[string]time.Duration{"report": time.Second}})
	f := w.features.Feature("endpoint", "report")
	w.every(time.Second, 100, func(i int) {
		f.Record(context.Background(), fmt.Sprint("u", i%10), "direct_call", 2*time.Second, true)
	})
	expect(t, w.report(), healthscore.Degraded, "feature endpoint/report mean duration 2s (budget 1s)")
}

// TestScenarioOneFeatureAmongFifty fails one of fifty busy features: the
// service stays healthy, unless that feature is marked critical.
func TestScenarioOneFeatureAmongFifty(t *testing.T) {
	for _, critical := range []bool{false, true} {
		t.Run(fmt.Sprint("critical=", critical), func(t *testing.T) {
			var p healthscore.Policy
			if critical {
				p.Critical = []healthscore.Ref{{Component: healthscore.Features, Name: "f7"}}
			}
			w := newWorld(t, 0, p)
			var fs []*feature.Feature
			for i := range 50 {
				fs = append(fs, w.features.Feature("endpoint", fmt.Sprint("f", i)))
			}
			w.every(time.Second, 100, func(i int) {
				for j, f := range fs {
					f.Record(context.Background(), fmt.Sprint("u", i), "direct_call", 10*time.Millisecond, j != 7 || i%2 == 0)
				}
			})
			if critical {
				expect(t, w.report(), healthscore.Unhealthy, "feature endpoint/f7 failing 50.0% of 100 uses")
			} else {
				expect(t, w.report(), healthscore.Healthy, "feature endpoint/f7 failing 50.0% of 100 uses")
			}
		})
	}
}

// TestScenarioQuietNight serves a handful of requests an hour.
func TestScenarioQuietNight(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{})
	pool := w.conns.Pool("database", "primary")
	pool.SetLimits(conn.Limits{MaxOpen: 10})
	q := w.queues.Queue(queue.TypeHTTP, "requests", 100)
	c := w.caches.Cache(cache.TypeApplication, "users")
	f := w.features.Feature("endpoint", "home")
	w.every(10*time.Minute, 6, func(i int) {
		cn := pool.Open()
		_ = q.Sample(1)
		c.Miss(30 * time.Millisecond)
		f.Record(context.Background(), fmt.Sprint("u", i), "direct_call", 100*time.Millisecond, i != 3)
		cn.Close()
		w.report()
	})
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioCriticalQueueFull marks the request queue critical: when it
// fills, the service is unhealthy though everything else is fine, and
// its readiness endpoint answers 503.
func TestScenarioCriticalQueueFull(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{Critical: []healthscore.Ref{{Component: healthscore.Queues, Type: queue.TypeHTTP}}})
	q := w.queues.Queue(queue.TypeHTTP, "requests", 100)
	c := w.caches.Cache(cache.TypeApplication, "users")
	f := w.features.Feature("endpoint", "home")
	w.every(time.Second, 600, func(i int) {
		depth := 10
		if i >= 300 {
			depth = 100
		}
		_ = q.Sample(depth)
		c.Hit(time.Millisecond)
		f.Record(context.Background(), fmt.Sprint("u", i), "direct_call", 10*time.Millisecond, true)
		w.report()
	})
	r := w.report()
	expect(t, r, healthscore.Unhealthy, "queue http/requests at 100% of capacity")
	url := serve(t, w, w.conns.Pool("http", "api"), http.NotFoundHandler())
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readiness %d, want 503", resp.StatusCode)
	}
}

// TestScenarioFlappingQueue moves a critical request queue across its
// threshold every second for forty seconds under the default hold: the raw
// verdict changes forty times, the reported status never. (The Judge's own
// tests hold a minute of it.)
func TestScenarioFlappingQueue(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{Critical: []healthscore.Ref{{Component: healthscore.Queues}}})
	q := w.queues.Queue(queue.TypeHTTP, "requests", 100)
	_ = q.Sample(10)
	w.report()
	w.every(time.Second, 40, func(i int) {
		_ = q.Sample(map[bool]int{true: 100, false: 10}[i%2 == 0])
		if r := w.report(); r.Status != healthscore.Healthy {
			t.Fatalf("at %ds the status changed to %s", i, r.Status)
		}
	})
}

// TestScenarioSpareDatabaseConnections opens ten connections at a peak,
// then runs one query every ten seconds for a quarter of an hour: nine
// connections sit idle in database/sql's pool past the retention. That is
// a pool keeping spares, not a leak: they stay tracked and open.
func TestScenarioSpareDatabaseConnections(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	db := sqldb.OpenDB(stallDriver{}, w.conns.Pool("database", "primary"))
	defer db.Close()
	db.SetMaxIdleConns(10)
	ctx := context.Background()
	var peak []*sql.Conn
	for range 10 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		peak = append(peak, c)
	}
	for _, c := range peak {
		c.Close()
	}
	w.every(10*time.Second, 90, func(int) {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		w.report()
	})
	if s := w.conns.Snapshot().Pools[0]; s.Expired != 0 || s.Open != 10 {
		t.Fatalf("%d connections expired, %d open; want 0 and 10", s.Expired, s.Open)
	}
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioIdleKeepAliveClients keeps ten keep-alive clients connected
// and silent past the retention: their connections are idle in the
// server, released, and no leak either.
func TestScenarioIdleKeepAliveClients(t *testing.T) {
	w := newWorld(t, 0, healthscore.Policy{})
	pool := w.conns.Pool("http", "api")
	url := serve(t, w, pool, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { io.WriteString(rw, "ok") }))
	for range 10 {
		tp := &http.Transport{}
		defer tp.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tp}).Get(url)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for s := w.conns.Snapshot().Pools[0]; s.Idle < 10; s = w.conns.Snapshot().Pools[0] {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle connections, want 10", s.Idle)
		}
		time.Sleep(5 * time.Millisecond) // the server's hook runs after the client has its response
	}
	w.advance(11 * time.Minute) // past the ten-minute retention
	if s := w.conns.Snapshot().Pools[0]; s.Expired != 0 || s.Idle != 10 {
		t.Fatalf("expired %d, idle %d; want 0 and 10", s.Expired, s.Idle)
	}
	expect(t, w.report(), healthscore.Healthy)
}

// TestScenarioQueueDrainedAfterOverflow keeps a critical request queue full
// for three minutes, then drains it: unhealthy while full, then degraded
// (it was full for most of the window) once the hold has passed, never
// unhealthy for minutes after it recovered.
func TestScenarioQueueDrainedAfterOverflow(t *testing.T) {
	w := newWorld(t, healthscore.DefaultHold, healthscore.Policy{Critical: []healthscore.Ref{{Component: healthscore.Queues}}})
	q := w.queues.Queue(queue.TypeHTTP, "requests", 100)
	w.every(time.Second, 180, func(int) { _ = q.Sample(100); w.report() })
	expect(t, w.report(), healthscore.Unhealthy, "at 100% of capacity")
	w.every(time.Second, 20, func(int) { _ = q.Sample(5); w.report() })
	expect(t, w.report(), healthscore.Degraded, "above its overflow threshold for 3m0s of the last 5m0s, not now")
}
