package cache

import (
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzLookups feeds arbitrary names, durations and counts: nothing panics,
// every lookup is counted, and ratios stay within [0, 1].
func FuzzLookups(f *testing.F) {
	f.Add("application", "users", int64(1000), 3, 2)
	f.Add("", "\xff\xfe", int64(-1), -1, 0)
	f.Add("x", "y", int64(1<<62), 1000, 1000)
	f.Fuzz(func(t *testing.T, typ, name string, nanos int64, hits, misses int) {
		fx := newFixture(t, true)
		c := fx.m.Cache(typ, name)
		if !utf8.ValidString(c.Type()) || !utf8.ValidString(c.Name()) || len(c.Name()) > MaxNameLength {
			t.Fatalf("names %q %q", c.Type(), c.Name())
		}
		h, m := min(max(hits, 0), 50), min(max(misses, 0), 50)
		for range h {
			c.Hit(time.Duration(nanos))
		}
		for range m {
			c.Miss(time.Duration(nanos))
		}
		c.Set(hits)
		c.SetSize(misses)
		s := fx.m.Snapshot().Caches[0]
		if s.Hits != int64(h) || s.Misses != int64(m) {
			t.Fatalf("%+v", s)
		}
		if s.WindowHitRatio < 0 || s.WindowHitRatio > 1 || s.Efficiency < 0 || s.Efficiency > 1 {
			t.Fatalf("ratios %+v", s)
		}
		fx.collect()
	})
}
