package benchmarks

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// BenchmarkSnapshotHealth measures System.Snapshot and System.Health with
// 1,000 pools, queues, caches and features each, every one of them used.
func BenchmarkSnapshotHealth(b *testing.B) {
	ctx := context.Background()
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sys.Shutdown(ctx) })
	for i := range 1000 {
		n := strconv.Itoa(i)
		p := sys.Connections().Pool("database", "pool-"+n)
		p.Open().Use()
		_ = sys.Queues().Queue(queue.TypeHTTP, "queue-"+n, 100).Sample(i % 100)
		sys.Caches().Cache(cache.TypeApplication, "cache-"+n).Hit(time.Microsecond)
		sys.Features().Feature(feature.TypeAPIEndpoint, "/f"+n).Record(ctx, "user-"+n, feature.PatternDirectCall, time.Millisecond, true)
	}
	runRows(b, []row{
		{"vitals-snapshot", func(b *testing.B) {
			for b.Loop() {
				if s := sys.Snapshot(); len(s.Features.Features) != 1000 {
					b.Fatalf("%d features", len(s.Features.Features))
				}
			}
		}},
		{"vitals-health", func(b *testing.B) {
			for b.Loop() {
				if r := sys.Health(); len(r.Components) != 4 {
					b.Fatalf("%d components", len(r.Components))
				}
			}
		}},
	})
}
