package e2e_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
)

// workload records known amounts through all four trackers of a System
// and keeps the totals a backend must end up with.
type workload struct {
	sys *vitals.System
	run string // the resource's runKey

	created, reused, destroyed int64 // connections of pool db
	waited, rejected           int64 // items of queue jobs
	hits, misses               int64 // lookups of cache users
	successes, failures        int64 // uses of feature search
}

// batch records n of everything: n connections opened, used three times and
// closed; n queue items through, n/2 turned away; n hits and n/4 misses; n
// feature uses, one in five failed.
func (w *workload) batch(n int) {
	ctx := context.Background()
	pool := w.sys.Connections().Pool("postgresql", "db")
	q := w.sys.Queues().Queue("worker", "jobs", 1000)
	c := w.sys.Caches().Cache("local", "users")
	f := w.sys.Features().Feature("endpoint", "search")
	for i := range n {
		conn := pool.Open()
		conn.Use()
		conn.Use()
		conn.Use()
		conn.Close()
		w.created++
		w.reused += 3
		w.destroyed++

		q.Enter().Leave()
		w.waited++
		if i%2 == 0 {
			q.Reject()
			w.rejected++
		}

		c.Hit(time.Microsecond)
		w.hits++
		if i%4 == 0 {
			c.Miss(time.Millisecond)
			w.misses++
		}

		ok := i%5 != 0
		f.Record(ctx, fmt.Sprintf("user-%d", i%37), "api", time.Millisecond, ok)
		if ok {
			w.successes++
		} else {
			w.failures++
		}
	}
}

// expectation is one series and the value the collector must hold for it.
type expectation struct {
	metric string
	attrs  map[string]string
	want   int64
	count  bool // want is a histogram's count
}

func (w *workload) expectations() []expectation {
	ev := func(e string) map[string]string {
		return map[string]string{"vitals.connection.pool.name": "db", "vitals.connection.event": e}
	}
	queue := map[string]string{"vitals.queue.name": "jobs"}
	cache := func(r string) map[string]string {
		return map[string]string{"vitals.cache.name": "users", "vitals.cache.result": r}
	}
	feature := func(o string) map[string]string {
		return map[string]string{"vitals.feature.name": "search", "vitals.feature.outcome": o}
	}
	return []expectation{
		{metric: "vitals.connection.events", attrs: ev("created"), want: w.created},
		{metric: "vitals.connection.events", attrs: ev("reused"), want: w.reused},
		{metric: "vitals.connection.events", attrs: ev("destroyed"), want: w.destroyed},
		{metric: "vitals.connection.duration", attrs: map[string]string{"vitals.connection.pool.name": "db"}, want: w.destroyed, count: true},
		{metric: "vitals.queue.wait.duration", attrs: queue, want: w.waited, count: true},
		{metric: "vitals.queue.rejections", attrs: queue, want: w.rejected},
		{metric: "vitals.cache.operations", attrs: cache("hit"), want: w.hits},
		{metric: "vitals.cache.operations", attrs: cache("miss"), want: w.misses},
		{metric: "vitals.cache.operation.duration", attrs: cache("hit"), want: w.hits, count: true},
		{metric: "vitals.cache.operation.duration", attrs: cache("miss"), want: w.misses, count: true},
		{metric: "vitals.feature.uses", attrs: feature("success"), want: w.successes},
		{metric: "vitals.feature.uses", attrs: feature("failure"), want: w.failures},
		{metric: "vitals.feature.use.duration", attrs: map[string]string{"vitals.feature.name": "search"}, want: w.successes + w.failures, count: true},
	}
}

func (e expectation) holds(p testbackend.Point) bool {
	if e.count {
		return p.Type == "histogram" && p.Cumulative && p.Count == uint64(e.want)
	}
	return p.Type == "sum" && p.Cumulative && p.IsInt && p.Int == e.want
}

// waitTotals waits until the collector's last point of every series from
// the workload's own System holds the totals so far, and fails t with the
// first that does not.
func (w *workload) waitTotals(t *testing.T, ctx context.Context, col *testbackend.Collector) {
	t.Helper()
	from := map[string]string{runKey: w.run}
	for _, e := range w.expectations() {
		last, err := col.WaitLastFrom(ctx, e.metric, e.attrs, from, e.holds)
		if err != nil {
			t.Fatalf("%s %v: want %d (count: %v); last point %+v: %v", e.metric, e.attrs, e.want, e.count, last, err)
		}
	}
}

// runKey is the resource attribute that tells the Systems sharing a
// collector apart.
const runKey = "vitals.test.run"

// runAttr marks the resource of one test's System with run.
func runAttr(run string) attribute.KeyValue { return attribute.String(runKey, run) }

// startWorkload starts a System exporting every interval over proto to
// col, with fast reconnects and run on its resource, and returns its
// workload.
func startWorkload(t *testing.T, ctx context.Context, col *testbackend.Collector, proto, run string, interval time.Duration, more ...exporters.Option) *workload {
	t.Helper()
	endpoint := col.HTTPEndpoint
	if proto == exporters.ProtocolGRPC {
		endpoint = col.GRPCEndpoint
	}
	opts := append([]exporters.Option{
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(proto),
		exporters.WithOTLPEndpoint(endpoint),
		exporters.WithExportInterval(interval),
		exporters.WithExportTimeout(2 * time.Second),
		exporters.WithOTLPBackoff(500 * time.Millisecond),
	}, more...)
	sys, err := vitals.Start(ctx,
		vitals.WithExporterOptions(opts...),
		vitals.WithResource(resource.NewSchemaless(runAttr(run))),
	)
	if err != nil {
		t.Fatal(err)
	}
	return &workload{sys: sys, run: run}
}

// eachProtocol runs test over gRPC and over HTTP, each with a collector of
// its own and a minute to finish in.
func eachProtocol(t *testing.T, test func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string)) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			test(t, ctx, col, proto)
		})
	}
}

// TestNothingLostAcrossCollectorRestarts records known totals through all
// four trackers while the real collector is killed and started again twice,
// recording also while it is down, and checks that the collector's last
// cumulative values after Shutdown equal the totals exactly, over gRPC and
// over HTTP.
func TestNothingLostAcrossCollectorRestarts(t *testing.T) {
	eachProtocol(t, func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string) {
		w := startWorkload(t, ctx, col, proto, t.Name(), 200*time.Millisecond)
		w.batch(100)
		w.waitTotals(t, ctx, col)
		for restart := range 2 {
			col.Kill()
			w.batch(250 + restart) // recorded while the collector is down
			time.Sleep(500 * time.Millisecond)
			w.batch(50)
			if err := col.Start(); err != nil {
				t.Fatal(err)
			}
			w.batch(75)
			// Exports resume after the restart, with every total.
			w.waitTotals(t, ctx, col)
		}
		w.batch(33)
		if err := w.sys.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		w.waitTotals(t, ctx, col)
	})
}

// TestCollectorDownAtStart starts the System while the collector is not
// running, records, then starts the collector: the totals arrive, exact.
func TestCollectorDownAtStart(t *testing.T) {
	eachProtocol(t, func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string) {
		col.Stop()
		w := startWorkload(t, ctx, col, proto, t.Name(), 200*time.Millisecond)
		w.batch(120)
		time.Sleep(time.Second) // several exports fail meanwhile
		if err := col.Start(); err != nil {
			t.Fatal(err)
		}
		w.batch(80)
		w.waitTotals(t, ctx, col)
		w.batch(7)
		if err := w.sys.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		w.waitTotals(t, ctx, col)
	})
}

// TestShutdownFlushes records right before Shutdown, with an export
// interval of an hour so that no periodic export runs: only Shutdown's
// final export can carry the values, and the collector has them exactly.
func TestShutdownFlushes(t *testing.T) {
	eachProtocol(t, func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string) {
		w := startWorkload(t, ctx, col, proto, t.Name(), time.Hour)
		w.batch(64)
		if err := w.sys.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		w.waitTotals(t, ctx, col)
	})
}

// TestShutdownWaitsForCollector stops a service while its collector is
// down and starts the collector a second into Shutdown: Shutdown keeps
// trying within its deadline, the final export gets through, nothing is
// spooled, and the collector holds the exact totals.
func TestShutdownWaitsForCollector(t *testing.T) {
	eachProtocol(t, func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string) {
		dir := filepath.Join(t.TempDir(), "spool")
		w := startWorkload(t, ctx, col, proto, t.Name(), time.Hour, exporters.WithSpoolDir(dir))
		w.batch(90)
		col.Kill()

		restarted := make(chan error, 1)
		go func() {
			time.Sleep(time.Second)
			restarted <- col.Start()
		}()
		shutCtx, shutCancel := context.WithTimeout(ctx, 30*time.Second)
		err := w.sys.Shutdown(shutCtx)
		shutCancel()
		if err := <-restarted; err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatalf("Shutdown: %v, want the final export delivered once the collector is back", err)
		}
		w.waitTotals(t, ctx, col)
		if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
			t.Errorf("spool holds %v after a delivered final export", files)
		}
	})
}

// TestSpoolDeliversFinalExport stops a service while its collector is
// down: Shutdown retries until its deadline, then writes the final export
// to the spool directory. The next start, with the collector back, delivers
// it: the collector ends with the first process's exact totals, and the
// spool is empty again.
func TestSpoolDeliversFinalExport(t *testing.T) {
	eachProtocol(t, func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string) {
		dir := filepath.Join(t.TempDir(), "spool")
		first := startWorkload(t, ctx, col, proto, t.Name()+"/first", 200*time.Millisecond, exporters.WithSpoolDir(dir))
		first.batch(40)
		first.waitTotals(t, ctx, col)
		col.Kill()
		first.batch(60) // only the final export can carry these

		shutCtx, shutCancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		began := time.Now()
		err := first.sys.Shutdown(shutCtx)
		shutCancel()
		if err == nil {
			t.Fatal("Shutdown with the collector down: nil error, want the failed final export")
		}
		if took := time.Since(began); took > 10*time.Second {
			t.Errorf("Shutdown took %v, beyond its 1.5s deadline", took)
		}
		spooled := func() []string {
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			return files
		}
		if files := spooled(); len(files) != 1 {
			t.Fatalf("spool holds %v, want one file", files)
		}

		if err := col.Start(); err != nil {
			t.Fatal(err)
		}
		next := startWorkload(t, ctx, col, proto, t.Name()+"/second", 200*time.Millisecond, exporters.WithSpoolDir(dir))
		first.waitTotals(t, ctx, col)
		for len(spooled()) != 0 {
			if ctx.Err() != nil {
				t.Fatalf("spool still holds %v after delivery", spooled())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := next.sys.Shutdown(ctx); err != nil {
			t.Fatalf("second Shutdown: %v", err)
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Errorf("spool dir after a clean shutdown = %v, %v; want empty", entries, err)
		}
	})
}

// TestShutdownLeavesNothing starts a System with every moving part (the
// Prometheus endpoint, an OTLP exporter with a spool and its delivery, all
// four trackers with their background work), uses it, and checks that
// after Shutdown no goroutine is left and the Prometheus port can be bound
// again at once.
func TestShutdownLeavesNothing(t *testing.T) {
	before := goleak.IgnoreCurrent()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.Prometheus, exporters.OTLP),
		exporters.WithPrometheusAddress("127.0.0.1:0"),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint("http://"+closedAddr(t)),
		exporters.WithSpoolDir(dir),
		exporters.WithExportInterval(50*time.Millisecond),
	))
	if err != nil {
		t.Fatal(err)
	}
	var addr string
	for _, r := range sys.Readers() {
		if p, ok := r.(*exporters.PrometheusReader); ok {
			addr = p.Addr().String()
		}
	}
	if addr == "" {
		t.Fatal("no Prometheus reader")
	}
	w := &workload{sys: sys}
	w.batch(10)
	sys.Queues().Observe("worker", "probe", func() (int, int) { return 1, 10 })
	if body := httpGet(t, "http://"+addr+"/metrics"); !strings.Contains(body, "vitals_cache_operations") {
		t.Fatalf("scrape lacks the cache series:\n%.2000s", body)
	}
	_ = sys.Health()
	_ = sys.Snapshot()

	shutCtx, shutCancel := context.WithTimeout(ctx, time.Second)
	_ = sys.Shutdown(shutCtx) // the OTLP receiver is unreachable: an error
	shutCancel()
	goleak.VerifyNone(t, before)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("Prometheus port %s still taken after Shutdown: %v", addr, err)
	}
	l.Close()
}

// delivered returns how many of the workload's events the collector's last
// points hold, and how many it should hold: per series, the last value
// received from the workload's own System, capped at the series' total.
func (w *workload) delivered(t *testing.T, col *testbackend.Collector) (got, want int64) {
	t.Helper()
	from := map[string]string{runKey: w.run}
	for _, e := range w.expectations() {
		want += e.want
		last, ok, err := col.LastFrom(e.metric, e.attrs, from)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		v := last.Int
		if e.count {
			v = int64(last.Count)
		}
		got += min(v, e.want)
	}
	return got, want
}

// TestSpoolKeepsFinalExportsAcrossOutages stops two processes in a row
// while the collector is down: the first leaves its final export in the
// spool; the second starts with that file waiting and the collector still
// down, records, and shuts down. Each Shutdown must keep its 2s deadline
// (10% slack) and spool its own final export, not an earlier periodic one,
// although the second process was trying to deliver the first one's file
// meanwhile. Once the collector is back, a third start delivers both files:
// the collector ends with every event of both processes, exactly.
func TestSpoolKeepsFinalExportsAcrossOutages(t *testing.T) {
	eachProtocol(t, func(t *testing.T, ctx context.Context, col *testbackend.Collector, proto string) {
		const deadline = 2 * time.Second
		dir := filepath.Join(t.TempDir(), "spool")
		spooled := func() []string {
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			return files
		}
		// An export timeout of 10s, the OTLP exporters' default, so that
		// an attempt may outlast the Shutdown deadline.
		opts := []exporters.Option{exporters.WithSpoolDir(dir), exporters.WithExportTimeout(10 * time.Second)}
		stop := func(w *workload) {
			t.Helper()
			shutCtx, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			began := time.Now()
			err := w.sys.Shutdown(shutCtx)
			took := time.Since(began)
			t.Logf("%s: Shutdown took %v (deadline %v): %v", w.run, took.Round(time.Millisecond), deadline, err)
			if err == nil {
				t.Errorf("%s: Shutdown with the collector down: nil error, want the failed final export", w.run)
			}
			if took > deadline+deadline/10 {
				t.Errorf("%s: Shutdown took %v, beyond its %v deadline + 10%%", w.run, took, deadline)
			}
		}

		col.Kill()
		first := startWorkload(t, ctx, col, proto, t.Name()+"/first", 200*time.Millisecond, opts...)
		first.batch(300)
		time.Sleep(500 * time.Millisecond) // periodic exports fail meanwhile
		first.batch(170)
		stop(first)
		if files := spooled(); len(files) != 1 {
			t.Fatalf("spool after the first process holds %v, want one file", files)
		}

		second := startWorkload(t, ctx, col, proto, t.Name()+"/second", 200*time.Millisecond, opts...)
		second.batch(250)
		time.Sleep(time.Second) // periodic exports and the spool's delivery fail meanwhile
		second.batch(240)
		stop(second)
		if files := spooled(); len(files) != 2 {
			t.Fatalf("spool after the second process holds %v, want two files", files)
		}

		if err := col.Start(); err != nil {
			t.Fatal(err)
		}
		third := startWorkload(t, ctx, col, proto, t.Name()+"/third", 200*time.Millisecond, opts...)
		third.batch(10)
		// Wait for both spooled files to arrive, 20s at most.
		delivered := func() (got, want int64) {
			for _, w := range []*workload{first, second} {
				g, n := w.delivered(t, col)
				got, want = got+g, want+n
			}
			return got, want
		}
		for wait := time.Now().Add(20 * time.Second); time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
			if got, want := delivered(); got == want && len(spooled()) == 0 {
				break
			}
		}
		for _, w := range []*workload{first, second} {
			got, want := w.delivered(t, col)
			t.Logf("%s: %d of %d events delivered", w.run, got, want)
		}
		if got, want := delivered(); got != want {
			t.Errorf("%d of %d events delivered, %d lost", got, want, want-got)
		}
		first.waitTotals(t, ctx, col)
		second.waitTotals(t, ctx, col)
		if files := spooled(); len(files) != 0 {
			t.Errorf("spool still holds %v after delivery", files)
		}
		if err := third.sys.Shutdown(ctx); err != nil {
			t.Fatalf("third Shutdown: %v", err)
		}
		third.waitTotals(t, ctx, col)
	})
}
