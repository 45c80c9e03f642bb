// Package conn tracks the life of connections: how many are open per
// connection type and pool, how old they are, how long they lived, and how
// often they are created, reused, destroyed or expired.
//
// # Handles
//
// The fast path is the handle API. Get a [Pool] once, open a [Conn] per
// connection, and call its methods, which cost a few atomic operations (no
// lock, no allocation, no map lookup). In a service set up by
// [github.com/otelvitals/vitals.Start], give the tracker Start's provider
// and producer, so that its metrics leave through Start's exporters (the
// package example shows it whole); without options, conn.New() records
// into the global MeterProvider, which Start does not set.
//
//	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer tr.Shutdown(ctx)
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
// leaked connections cannot grow memory without bound. A connection its
// pool holds idle is not leaked and never expires: one released to a pool
// that reports acquire and release, and every connection of a pool that
// reports its stats ([Pool.SetStats]: database/sql, go-redis), whose pool
// closes what it keeps and whose leaks show as connections in use. A background
// goroutine checks every minute, or every quarter of the retention if
// shorter; [Tracker.Shutdown] stops it. [Tracker.Snapshot] runs the same check
// first when that period has passed on the tracker's clock since the last
// one, so that with an injected clock ([WithClock]) a leaked connection
// expires as the clock moves, without waiting in real time.
//
// Until it is closed or expires, an open connection holds about 80 bytes,
// and one of the keyed API about 150 with an ID of up to 16 bytes (its
// handle, its entry in the ID table and the ID). The retention bounds how
// long a leaked one is held; the keyed API also holds at most
// [DefaultMaxIDs] IDs (a million, some 150 MB; see [WithMaxIDs]), past
// which [Tracker.Created] returns [ErrIDLimit]. Connections held by handle
// have no limit of count: the caller holds their handles.
//
// # Limits and stats
//
// How many connections are in use says nothing of saturation without the
// most the pool may open: a server's connections have no maximum, and an
// idle server whose one open connection is the health probe's has all of
// its connections in use. So a [Entry] reports a maximum only when
// one is known, and what is in use only when it is known:
//
//   - [Pool.SetLimits] gives what the user knows of a pool's bounds: the
//     most connections it opens (MaxOpen) and the age past which a
//     connection should have been closed (MaxAge, such as the pool's max
//     lifetime; the open connections past it are counted in
//     OlderThanLimit);
//   - [Pool.SetStats] gives a function the pool's own [Stats] are read from
//     at each snapshot and collection: its maximum, its connections in use,
//     and its waits for a connection, for a pool that hands connections
//     out where the tracker cannot see; the integrations set it
//     (sqldb.TrackStats, goredis.InstrumentClient).
//
// MaxOpen is the stats' maximum when they report one, else the limits'; 0
// is unknown. InUse is the stats' count when stats are reported, else Used
// for a pool that calls [Conn.Acquire] and [Conn.Release], else unknown
// (InUseKnown false). Neither is enforced, nor checked against the other.
//
// # Window
//
// The cumulative counts (Created, Destroyed, Expired, Waits) cover the
// pool's whole life, so one leak at start-up would read as a leaky pool
// forever. The Window fields of a [Entry] count the same events over
// the recent window instead (default 5m, [WithWindow]), with no cost on the
// hot path: each snapshot and collection leaves a mark of the counters,
// the first in each 1/30 of the window, in a ring of 30 per pool, and a
// windowed count is the counter now less the oldest mark within the window.
// With a read at least every 1/30 of the window, the counts cover the
// window less at most two thirtieths; when no read lies within the window,
// they count since the last read before it, more than the window. A pool
// made less than a window ago counts from its creation, and
// WindowCoveredSeconds says how much of the window it has existed for.
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
// and unknown, empty or duplicate keyed IDs are no-ops, and negative
// [Limits] are taken as 0. Each is counted in vitals.input.rejections with its
// reason as error.type. Past the pool limit ([WithMaxPools], default 1000)
// new pools share one overflow series. A clock that steps back
// ([WithClock]) reads as one that stood still: no age, lifetime or window
// comes out negative, and a use while it is behind does not make a
// connection look idle for longer than it was.
//
// Options out of range are clamped, and reported to otel.Handle, never
// refused: a retention to [MinRetention] (1s) to [MaxRetention] (720h), a
// window to [MinWindow] (1s) to [MaxWindow] (24h), so that no value has the
// expiry goroutine spin or the window's buckets shrink to nothing; values
// <= 0 keep the defaults.
//
// Nil handles are no-ops: every method of a nil [*Tracker], [*Pool] or
// [*Conn] does nothing and returns zero values (a nil Pool, a nil Conn, an
// empty Snapshot, a nil error), except that arguments that are errors in
// themselves still return theirs, uncounted: [ErrNilFunc] for a nil
// function, [ErrEmptyID] for an empty ID. [Pool.Track] on a nil Pool still
// runs its function, with a nil Conn. A nil check is all it costs.
package conn // import "github.com/otelvitals/vitals/instrument/conn"
