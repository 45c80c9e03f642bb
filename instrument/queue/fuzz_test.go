package queue

import (
	"context"
	"testing"
	"unicode/utf8"
)

// FuzzSamples feeds arbitrary names, capacities and depths: nothing
// panics, the depth never goes below 0, and names come out valid.
func FuzzSamples(f *testing.F) {
	f.Add("http", "requests", 10, 5, 3)
	f.Add("", "\xff", -1, -5, 100)
	f.Add("x", "y", 0, 1<<40, -3)
	f.Fuzz(func(t *testing.T, typ, name string, capacity, depth, enters int) {
		fx := newFixture(t, true)
		q := fx.m.Queue(typ, name, capacity)
		if !utf8.ValidString(q.Type()) || !utf8.ValidString(q.Name()) || len(q.Name()) > MaxNameLength {
			t.Fatalf("names %q %q", q.Type(), q.Name())
		}
		err := q.Sample(depth)
		if (depth < 0) != (err != nil) {
			t.Fatalf("Sample(%d): %v", depth, err)
		}
		n := min(max(enters, -10), 10)
		for range max(n, 0) {
			q.Enter()
		}
		for range max(-n, 0) {
			Ticket{q: q}.Leave()
		}
		if q.Depth() < 0 {
			t.Fatalf("depth %d", q.Depth())
		}
		fx.collect()
		_ = fx.m.Snapshot()
		_ = fx.m.Shutdown(context.Background())
	})
}
