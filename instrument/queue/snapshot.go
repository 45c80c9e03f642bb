package queue

import (
	"math"
	"slices"
	"time"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
)

// Snapshot is the state of every queue of a monitor at one moment, for the
// health score and for people.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// Sampled is when the background sampler ([Monitor.StartSampler]) last
	// completed a round, read from the monitor's clock; zero before its
	// first. A Sampled that falls behind Time by much more than the sample
	// interval means the sampler is stuck, on a probe that blocks, say.
	Sampled time.Time `json:"sampled,omitzero"`
	// Queues holds one entry per queue, in the order they were made; the
	// overflow queue, if any, has Overflow set.
	Queues []Entry `json:"queues"`
}

// Entry is the state of one queue.
type Entry struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Overflow bool   `json:"overflow,omitempty"`

	// Depth and Capacity are the current depth and capacity (0: unknown);
	// Utilization is depth over capacity, 0 with no capacity.
	Depth       int64   `json:"depth"`
	Capacity    int64   `json:"capacity"`
	Utilization float64 `json:"utilization"`

	// Overflowing tells whether the queue is at or above the threshold now.
	// Overflows counts the transitions into overflow, OverflowSeconds the
	// time spent there, and Rejected the items turned away, since the
	// queue was made.
	Overflowing     bool    `json:"overflowing"`
	Overflows       int64   `json:"overflows"`
	OverflowSeconds float64 `json:"overflow_seconds"`
	Rejected        int64   `json:"rejected"`

	// Window statistics over the last WindowSeconds: Samples depth samples
	// with these min, mean and max, and the trend (each exact to the
	// window's buckets of 1/30 of it).
	WindowSeconds float64 `json:"window_seconds"`
	Samples       int64   `json:"samples"`
	MinDepth      int64   `json:"min_depth"`
	MeanDepth     float64 `json:"mean_depth"`
	MaxDepth      int64   `json:"max_depth"`
	// WindowOverflowShare is the share, from 0 to 1, of the last
	// WindowSeconds the queue spent in overflow, taken from the overflow
	// spells themselves (however the depth changed, sampled or not), the
	// current spell included. It is exact when the window's start falls on
	// a bucket boundary (a multiple of 1/30 of the window since the monitor
	// was made); otherwise the ended overflow time in the bucket straddling
	// it is counted pro rata, and the share is off by less than 1/30.
	WindowOverflowShare float64 `json:"window_overflow_share"`
	// WindowRejected counts the items rejected within the last
	// WindowSeconds. It is the rejects since a mark of the count: one is
	// taken when the queue is made and at the first read (sample, probe
	// read, collection or Snapshot) in each 1/30 of the window, and the
	// oldest mark within the window is used. So it never counts a reject
	// from before the window, and misses those between the window's start
	// and that mark: with the sampler running, at most the first 1/30 of
	// the window plus one sample interval; without a read in the window
	// before now, all of them (it is 0).
	WindowRejected int64  `json:"window_rejected"`
	Trend          string `json:"trend"`
}

// Snapshot returns the state of every queue, read once per collection
// cycle: a read (which reads every probe, one sample each) is shared by
// the collections, the health score and Snapshot calls within
// one second of it while nothing is recorded, and made
// afresh otherwise. After Shutdown it is the state at Shutdown. On a nil
// Monitor it returns the zero Snapshot.
//
// The Snapshot is yours to keep; its Queues slice is a copy, but the slices
// and maps inside its entries are shared with the other consumers of the
// same read: treat them as read-only.
func (m *Monitor) Snapshot() Snapshot {
	if m == nil {
		return Snapshot{}
	}
	s := m.shell.Read().snap
	s.Queues = slices.Clone(s.Queues)
	return s
}

// read reads every probe, then the state of every queue.
func (m *Monitor) read(int64) *state {
	now := m.shell.Mono.Nanotime()
	queues := m.queueList()
	st := &state{queues: queues, snap: Snapshot{Time: m.shell.Mono.Now(), Queues: make([]Entry, 0, len(queues))}}
	if t := m.sampled.Load(); t != nil {
		st.snap.Sampled = *t
	}
	var slab core.Slab
	st.depths, st.waits = make([]core.HistRead, 0, len(queues)), make([]core.HistRead, 0, len(queues))
	for _, q := range queues {
		st.depths = q.depthHist.ReadInto(st.depths, &slab)
		st.waits = q.waitHist.ReadInto(st.waits, &slab)
		st.snap.Queues = append(st.snap.Queues, q.snapshot(now))
	}
	return st
}

func (q *Queue) snapshot(now int64) Entry {
	since := q.overSince.Load()
	qs := Entry{
		Type: q.typ, Name: q.name, Overflow: q.overflow,
		Depth: q.depth.Load(), Capacity: q.capacity.Load(),
		Overflowing: since != none, Overflows: q.overflows.Load(),
		Rejected:      q.rejected.Load(),
		WindowSeconds: q.m.cfg.window.Seconds(),
	}
	if u := utilization(qs.Depth, qs.Capacity); !math.IsNaN(u) {
		qs.Utilization = u
	}
	qs.OverflowSeconds = float64(q.overflowTime(now)) / 1e9
	q.mu.Lock()
	st := q.win.stats(now)
	q.led.note(now, qs.Rejected)
	// Read again under the mutex: an overflow that ended since is booked.
	qs.WindowOverflowShare = q.led.overflowShare(now, q.overSince.Load())
	qs.WindowRejected = q.led.rejects(now, qs.Rejected)
	q.mu.Unlock()
	qs.Samples, qs.MinDepth, qs.MaxDepth, qs.MeanDepth = st.samples, st.min, st.max, st.mean
	qs.Trend = trend(st, qs.Capacity)
	return qs
}

// trend compares the mean depth of the newest third of the window with that
// of the oldest third. The queue is growing when the newest mean exceeds
// the oldest by more than the tolerance, declining when it falls short by
// more, and stable otherwise, or when either third has no samples. The
// tolerance is 5% of the capacity, or of the oldest mean for a queue
// without one, and at least one item.
func trend(st windowStats, capacity int64) string {
	if !st.oldSeen || !st.newSeen {
		return instrument.TrendStable
	}
	base := float64(capacity)
	if capacity <= 0 {
		base = st.oldMean
	}
	tol := max(0.05*base, 1)
	switch diff := st.newMean - st.oldMean; {
	case diff > tol:
		return instrument.TrendGrowing
	case diff < -tol:
		return instrument.TrendDeclining
	default:
		return instrument.TrendStable
	}
}
