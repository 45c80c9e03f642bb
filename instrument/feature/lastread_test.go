package feature

import (
	"context"
	"testing"
	"time"
)

// TestReadReusedOnlyWhileStill checks the per-feature reuse of the last
// read: an idle feature's entry is reused, a use or a variant recorded
// since shows at the next read, and so does a quarter that turned.
func TestReadReusedOnlyWhileStill(t *testing.T) {
	f := newFixture(t, true, WithWindow(4*time.Hour))
	ctx := context.Background()
	busy, idle := f.a.Feature(TypeFeatureFlag, "busy"), f.a.Feature(TypeFeatureFlag, "idle")
	idle.Record(ctx, "u0", "", time.Millisecond, true)
	busy.Record(ctx, "u1", "", time.Millisecond, true)
	first := f.a.read(f.a.shell.Clock.Nanotime())
	busy.RecordVariant(ctx, "u2", "", "on", time.Millisecond, true)
	second := f.a.read(f.a.shell.Clock.Nanotime())
	if b := second.snap.Features[0]; b.Uses != 2 || b.UniqueUsers != 2 || b.Variants["on"] != 1 {
		t.Errorf("busy after a use: %+v", b)
	}
	if first.features[1].c != second.features[1].c {
		t.Error("the idle feature's counts were read again, want the last read reused")
	}
	f.clock.Advance(9 * time.Hour) // past the window and the one before
	third := f.a.read(f.a.shell.Clock.Nanotime())
	if e := third.snap.Features[1]; e.WindowUses != 0 || e.PreviousWindowUses != 0 || e.UniqueUsers != 0 || e.Uses != 1 {
		t.Errorf("idle after the window turned: %+v, want no window uses, 1 use in all", e)
	}
}
