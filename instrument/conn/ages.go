package conn

import (
	"math"
	"math/bits"
)

// ages keeps the open connections of one pool in creation order and answers,
// at any time, how many are at most b old for each bound b, which is the
// oldest and what their mean age is, at a cost that does not grow with the
// number of open connections.
//
// Connections sit in a doubly linked list, oldest first. For each bound
// there is a cursor: the first connection at most that old, with the number
// of connections before it (older than the bound). As time passes a cursor
// only moves forward, past the connections that have outgrown its bound, so
// over a connection's life each cursor passes it once: a collection costs
// the number of bounds plus the connections that crossed a bound since the
// last one, never a walk over every open connection. Removing a connection
// fixes each cursor in constant time.
//
// The mean comes from a running 128-bit sum of creation times, exact for any
// number of connections of any age.
//
// ages is not safe for concurrent use; the pool's mutex guards it.
type ages struct {
	bounds  []int64 // nanoseconds, ascending
	cursors []cursor
	head    *Conn
	tail    *Conn
	n       int64
	seq     uint64
	sumLo   uint64 // 128-bit sum of the created times of the open connections
	sumHi   uint64
}

// cursor marks, for one bound, the first connection at most that old (nil
// when every connection is older), and counts the connections before it.
type cursor struct {
	first *Conn
	older int64
}

func newAges(bounds []int64) *ages {
	return &ages{bounds: bounds, cursors: make([]cursor, len(bounds))}
}

// add appends c, created at c.created, which must not be earlier than the
// creation of any connection already held.
func (a *ages) add(c *Conn) {
	a.seq++
	c.seq = a.seq
	c.prev, c.next = a.tail, nil
	if a.tail != nil {
		a.tail.next = c
	} else {
		a.head = c
	}
	a.tail = c
	a.n++
	var carry uint64
	a.sumLo, carry = bits.Add64(a.sumLo, uint64(c.created), 0)
	a.sumHi += carry
	if c.created < 0 {
		a.sumHi-- // sign extension: the sum is a signed 128-bit number
	}
	// A new connection is younger than every bound: a cursor past every
	// connection now points at it.
	for i := range a.cursors {
		if a.cursors[i].first == nil {
			a.cursors[i].first = c
		}
	}
}

// remove takes c out.
func (a *ages) remove(c *Conn) {
	for i := range a.cursors {
		cur := &a.cursors[i]
		switch {
		case cur.first == c:
			cur.first = c.next
		case cur.first == nil || c.seq < cur.first.seq:
			cur.older--
		}
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		a.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		a.tail = c.prev
	}
	c.prev, c.next = nil, nil
	a.n--
	var borrow uint64
	a.sumLo, borrow = bits.Sub64(a.sumLo, uint64(c.created), 0)
	a.sumHi -= borrow
	if c.created < 0 {
		a.sumHi++
	}
}

// advance moves every cursor past the connections older than its bound at
// now.
func (a *ages) advance(now int64) {
	for i, b := range a.bounds {
		cur := &a.cursors[i]
		for cur.first != nil && now-cur.first.created > b {
			cur.first = cur.first.next
			cur.older++
		}
	}
}

// atMost returns, after advance, the number of connections at most
// bounds[i] old.
func (a *ages) atMost(i int) int64 { return a.n - a.cursors[i].older }

// oldest returns the age of the oldest connection at now, 0 with none.
func (a *ages) oldest(now int64) int64 {
	if a.head == nil {
		return 0
	}
	return max(now-a.head.created, 0) // a clock that stepped back: no time passed
}

// mean returns the mean age in nanoseconds at now, 0 with none.
func (a *ages) mean(now int64) float64 {
	if a.n == 0 {
		return 0
	}
	sum := float64(int64(a.sumHi))*math.Exp2(64) + float64(a.sumLo)
	return max(float64(now)-sum/float64(a.n), 0)
}
