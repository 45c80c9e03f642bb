package conn

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
)

// keyedTable maps the IDs of the keyed API to connections, in shards so
// that unrelated IDs do not contend for one lock.
type keyedTable struct {
	seed   maphash.Seed
	shards [64]keyedShard
	count  atomic.Int64 // IDs held, across shards
	max    int64
	warned atomic.Bool
}

type keyedShard struct {
	mu    sync.Mutex
	ids   map[string]*Conn
	peak  int           // most IDs held since the map was last made
	count *atomic.Int64 // the table's count
}

// shrinkFloor is the peak below which a shard's map is never remade.
const shrinkFloor = 64

// put stores c under id; the caller holds s.mu and has counted the ID
// (see keyedTable.reserve).
func (s *keyedShard) put(id string, c *Conn) {
	s.ids[id] = c
	s.peak = max(s.peak, len(s.ids))
}

// del removes id; the caller holds s.mu. Go maps keep their memory when
// emptied, so once a shard holds a quarter of its peak its map is made
// anew: a million leaked IDs, once expired, give their memory back.
func (s *keyedShard) del(id string) {
	delete(s.ids, id)
	s.count.Add(-1)
	if s.peak > shrinkFloor && len(s.ids)*4 < s.peak {
		ids := make(map[string]*Conn, len(s.ids))
		for k, v := range s.ids {
			ids[k] = v
		}
		s.ids, s.peak = ids, len(ids)
	}
}

func (k *keyedTable) init(max int) {
	k.seed = maphash.MakeSeed()
	k.max = int64(max)
	for i := range k.shards {
		k.shards[i].ids = make(map[string]*Conn)
		k.shards[i].count = &k.count
	}
}

func (k *keyedTable) shard(id string) *keyedShard {
	return &k.shards[maphash.String(k.seed, id)%uint64(len(k.shards))]
}

// forget removes id if it still maps to c.
func (k *keyedTable) forget(id string, c *Conn) {
	s := k.shard(id)
	s.mu.Lock()
	if s.ids[id] == c {
		s.del(id)
	}
	s.mu.Unlock()
}

// reserve counts one more ID held, unless the table holds its maximum.
func (k *keyedTable) reserve() bool {
	if k.count.Add(1) > k.max {
		k.count.Add(-1)
		return false
	}
	return true
}

// len returns the number of IDs held.
func (k *keyedTable) len() int { return int(k.count.Load()) }

// Created records a new connection under id, of type connType in pool, for
// code that already names its connections. It is the drop-in form of
// t.Pool(connType, pool).Open(): each call looks the pool and the ID up in
// maps under locks, so it costs several times the handle API; keep handles
// where the code allows.
//
// An empty id returns [ErrEmptyID], an id already open returns
// [ErrDuplicateConnection], and a new id while the tracker holds its
// maximum of IDs (see [WithMaxIDs]) returns [ErrIDLimit]; each is counted
// and changes nothing. On a nil Tracker it does nothing and returns nil,
// or ErrEmptyID for an empty id, uncounted.
func (t *Tracker) Created(id, connType, pool string) error {
	if id == "" {
		t.reject(reasonEmptyID)
		return ErrEmptyID
	}
	if t == nil {
		return nil
	}
	p := t.Pool(connType, pool)
	s := t.keyed.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ids[id]; ok {
		t.reject(reasonDuplicateID)
		return fmt.Errorf("%w: %q", ErrDuplicateConnection, id)
	}
	if !t.keyed.reserve() {
		t.reject(reasonIDLimit)
		err := fmt.Errorf("%w: %d IDs held; connections created past it are not tracked", ErrIDLimit, t.keyed.max)
		if t.keyed.warned.CompareAndSwap(false, true) && t.shell.Live() {
			otel.Handle(err)
		}
		return err
	}
	c := p.Open()
	c.id = id
	s.put(id, c)
	return nil
}

// Used records a use of the connection id, as [Conn.Use] does. An unknown
// id returns [ErrUnknownConnection], counted. On a nil Tracker it does
// nothing and returns nil, or ErrEmptyID for an empty id, uncounted.
func (t *Tracker) Used(id string) error {
	c, err := t.lookup(id)
	if err != nil || c == nil { // c is nil on a nil Tracker
		return err
	}
	if c.state.Load() == stateClosed {
		// It expired between the lookup and the use.
		t.reject(reasonUnknownID)
		return fmt.Errorf("%w: %q", ErrUnknownConnection, id)
	}
	c.Use()
	return nil
}

// Destroyed records the destruction of the connection id and forgets the
// ID, as [Conn.Close] does. An unknown id (never created, destroyed before,
// or expired) returns [ErrUnknownConnection], counted. On a nil Tracker it
// does nothing and returns nil, or ErrEmptyID for an empty id, uncounted.
func (t *Tracker) Destroyed(id string) error {
	if id == "" {
		t.reject(reasonEmptyID)
		return ErrEmptyID
	}
	if t == nil {
		return nil
	}
	s := t.keyed.shard(id)
	s.mu.Lock()
	c, ok := s.ids[id]
	if ok {
		s.del(id)
	}
	s.mu.Unlock()
	if !ok {
		t.reject(reasonUnknownID)
		return fmt.Errorf("%w: %q", ErrUnknownConnection, id)
	}
	if !c.close(context.Background()) {
		// It expired between the lookup and the close.
		return fmt.Errorf("%w: %q", ErrUnknownConnection, id)
	}
	return nil
}

// lookup returns the connection id; on a nil Tracker, nil and no error
// for any id but "".
func (t *Tracker) lookup(id string) (*Conn, error) {
	if id == "" {
		t.reject(reasonEmptyID)
		return nil, ErrEmptyID
	}
	if t == nil {
		return nil, nil
	}
	s := t.keyed.shard(id)
	s.mu.Lock()
	c, ok := s.ids[id]
	s.mu.Unlock()
	if !ok {
		t.reject(reasonUnknownID)
		return nil, fmt.Errorf("%w: %q", ErrUnknownConnection, id)
	}
	return c, nil
}
