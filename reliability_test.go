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

// waitTotals waits until the collector's last point of every series holds
// the workload's totals so far, and fails t with the first that does not.
func (w *workload) waitTotals(t *testing.T, ctx context.Context, col *testbackend.Collector, resourceAttrs map[string]string) {
	t.Helper()
	for _, e := range w.expectations() {
		last, err := waitLastOf(ctx, col, e.metric, e.attrs, resourceAttrs, e.holds)
		if err != nil {
			t.Fatalf("%s %v: want %d (count: %v); last point %+v: %v", e.metric, e.attrs, e.want, e.count, last, err)
		}
	}
}

// waitLastOf is Collector.WaitLast restricted to points whose resource
// includes resourceAttrs.
func waitLastOf(ctx context.Context, col *testbackend.Collector, metric string, attrs, resourceAttrs map[string]string, ok func(testbackend.Point) bool) (testbackend.Point, error) {
	var last testbackend.Point
	for {
		pts, err := col.Points()
		if err != nil {
			return last, err
		}
		for i := len(pts) - 1; i >= 0; i-- {
			p := pts[i]
			if p.Metric == metric && includes(p.Attrs, attrs) && includes(p.Resource, resourceAttrs) {
				last = p
				if ok(p) {
					return p, nil
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func includes(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// startOTLP starts a System exporting every interval over proto to col,
// with fast reconnects, and the run attribute on its resource.
func startOTLP(t *testing.T, ctx context.Context, col *testbackend.Collector, proto, run string, interval time.Duration, more ...exporters.Option) *vitals.System {
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
	return sys
}

// TestNothingLostAcrossCollectorRestarts records known totals through all
// four trackers while the real collector is killed and started again twice,
// recording also while it is down, and checks that the collector's last
// cumulative values after Shutdown equal the totals exactly, over gRPC and
// over HTTP.
func TestNothingLostAcrossCollectorRestarts(t *testing.T) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			run := t.Name()
			sys := startOTLP(t, ctx, col, proto, run, 200*time.Millisecond)
			w := &workload{sys: sys}
			res := map[string]string{"vitals.test.run": run}

			w.batch(100)
			w.waitTotals(t, ctx, col, res)
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
				w.waitTotals(t, ctx, col, res)
			}
			w.batch(33)
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			w.waitTotals(t, ctx, col, res)
		})
	}
}

// TestCollectorDownAtStart starts the System while the collector is not
// running, records, then starts the collector: the totals arrive, exact.
func TestCollectorDownAtStart(t *testing.T) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			col.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			run := t.Name()
			sys := startOTLP(t, ctx, col, proto, run, 200*time.Millisecond)
			w := &workload{sys: sys}
			w.batch(120)
			time.Sleep(time.Second) // several exports fail meanwhile
			if err := col.Start(); err != nil {
				t.Fatal(err)
			}
			w.batch(80)
			w.waitTotals(t, ctx, col, map[string]string{"vitals.test.run": run})
			w.batch(7)
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			w.waitTotals(t, ctx, col, map[string]string{"vitals.test.run": run})
		})
	}
}

// TestShutdownFlushes records right before Shutdown, with an export
// interval of an hour so that no periodic export runs: only Shutdown's
// final export can carry the values, and the collector has them exactly.
func TestShutdownFlushes(t *testing.T) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			run := t.Name()
			sys := startOTLP(t, ctx, col, proto, run, time.Hour)
			w := &workload{sys: sys}
			w.batch(64)
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			w.waitTotals(t, ctx, col, map[string]string{"vitals.test.run": run})
		})
	}
}

// TestShutdownWaitsForCollector stops a service while its collector is
// down and starts the collector a second into Shutdown: Shutdown keeps
// trying within its deadline, the final export gets through, nothing is
// spooled, and the collector holds the exact totals.
func TestShutdownWaitsForCollector(t *testing.T) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			dir := filepath.Join(t.TempDir(), "spool")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			run := t.Name()
			sys := startOTLP(t, ctx, col, proto, run, time.Hour, exporters.WithSpoolDir(dir))
			w := &workload{sys: sys}
			w.batch(90)
			col.Kill()

			restarted := make(chan error, 1)
			go func() {
				time.Sleep(time.Second)
				restarted <- col.Start()
			}()
			shutCtx, shutCancel := context.WithTimeout(ctx, 30*time.Second)
			err := sys.Shutdown(shutCtx)
			shutCancel()
			if err := <-restarted; err != nil {
				t.Fatal(err)
			}
			if err != nil {
				t.Fatalf("Shutdown: %v, want the final export delivered once the collector is back", err)
			}
			w.waitTotals(t, ctx, col, map[string]string{"vitals.test.run": run})
			if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
				t.Errorf("spool holds %v after a delivered final export", files)
			}
		})
	}
}

// TestSpoolDeliversFinalExport stops a service while its collector is
// down: Shutdown retries until its deadline, then writes the final export
// to the spool directory. The next start, with the collector back, delivers
// it: the collector ends with the first process's exact totals, and the
// spool is empty again.
func TestSpoolDeliversFinalExport(t *testing.T) {
	for _, proto := range []string{exporters.ProtocolGRPC, exporters.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			col := testbackend.StartCollector(t)
			dir := filepath.Join(t.TempDir(), "spool")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			first := t.Name() + "/first"
			sys := startOTLP(t, ctx, col, proto, first, 200*time.Millisecond, exporters.WithSpoolDir(dir))
			w := &workload{sys: sys}
			w.batch(40)
			w.waitTotals(t, ctx, col, map[string]string{"vitals.test.run": first})
			col.Kill()
			w.batch(60) // only the final export can carry these

			shutCtx, shutCancel := context.WithTimeout(ctx, 1500*time.Millisecond)
			began := time.Now()
			err := sys.Shutdown(shutCtx)
			shutCancel()
			if err == nil {
				t.Fatal("Shutdown with the collector down: nil error, want the failed final export")
			}
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("Shutdown took %v, beyond its 1.5s deadline", took)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			if len(files) != 1 {
				t.Fatalf("spool holds %v, want one file", files)
			}

			if err := col.Start(); err != nil {
				t.Fatal(err)
			}
			second := t.Name() + "/second"
			next := startOTLP(t, ctx, col, proto, second, 200*time.Millisecond, exporters.WithSpoolDir(dir))
			w.waitTotals(t, ctx, col, map[string]string{"vitals.test.run": first})
			for {
				files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
				if len(files) == 0 {
					break
				}
				if ctx.Err() != nil {
					t.Fatalf("spool still holds %v after delivery", files)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := next.Shutdown(ctx); err != nil {
				t.Fatalf("second Shutdown: %v", err)
			}
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
				t.Errorf("spool dir after a clean shutdown = %v, %v; want empty", entries, err)
			}
		})
	}
}

// runAttr marks the resource of one test's System, so that the points of
// several Systems sharing a collector can be told apart.
func runAttr(run string) attribute.KeyValue { return attribute.String("vitals.test.run", run) }

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
