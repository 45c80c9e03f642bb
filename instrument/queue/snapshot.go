package queue

import (
	"math"
	"time"
)

// Trends of a queue's depth over the window.
const (
	TrendGrowing   = "growing"
	TrendStable    = "stable"
	TrendDeclining = "declining"
)

// Snapshot is the state of every queue of a monitor at one moment, for the
// health score and for people.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// Queues holds one entry per queue, in the order they were made; the
	// overflow queue, if any, has Overflow set.
	Queues []QueueSnapshot `json:"queues"`
}

// QueueSnapshot is the state of one queue.
type QueueSnapshot struct {
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

	// Window statistics: over the last WindowSeconds, Samples depth samples
	// with these min, mean and max; the share of the window spent in
	// overflow (exact to 1/30 of the window); and the trend.
	WindowSeconds       float64 `json:"window_seconds"`
	Samples             int64   `json:"samples"`
	MinDepth            int64   `json:"min_depth"`
	MeanDepth           float64 `json:"mean_depth"`
	MaxDepth            int64   `json:"max_depth"`
	WindowOverflowShare float64 `json:"window_overflow_share"`
	Trend               string  `json:"trend"`
}

// Snapshot returns the state of every queue now. Probes are not read: the
// depth is the last one sampled.
func (m *Monitor) Snapshot() Snapshot {
	now := m.clock.Nanotime()
	queues := m.queueList()
	s := Snapshot{Time: m.clock.Now(), Queues: make([]QueueSnapshot, 0, len(queues))}
	for _, q := range queues {
		s.Queues = append(s.Queues, q.snapshot(now))
	}
	return s
}

func (q *Queue) snapshot(now int64) QueueSnapshot {
	window := q.m.cfg.window
	qs := QueueSnapshot{
		Type: q.typ, Name: q.name, Overflow: q.overflow,
		Depth: q.depth.Load(), Capacity: q.capacity.Load(),
		Overflowing: q.over.Load(), Overflows: q.overflows.Load(),
		Rejected:      q.rejected.Load(),
		WindowSeconds: window.Seconds(),
	}
	if u := utilization(qs.Depth, qs.Capacity); !math.IsNaN(u) {
		qs.Utilization = u
	}
	over := q.overflowTime(now)
	qs.OverflowSeconds = float64(over) / 1e9
	q.mu.Lock()
	st := q.win.stats(now)
	q.mu.Unlock()
	qs.Samples, qs.MinDepth, qs.MaxDepth, qs.MeanDepth = st.samples, st.min, st.max, st.mean
	if st.samples > 0 {
		qs.WindowOverflowShare = min(float64(over-st.overAt)/float64(window), 1)
	}
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
		return TrendStable
	}
	base := float64(capacity)
	if capacity <= 0 {
		base = st.oldMean
	}
	tol := max(0.05*base, 1)
	switch diff := st.newMean - st.oldMean; {
	case diff > tol:
		return TrendGrowing
	case diff < -tol:
		return TrendDeclining
	default:
		return TrendStable
	}
}
