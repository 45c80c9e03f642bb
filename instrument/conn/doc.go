// Package conn tracks the life of connections: how many are open per
// connection type and pool, how old they are, how long they lived, and how
// often they are created, reused, destroyed or expired.
//
// # Handles
//
// The fast path is the handle API. Get a [Pool] once, open a [Conn] per
// connection, and call its methods, which cost a few atomic operations (no
// lock, no allocation, no map lookup):
//
//	tr, err := conn.New()
//	pool := tr.Pool("database", "primary")
//	c := pool.Open() // created
//	c.Use()          // reused, once per use
//	c.Close()        // destroyed; its lifetime is recorded
//
// Pools that hand connections out and take them back call [Conn.Acquire]
// and [Conn.Release], and their open connections are then reported by state
// (used, idle). [Pool.Track] runs a function inside a connection's life, and
// [Wrap] turns a function into one that does: the Go forms of a context
// manager and a decorator.
//
// # Keyed API
//
// Code that already names its connections can use [Tracker.Created],
// [Tracker.Used] and [Tracker.Destroyed] with its own IDs. Each call looks
// the ID up in a map under a lock, so it costs several times a handle call;
// it returns [ErrUnknownConnection] and [ErrDuplicateConnection] for IDs it
// does not know or already holds.
//
// # Ages
//
// The live-age distribution of the open connections (how many are at most
// 1 s, 5 s, … 12 h old), the oldest and the mean age are computed at each
// collection from per-pool structures whose cost depends on the number of
// pools and of connections that crossed an age bound since the last
// collection, never on the number of open connections.
//
// # Retention
//
// A connection unused (no Use, Acquire or Release) for longer than the
// retention (default 24h, [WithRetention]) is expired: counted as an
// "expired" event, removed from the open count and forgotten, so that
// leaked connections cannot grow memory without bound. A background
// goroutine checks every minute, or every quarter of the retention if
// shorter; [Tracker.Close] stops it.
//
// Until it is closed or expires, an open connection holds about 80 bytes,
// and one of the keyed API about 150 with an ID of up to 16 bytes (its
// handle, its entry in the ID table and the ID). The retention bounds how
// long a leaked one is held; the keyed API also holds at most
// [DefaultMaxIDs] IDs (a million, some 150 MB; see [WithMaxIDs]), past
// which [Tracker.Created] returns [ErrIDLimit]. Connections held by handle
// have no limit of count: the caller holds their handles.
//
// # Health
//
// Each pool has an age-based health from 0 to 1:
//
//	health = (1 - old/open) × (1 - expired/(destroyed + expired))
//
// where old counts the open connections older than the max age (default
// 1h, [WithMaxAge]). Connections that never rotate pull the first factor
// down; leaked connections, which expire instead of closing, the second.
// A factor whose denominator is 0 is 1.
//
// # Bad input
//
// Nothing panics. Empty, over-long ([MaxNameLength]) or invalid UTF-8 names
// are cleaned; a second Close, a use after Close, a Release without Acquire,
// and unknown, empty or duplicate keyed IDs are no-ops. Each is counted in
// vitals.input.rejected with its reason as error.type. Past the pool limit
// ([WithMaxPools], default 1000) new pools share one overflow series.
package conn // import "github.com/otelvitals/vitals/instrument/conn"
