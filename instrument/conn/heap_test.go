package conn

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestLeakedIDsGiveMemoryBack creates 1,000,000 keyed connections that are
// never destroyed, lets the retention expire them all, and checks that the
// heap returns to within 10% of where it started.
func TestLeakedIDsGiveMemoryBack(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("creates a million connections and measures the heap: not in -short or -race runs")
	}
	f := newFixture(t, WithRetention(time.Minute))
	ids := make([]string, 1_000_000)
	for i := range ids {
		ids[i] = "leaked-" + strconv.Itoa(i)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	for _, id := range ids {
		if err := f.tr.Created(id, "database", "main"); err != nil {
			t.Fatal(err)
		}
	}
	full := heap()
	f.clock.Advance(time.Minute + time.Second)
	f.tr.expire()
	after := heap()
	t.Logf("heap: before %d MiB, with 1M open %d MiB, after expiry %d MiB", before>>20, full>>20, after>>20)

	if s := f.tr.Snapshot().Pools[0]; s.Expired != int64(len(ids)) || s.Open != 0 {
		t.Fatalf("expired %d open %d", s.Expired, s.Open)
	}
	if n := f.tr.keyed.len(); n != 0 {
		t.Fatalf("%d IDs still held", n)
	}
	if after > before+before/10 {
		t.Fatalf("heap %d bytes after expiry, more than 10%% over the %d before", after, before)
	}
	runtime.KeepAlive(ids)
}
