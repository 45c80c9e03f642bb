package clock

// Bucket returns the number of the bucket of width nanoseconds that the
// clock reading t falls in: t/width rounded down, for width > 0, so that
// readings before the clock's origin, which are negative, fall in negative
// buckets rather than in bucket 0 with the first positive ones.
func Bucket(t, width int64) int64 {
	q := t / width
	if t%width < 0 {
		q--
	}
	return q
}

// Slot returns the slot of bucket b in a ring of n slots: b modulo n in
// [0, n), for n > 0, negative buckets included.
func Slot(b, n int64) int64 {
	m := b % n
	if m < 0 {
		m += n
	}
	return m
}
