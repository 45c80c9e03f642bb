package queue

// windowBuckets is the number of time buckets of a window: statistics are
// exact to a bucket, 1/30 of the window.
const windowBuckets = 30

// window keeps depth samples over a recent span of time in a ring of time
// buckets; old buckets drop out as time moves. Not safe for concurrent
// use: the queue's mutex guards it.
type window struct {
	width   int64 // nanoseconds per bucket
	buckets [windowBuckets]winBucket
}

type winBucket struct {
	epoch    int64 // time / width of the bucket's span; 0 with no samples
	n        int64
	sum      int64
	min, max int64
	overAt   int64 // the queue's total overflow time at the bucket's first sample
}

func newWindow(span int64) *window {
	return &window{width: max(span/windowBuckets, 1)}
}

// add records a depth sampled at now, when the queue had spent overTotal
// nanoseconds in overflow in all.
func (w *window) add(now, depth, overTotal int64) {
	e := now/w.width + 1 // +1 keeps 0 free to mean "never used"
	b := &w.buckets[e%windowBuckets]
	if b.epoch != e {
		*b = winBucket{epoch: e, min: depth, max: depth, overAt: overTotal}
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
	overAt           int64 // total overflow time at the window's first sample
}

// stats returns the statistics of the buckets that end within the window
// at now.
func (w *window) stats(now int64) windowStats {
	cur := now/w.width + 1
	var s windowStats
	var sum, oldSum, oldN, newSum, newN int64
	oldest := int64(-1)
	for i := range w.buckets {
		b := &w.buckets[i]
		age := cur - b.epoch
		if b.epoch == 0 || b.n == 0 || age < 0 || age >= windowBuckets {
			continue
		}
		if s.samples == 0 {
			s.min, s.max = b.min, b.max
		}
		if age > oldest {
			oldest, s.overAt = age, b.overAt
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
