package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/semconv"
)

// summary prints a one-screen view of the metrics, as the exporters see
// them, read through a ManualReader on the same MeterProvider.
type summary struct {
	sys                    *vitals.System
	out                    io.Writer
	reader                 *sdkmetric.ManualReader
	serviceURL, metricsURL string
	started                time.Time
	clear                  bool
}

// figures are the numbers the summary takes from a collection, what the
// exporters see, rather than from a tracker's snapshot.
type figures struct {
	waitCount uint64
	waitMean  float64 // seconds
}

func (s *summary) print(ctx context.Context) {
	var rm metricdata.ResourceMetrics
	if err := s.reader.Collect(ctx, &rm); err != nil {
		return
	}
	f := read(rm)
	var b strings.Builder
	if s.clear {
		b.WriteString("\033[H\033[2J")
	}
	metrics := s.metricsURL
	if metrics == "" {
		metrics = "not served (OTEL_METRICS_EXPORTER names no prometheus)"
	}
	fmt.Fprintf(&b, "vitals demo  up %s   service %s   metrics %s\n\n",
		time.Since(s.started).Truncate(time.Second), s.serviceURL, metrics)
	snap := s.sys.Snapshot()
	h := s.sys.Health()
	fmt.Fprintf(&b, "health %.0f %s", h.Score, h.Status)
	for _, c := range h.Components {
		fmt.Fprintf(&b, "   %s %.0f", c.Name, c.Score)
	}
	b.WriteString("\n\n")
	for _, c := range snap.Caches.Caches {
		fmt.Fprintf(&b, "cache %-19s lookups %d   hit ratio %.1f%% (window %.1f%%)   efficiency %.2f   size %d   sets %d   evictions %d\n",
			c.Type+"/"+c.Name, c.Hits+c.Misses, 100*c.HitRatio, 100*c.WindowHitRatio, c.Efficiency, c.Size, c.Sets, c.Evictions)
		fmt.Fprintf(&b, "                          mean hit %s   mean miss %s\n",
			time.Duration(c.MeanHitSeconds*1e9).Round(time.Microsecond), time.Duration(c.MeanMissSeconds*1e9).Round(time.Microsecond))
	}
	for _, q := range snap.Queues.Queues {
		fmt.Fprintf(&b, "queue %-19s depth %d/%d (%.0f%%)   window max %d, mean %.1f, %s   overflows %d   rejected %d\n",
			q.Type+"/"+q.Name, q.Depth, q.Capacity, 100*q.Utilization, q.MaxDepth, q.MeanDepth, q.Trend, q.Overflows, q.Rejected)
	}
	fmt.Fprintf(&b, "                          waits %d   mean wait %s\n",
		f.waitCount, time.Duration(f.waitMean*1e9).Round(time.Microsecond))
	for _, f := range snap.Features.Features {
		fmt.Fprintf(&b, "feature %-18s uses %d   users ~%d   success %.1f%%   %s   peak hour %d",
			f.Type+" "+f.Name, f.Uses, f.UniqueUsers, 100*f.WindowSuccessRatio, f.Trend, f.PeakHour)
		if len(f.Variants) > 0 {
			fmt.Fprintf(&b, "   variants %v", f.Variants)
		}
		b.WriteString("\n")
	}
	for _, p := range snap.Connections.Pools {
		fmt.Fprintf(&b, "pool %-20s open %d (used %d)   created %d   reused %d   destroyed %d   expired %d   oldest %.0fs   health %.2f\n",
			p.Type+"/"+p.Name, p.Open, p.Used, p.Created, p.Reused, p.Destroyed, p.Expired, p.OldestSeconds, p.Health)
	}
	fmt.Fprintln(s.out, b.String())
}

// read extracts the figures from a collection.
func read(rm metricdata.ResourceMetrics) figures {
	var f figures
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok || m.Name != semconv.QueueWaitDuration.Name {
				continue
			}
			for _, dp := range h.DataPoints {
				f.waitCount += dp.Count
				if f.waitCount > 0 {
					f.waitMean = dp.Sum / float64(dp.Count)
				}
			}
		}
	}
	return f
}
