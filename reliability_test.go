package vitals_test

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
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/internal/testbackend"
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
		return map[string]string{"vitals.connection.pool": "db", "vitals.connection.event": e}
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
		{metric: "vitals.connection.lifetime", attrs: map[string]string{"vitals.connection.pool": "db"}, want: w.destroyed, count: true},
		{metric: "vitals.queue.wait_time", attrs: queue, want: w.waited, count: true},
		{metric: "vitals.queue.rejected", attrs: queue, want: w.rejected},
		{metric: "vitals.cache.operations", attrs: cache("hit"), want: w.hits},
		{metric: "vitals.cache.operations", attrs: cache("miss"), want: w.misses},
		{metric: "vitals.cache.operation.duration", attrs: cache("hit"), want: w.hits, count: true},
		{metric: "vitals.cache.operation.duration", attrs: cache("miss"), want: w.misses, count: true},
		{metric: "vitals.feature.usage", attrs: feature("success"), want: w.successes},
		{metric: "vitals.feature.usage", attrs: feature("failure"), want: w.failures},
		{metric: "vitals.feature.duration", attrs: map[string]string{"vitals.feature.name": "search"}, want: w.successes + w.failures, count: true},
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
