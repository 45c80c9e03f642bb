package conn

import "github.com/otelvitals/vitals/internal/clock"

// windowBuckets is the number of buckets the window is cut into: the
// window counts are exact to one bucket, 1/30 of the window.
const windowBuckets = 30

// totals are the cumulative counters of a pool that the window follows.
type totals struct {
	created, destroyed, expired, waits, waitNanos int64
}

// sub returns t - o, each count at least 0: a counter that went back (a
// stats function replaced or removed) counts nothing rather than a negative.
func (t totals) sub(o totals) totals {
	return totals{
		created:   max(t.created-o.created, 0),
		destroyed: max(t.destroyed-o.destroyed, 0),
		expired:   max(t.expired-o.expired, 0),
		waits:     max(t.waits-o.waits, 0),
		waitNanos: max(t.waitNanos-o.waitNanos, 0),
	}
}

// mark is the totals read at one time.
type mark struct {
	at int64 // clock nanoseconds
	totals
}

// window turns a pool's cumulative counters into counts over the recent
// window, without touching the hot path: the reads (snapshots and
// collections) leave marks of the counters, the first read in each bucket
// of window/30 one mark, in a ring of 30, and a windowed count is the
// current counter less the mark of the oldest read within the window. When
// no read lies within it, the newest older mark is used, so the count
// covers at least the window, since the last read. With a read in every
// bucket (collections every 10 s of a 5 m window, say) the counts cover
// between the window less two buckets and the window.
//
// The ring starts with a mark of zeros at the pool's creation, so a pool
// younger than the window counts from zero. A clock that steps back reads
// as one that stood still until it is past the newest mark again.
//
// window is not safe for concurrent use; the pool's mutex guards it. It
// holds 30 marks of 48 bytes.
type window struct {
	span  int64 // the window, nanoseconds
	width int64 // a bucket, nanoseconds
	made  int64 // the pool's creation
	ring  [windowBuckets]mark
	n     int // marks held
	next  int // the slot the next mark goes to
}

func (w *window) init(span, made int64) {
	w.span, w.width, w.made = span, max(span/windowBuckets, 1), made
	w.ring[0] = mark{at: made}
	w.n, w.next = 1, 1
}

// observe returns the counts of cur within the window at now and within
// its recent part (the last two buckets), and the part of the window the
// pool existed for, then leaves a mark if now is the first read in its
// bucket.
func (w *window) observe(now int64, cur totals) (in, recent totals, covered int64) {
	newest := &w.ring[(w.next+windowBuckets-1)%windowBuckets]
	now = max(now, newest.at)
	in = cur.sub(w.since(now, w.span, newest).totals)
	recent = cur.sub(w.since(now, 2*w.width, newest).totals)
	covered = min(w.span, max(now-w.made, 0))
	if clock.Bucket(now, w.width) > clock.Bucket(newest.at, w.width) {
		w.ring[w.next] = mark{at: now, totals: cur}
		w.next = (w.next + 1) % windowBuckets
		w.n = min(w.n+1, windowBuckets)
	}
	return in, recent, covered
}

// since returns the oldest mark within span of now, or newest when none
// is: the counts then cover at least the span, since the last read.
func (w *window) since(now, span int64, newest *mark) *mark {
	for i := range w.n {
		m := &w.ring[(w.next-w.n+i+windowBuckets)%windowBuckets]
		if now-m.at <= span {
			return m
		}
	}
	return newest
}
