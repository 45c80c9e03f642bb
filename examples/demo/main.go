package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// options are the demo's settings, from flags.
type options struct {
	addr        string
	metricsAddr string
	rate        int
	duration    time.Duration
	refresh     time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "service address")
	flag.StringVar(&o.metricsAddr, "metrics", "127.0.0.1:9464", "Prometheus endpoint address")
	flag.IntVar(&o.rate, "rate", 200, "requests per second of the load generator")
	flag.DurationVar(&o.duration, "duration", 0, "stop after this long (0: until Ctrl-C)")
	flag.Parse()
	o.refresh = time.Second

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, nil); err != nil {
		log.Fatal(err)
	}
}

// run starts vitals, the service and the load generator, prints the summary
// to out every o.refresh, and stops everything when ctx is done or
// o.duration has passed. ready, if not nil, receives the service's and the
// metrics endpoint's addresses once both listen.
func run(ctx context.Context, o options, out io.Writer, ready chan<- [2]string) error {
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	exporterOpts := []exporters.Option{exporters.WithPrometheusAddress(o.metricsAddr)}
	if names := defaultExporters(os.Getenv); names != nil {
		exporterOpts = append(exporterOpts, exporters.WithExporters(names...))
	}
	view := sdkmetric.NewManualReader() // what the summary shows: the exporters' view of the data
	sys, err := vitals.Start(ctx,
		vitals.WithReader(view),
		// Durations carry exemplars: the traces of the requests they were
		// part of, which the Prometheus endpoint serves in OpenMetrics.
		vitals.WithConfig(vitals.Config{Exemplars: true}),
		// Short windows, so that a few minutes of demo show every signal
		// move; a service keeps the defaults.
		vitals.WithConnOptions(conn.WithRetention(time.Minute)),
		vitals.WithQueueOptions(queue.WithSampleInterval(100*time.Millisecond), queue.WithWindow(time.Minute)),
		vitals.WithCacheOptions(cache.WithWindow(time.Minute)),
		vitals.WithFeatureOptions(feature.WithWindow(time.Minute)),
		vitals.WithExporterOptions(exporterOpts...))
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sys.Shutdown(sctx); err != nil {
			fmt.Fprintln(out, "vitals shutdown:", err)
		}
	}()
	stopTracing, err := startTracing(ctx, sys.Resource())
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(sctx); err != nil {
			fmt.Fprintln(out, "tracing shutdown:", err)
		}
	}()
	var metricsURL string
	for _, r := range sys.Readers() {
		if p, ok := r.(*exporters.PrometheusReader); ok {
			metricsURL = p.URL()
		}
	}

	svc := newService(sys)
	srv, err := svc.serve(o.addr)
	if err != nil {
		return err
	}
	serviceURL := "http://" + srv.addr
	if ready != nil {
		ready <- [2]string{srv.addr, strings.TrimSuffix(strings.TrimPrefix(metricsURL, "http://"), "/metrics")}
	}

	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		generateLoad(ctx, serviceURL, o.rate)
	}()

	sum := &summary{sys: sys, out: out, reader: view, serviceURL: serviceURL, metricsURL: metricsURL, started: time.Now(),
		clear: isTerminal(out)}
	tick := time.NewTicker(o.refresh)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
			sum.print(ctx)
		}
	}
	<-loadDone
	sum.print(context.Background())
	fmt.Fprintln(out, "stopping; flushing metrics")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.shutdown(sctx)
	svc.close()
	return err
}

// defaultExporters returns the exporters the demo names when
// OTEL_METRICS_EXPORTER, read through getenv, does not: Prometheus, and
// OTLP as well when an OTLP endpoint is set. It returns nil when
// OTEL_METRICS_EXPORTER is set, for its list to be used as it is.
func defaultExporters(getenv func(string) string) []string {
	if strings.TrimSpace(getenv("OTEL_METRICS_EXPORTER")) != "" {
		return nil
	}
	names := []string{exporters.Prometheus}
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") != "" {
		names = append(names, exporters.OTLP)
	}
	return names
}

// isTerminal reports whether w is a terminal, where the summary redraws in
// place instead of scrolling.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
