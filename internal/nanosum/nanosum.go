package nanosum

import "sync/atomic"

// Sum is a running sum of non-negative nanoseconds. Its methods are safe for
// concurrent use; the zero value is an empty sum.
type Sum struct {
	lo      atomic.Uint64
	carries atomic.Uint64
}

// Add adds d nanoseconds; d must not be negative.
func (s *Sum) Add(d int64) {
	if s.lo.Add(uint64(d)) < uint64(d) {
		s.carries.Add(1)
	}
}

// Load returns the sum so far. The carry is counted just after the add
// that made it, so a Load that falls between the two, a few nanoseconds
// once every 2^64 ns (584 years) summed, reads 2^64 ns short; the next
// Load is right again.
func (s *Sum) Load() Total {
	for {
		c := s.carries.Load()
		lo := s.lo.Load()
		if s.carries.Load() == c {
			return Total{Lo: lo, Carries: c}
		}
	}
}

// Total is a sum of nanoseconds at one moment: Carries × 2^64 + Lo.
type Total struct {
	Lo      uint64
	Carries uint64
}

// Plus returns t + u.
func (t Total) Plus(u Total) Total {
	lo := t.Lo + u.Lo
	c := t.Carries + u.Carries
	if lo < t.Lo {
		c++
	}
	return Total{Lo: lo, Carries: c}
}

// Minus returns t − u; u must not be greater than t, as when u is an
// earlier Load of the same sum.
func (t Total) Minus(u Total) Total {
	c := t.Carries - u.Carries
	if t.Lo < u.Lo {
		c--
	}
	return Total{Lo: t.Lo - u.Lo, Carries: c}
}

// Nanoseconds returns t as a float64 of nanoseconds, rounded to 53 bits.
func (t Total) Nanoseconds() float64 {
	return float64(t.Carries)*0x1p64 + float64(t.Lo)
}
