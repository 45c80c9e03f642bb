package hll

import (
	"math"

	"github.com/otelvitals/vitals/internal/clock"
)

// A Window counts the distinct hashes of its last n epochs: the epochs
// e with latest−n < e ≤ latest, latest being the epoch estimated at.
// Epochs are consecutive integers that the caller derives from its clock
// (with [clock.Bucket]); the window keeps one [Sketch] per epoch in a ring
// and a union sketch of the live ones, which every insert that changes its
// epoch's sketch also updates, so that [Window.Estimate] is O(1). When an epoch leaves the window, the next
// Insert or Estimate rebuilds the union from the epochs that remain: once
// per epoch that leaves, O(n·Registers) at most.
//
// Memory: n+1 sketches, each [DenseBytes] (16 KiB and a little) once
// dense, at most 8 KiB while sparse: (n+1)·16 KiB at most. A Window is not
// safe for concurrent use.
type Window struct {
	ring   []epochSketch // by clock.Slot(epoch, n)
	union  Sketch        // the hashes of the ring's sketches of epochs >= from
	latest int64         // the newest epoch inserted in; math.MinInt64 before
	from   int64         // the oldest epoch the union covers
	cur    *epochSketch  // latest's sketch while from is latest's; nil when unknown

	rebuilds int // of the union, counted for tests
}

type epochSketch struct {
	used  bool // the sketch holds epoch's hashes
	epoch int64
	s     Sketch
}

// NewWindow returns an empty window of n epochs; it panics if n < 1. It
// allocates nothing more until the first insert.
func NewWindow(n int) *Window {
	if n < 1 {
		panic("hll: a window needs at least one epoch")
	}
	return &Window{ring: make([]epochSketch, n), latest: math.MinInt64, from: math.MinInt64}
}

// Insert adds hash h to epoch. An epoch older than the newest one inserted
// in counts as the newest: a clock that stepped back stands still, and no
// hash lands in an epoch that has already been reused.
func (w *Window) Insert(epoch int64, h uint64) {
	b := w.cur
	if b == nil || epoch > w.latest {
		epoch = max(epoch, w.latest)
		w.latest = epoch
		w.cover(epoch)
		b = &w.ring[clock.Slot(epoch, int64(len(w.ring)))]
		if !b.used || b.epoch != epoch {
			// The slot held an epoch at least n older, outside the
			// window and so outside the union: reuse its sketch.
			b.s.Reset()
			b.used, b.epoch = true, epoch
		}
		w.cur = b
	}
	// The union holds every hash of b: if b did not change, neither
	// would the union.
	if b.s.Insert(h) {
		w.union.Insert(h)
	}
}

// Estimate returns the number of distinct hashes inserted in the n epochs
// up to epoch, or up to the newest epoch inserted in if that is later. It
// costs O(1), except the first call after an epoch left the window, which
// rebuilds the union.
func (w *Window) Estimate(epoch int64) uint64 {
	w.cover(max(epoch, w.latest))
	return w.union.Estimate()
}

// cover makes the union hold the epochs of the window that ends at epoch,
// rebuilding it if an epoch that holds hashes joins or leaves it.
func (w *Window) cover(epoch int64) {
	lo := epoch - int64(len(w.ring)) + 1
	if lo > epoch { // overflow near math.MinInt64
		lo = math.MinInt64
	}
	if lo == w.from {
		return
	}
	w.cur = nil
	changed := false
	for i := range w.ring {
		b := &w.ring[i]
		if b.used && (b.epoch >= w.from) != (b.epoch >= lo) {
			changed = true
			break
		}
	}
	w.from = lo
	if !changed {
		return
	}
	w.rebuilds++
	w.union.Reset()
	for i := range w.ring {
		if b := &w.ring[i]; b.used && b.epoch >= lo {
			w.union.Merge(&b.s)
		}
	}
}

// Bytes returns the heap the window's sketches hold (see [Sketch.Bytes]).
func (w *Window) Bytes() int {
	n := w.union.Bytes()
	for i := range w.ring {
		n += w.ring[i].s.Bytes()
	}
	return n
}
