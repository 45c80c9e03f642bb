package queue

import (
	"math"

	"github.com/otelvitals/vitals/internal/clock"
)

// windowBuckets is the number of time buckets of a window: statistics are
// exact to a bucket, 1/30 of the window.
const windowBuckets = 30

// window keeps depth samples over a recent span of time in a ring of time
// buckets; old buckets drop out as time moves. A clock that steps back
// reads as one that stood still at the newest bucket until it is past it
// again: a sample goes there, never over a newer bucket's slot. Not safe
// for concurrent use: the queue's mutex guards it.
type window struct {
	width   int64 // nanoseconds per bucket
	latest  int64 // the newest bucket's epoch; none before the first sample
	buckets [windowBuckets]winBucket
}

type winBucket struct {
	epoch    int64 // time / width, rounded down, of the bucket's span
	n        int64 // 0: unused
	sum      int64
	min, max int64
}

func newWindow(span int64) *window {
	return &window{width: max(span/windowBuckets, 1), latest: none}
}

// epoch returns the bucket of now: now / width rounded down (a clock
// stepped back before the origin reads below 0), and never older than the
// newest bucket.
func (w *window) epoch(now int64) int64 {
	return max(clock.Bucket(now, w.width), w.latest)
}

// add records a depth sampled at now.
func (w *window) add(now, depth int64) {
	e := w.epoch(now)
	w.latest = e
	b := &w.buckets[clock.Slot(e, windowBuckets)]
	if b.epoch != e || b.n == 0 {
		*b = winBucket{epoch: e, min: depth, max: depth}
	}
	b.n++
	b.sum += depth
	b.min = min(b.min, depth)
	b.max = max(b.max, depth)
}

// windowStats are the statistics of the samples in the window.
type windowStats struct {
	samples          int64
	min, max         int64
	mean             float64
	oldMean, newMean float64 // means of the oldest and newest thirds
	oldSeen, newSeen bool
}

// stats returns the statistics of the buckets that end within the window
// at now.
func (w *window) stats(now int64) windowStats {
	cur := w.epoch(now)
	var s windowStats
	var sum, oldSum, oldN, newSum, newN int64
	for i := range w.buckets {
		b := &w.buckets[i]
		age := cur - b.epoch
		if b.n == 0 || age < 0 || age >= windowBuckets {
			continue
		}
		if s.samples == 0 {
			s.min, s.max = b.min, b.max
		}
		s.samples += b.n
		sum += b.sum
		s.min = min(s.min, b.min)
		s.max = max(s.max, b.max)
		switch {
		case age < windowBuckets/3:
			newSum += b.sum
			newN += b.n
		case age >= windowBuckets-windowBuckets/3:
			oldSum += b.sum
			oldN += b.n
		}
	}
	if s.samples > 0 {
		s.mean = float64(sum) / float64(s.samples)
	}
	if oldN > 0 {
		s.oldMean, s.oldSeen = float64(oldSum)/float64(oldN), true
	}
	if newN > 0 {
		s.newMean, s.newSeen = float64(newSum)/float64(newN), true
	}
	return s
}

// ledgerBuckets is the number of buckets of a ledger: the 30 of the window
// and one more, for the bucket that straddles the window's start.
const ledgerBuckets = windowBuckets + 1

// none stands for an absent time: no overflow open (Queue.overSince), an
// unused ledger bucket, a bucket without a mark.
const none = math.MinInt64

// ledger keeps, per time bucket of 1/30 of the window, the overflow time
// within the bucket of the spells that have ended, booked as each ends, and
// a mark of the queue's rejected count, so
// that the time in overflow and the rejects within the window can be read
// at any moment, whether or not the queue was sampled. Not safe for
// concurrent use: the queue's mutex guards it.
type ledger struct {
	span    int64 // the window, nanoseconds
	width   int64 // nanoseconds per bucket: span/30, rounded up
	buckets [ledgerBuckets]ledgerBucket
}

// ledgerBucket is the span [epoch*width, (epoch+1)*width) of clock
// nanoseconds.
type ledgerBucket struct {
	epoch  int64 // none: unused
	over   int64 // nanoseconds in overflow within the span, of ended spells
	markAt int64 // when the mark was taken; none: no mark yet
	mark   int64 // the cumulative rejected count at markAt
}

func newLedger(span int64) ledger {
	l := ledger{span: max(span, 1), width: max((span+windowBuckets-1)/windowBuckets, 1)}
	for i := range l.buckets {
		l.buckets[i] = ledgerBucket{epoch: none, markAt: none}
	}
	return l
}

// bucket returns the bucket of epoch e, reset if its slot held an older
// one, or nil if the slot holds a newer one (the clock stepped back).
func (l *ledger) bucket(e int64) *ledgerBucket {
	b := &l.buckets[clock.Slot(e, ledgerBuckets)]
	switch {
	case b.epoch == e:
	case b.epoch != none && b.epoch > e:
		return nil
	default:
		*b = ledgerBucket{epoch: e, markAt: none}
	}
	return b
}

// credit books the overflow spell [since, end) to the buckets it covers.
// Only the last ledgerBuckets of them can meet a window read at end or
// later, so the loop is bounded however long the spell. A spell that ends
// before it began (the clock stepped back) books nothing.
func (l *ledger) credit(since, end int64) {
	if end <= since {
		return
	}
	last := clock.Bucket(end, l.width)
	for e := max(clock.Bucket(since, l.width), last-ledgerBuckets+1); e <= last; e++ {
		lo, hi := max(since, e*l.width), min(end, (e+1)*l.width)
		if hi <= lo {
			continue
		}
		if b := l.bucket(e); b != nil {
			b.over += hi - lo
		}
	}
}

// note marks the rejected count at now, if it is the first mark of now's
// bucket.
func (l *ledger) note(now, rejected int64) {
	if b := l.bucket(clock.Bucket(now, l.width)); b != nil && b.markAt == none {
		b.markAt, b.mark = now, rejected
	}
}

// overflowShare returns the share of [now-span, now] spent in overflow: the
// credit of the buckets within it, pro rata for the bucket that straddles
// now-span, plus the part of the open spell begun at since (none: no spell
// is open) that lies within it; clamped to [0, 1].
func (l *ledger) overflowShare(now, since int64) float64 {
	from := now - l.span
	first, cur := clock.Bucket(from, l.width), clock.Bucket(now, l.width)
	var total float64
	for i := range l.buckets {
		b := &l.buckets[i]
		if b.epoch == none || b.over == 0 || b.epoch < first || b.epoch > cur {
			continue
		}
		if start := b.epoch * l.width; start < from {
			total += float64(b.over) * float64(start+l.width-from) / float64(l.width)
		} else {
			total += float64(b.over)
		}
	}
	if since != none {
		total += float64(max(now-max(since, from), 0))
	}
	return min(max(total/float64(l.span), 0), 1)
}

// rejects returns the rejects since the oldest mark taken within
// [now-span, now], given the cumulative count rejected; 0 without one.
func (l *ledger) rejects(now, rejected int64) int64 {
	from := now - l.span
	at, mark := int64(none), int64(0)
	for i := range l.buckets {
		b := &l.buckets[i]
		if b.epoch == none || b.markAt == none || b.markAt < from || b.markAt > now {
			continue
		}
		if at == none || b.markAt < at {
			at, mark = b.markAt, b.mark
		}
	}
	if at == none {
		return 0
	}
	return max(rejected-mark, 0)
}
