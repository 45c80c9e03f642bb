package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/semconv"
)

// summary prints a one-screen view of the metrics, as the exporters see
// them, read through a ManualReader on the same MeterProvider.
type summary struct {
	conns                  *conn.Tracker
	queues                 *queue.Monitor
	out                    io.Writer
	reader                 *sdkmetric.ManualReader
	serviceURL, metricsURL string
	started                time.Time
	clear                  bool
}

// figures are the numbers the summary shows, taken from one collection.
type figures struct {
	hits, misses, sets, evictions int64
	size                          int64
	hitMean, missMean             float64 // seconds
	waitCount                     uint64
	waitMean                      float64
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
	fmt.Fprintf(&b, "vitals demo  up %s   service %s   metrics %s\n\n",
		time.Since(s.started).Truncate(time.Second), s.serviceURL, s.metricsURL)
	total := f.hits + f.misses
	ratio := 0.0
	if total > 0 {
		ratio = float64(f.hits) / float64(total)
	}
	fmt.Fprintf(&b, "cache application/users   lookups %d   hit ratio %.1f%%   size %d   sets %d   evictions %d\n",
		total, 100*ratio, f.size, f.sets, f.evictions)
	fmt.Fprintf(&b, "                          mean hit %s   mean miss %s\n",
		time.Duration(f.hitMean*1e9).Round(time.Microsecond), time.Duration(f.missMean*1e9).Round(time.Microsecond))
	for _, q := range s.queues.Snapshot().Queues {
		fmt.Fprintf(&b, "queue %-19s depth %d/%d (%.0f%%)   window max %d, mean %.1f, %s   overflows %d   rejected %d\n",
			q.Type+"/"+q.Name, q.Depth, q.Capacity, 100*q.Utilization, q.MaxDepth, q.MeanDepth, q.Trend, q.Overflows, q.Rejected)
	}
	fmt.Fprintf(&b, "                          waits %d   mean wait %s\n",
		f.waitCount, time.Duration(f.waitMean*1e9).Round(time.Microsecond))
	for _, p := range s.conns.Snapshot().Pools {
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
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					switch m.Name {
					case semconv.CacheOperations.Name:
						if v, _ := dp.Attributes.Value(semconv.CacheResultKey); v.AsString() == semconv.CacheResultHit {
							f.hits += dp.Value
						} else {
							f.misses += dp.Value
						}
					case semconv.CacheSets.Name:
						f.sets += dp.Value
					case semconv.CacheEvictions.Name:
						f.evictions += dp.Value
					}
				}
			case metricdata.Gauge[int64]:
				for _, dp := range data.DataPoints {
					switch m.Name {
					case semconv.CacheSize.Name:
						f.size = dp.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, dp := range data.DataPoints {
					mean := 0.0
					if dp.Count > 0 {
						mean = dp.Sum / float64(dp.Count)
					}
					switch m.Name {
					case semconv.CacheOperationDuration.Name:
						if v, _ := dp.Attributes.Value(semconv.CacheResultKey); v.AsString() == semconv.CacheResultHit {
							f.hitMean = mean
						} else {
							f.missMean = mean
						}
					case semconv.QueueWaitTime.Name:
						f.waitCount, f.waitMean = dp.Count, mean
					}
				}
			}
		}
	}
	return f
}
