package conn_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func badConnCases() []badCase {
	reject := func(reasons ...string) map[string]int64 {
		return badinput.Reasons(semconv.SignalConnection, reasons...)
	}
	bad := []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolNameKey.String("bad")}
	event := func(e string) []attribute.KeyValue { return badinput.With(bad, semconv.ConnectionEventKey.String(e)) }
	badPool := func(r *badRig) *conn.Pool { return r.Tracker.Pool("database", "bad") }
	// closed opens a connection of the bad pool and closes it.
	closed := func(r *badRig) *conn.Conn {
		c := badPool(r).Open()
		c.Close()
		return c
	}
	// destroyed creates the keyed connection "c1" of the bad pool and
	// destroys it.
	destroyed := func(t *testing.T, r *badRig) {
		badinput.Fatal(t, r.Tracker.Created("c1", "database", "bad"))
		badinput.Fatal(t, r.Tracker.Destroyed("c1"))
	}
	// nameOf makes a pool named name and returns the name it kept.
	nameOf := func(name string) func(*badRig) string {
		return func(r *badRig) string { return r.Tracker.Pool("database", name).Name() }
	}
	// noneCreated checks that the bad pool opened no connection.
	noneCreated := func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
		metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
	}
	return []badCase{
		{
			Name: "track nil function", API: "conn.Pool.Track", Input: "fn: nil",
			Result: "conn.ErrNilFunc, counted nil_function; no connection opened", Want: conn.ErrNilFunc, Counts: reject("nil_function"),
			Call:  func(t *testing.T, r *badRig) error { return badPool(r).Track(nil) },
			Check: noneCreated,
		},
		{
			Name: "wrap nil function", API: "conn.Wrap", Input: "fn: nil, called twice",
			Result: "each call conn.ErrNilFunc, counted nil_function; no connection opened", Want: conn.ErrNilFunc,
			Counts: reject("nil_function", "nil_function"),
			Call: func(t *testing.T, r *badRig) error {
				f := conn.Wrap(nil, badPool(r))
				if err := f(); !errors.Is(err, conn.ErrNilFunc) {
					t.Errorf("first call: %v", err)
				}
				return f()
			},
			Check: noneCreated,
		},
		{
			Name: "pool empty type", API: "conn.Tracker.Pool", Input: `type ""`,
			Result: `cleaned to "unknown", counted empty_name`, Counts: reject("empty_name"),
			Call: badinput.Cleaned(func(r *badRig) string { return r.Tracker.Pool("", "bad").Type() }, "unknown"),
		},
		{
			Name: "pool 1 MiB name", API: "conn.Tracker.Pool", Input: "name of 1 MiB",
			Result: "cut to MaxNameLength (256 bytes), counted name_too_long", Counts: reject("name_too_long"),
			Call: badinput.Cleaned(func(r *badRig) string {
				p := r.Tracker.Pool("database", badinput.MiB)
				p.Open()
				return p.Name()
			}, badinput.MiB[:conn.MaxNameLength]),
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionCount.Name, semconv.ConnectionPoolNameKey.String(badinput.MiB[:conn.MaxNameLength]))
			},
		},
		{
			Name: "pool invalid UTF-8 name", API: "conn.Tracker.Pool", Input: `name "pool\xff\xfe"`,
			Result: "invalid bytes become U+FFFD, counted invalid_utf8", Counts: reject("invalid_utf8"),
			Call: badinput.Cleaned(nameOf(badinput.Invalid), "pool\uFFFD"),
		},
		{
			Name: "connection closed twice", API: "conn.Conn.Close", Input: "second Close",
			Result: "no-op, counted double_close; destroyed once", Counts: reject("double_close"),
			Call: func(t *testing.T, r *badRig) error {
				closed(r).Close()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
				metrictest.Want(t, rm, int64(0), semconv.ConnectionCount.Name, bad...)
				badinput.WantHist(t, rm, 1, 0, semconv.ConnectionDuration.Name, bad...)
			},
		},
		{
			Name: "use after shutdown", API: "conn.Conn.Use", Input: "Use after Close",
			Result: "no-op, counted use_after_close", Counts: reject("use_after_close"),
			Call: func(t *testing.T, r *badRig) error {
				closed(r).Use()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			Name: "acquire after close", API: "conn.Conn.Acquire", Input: "Acquire after Close",
			Result: "no-op, counted use_after_close", Counts: reject("use_after_close"),
			Call: func(t *testing.T, r *badRig) error {
				closed(r).Acquire()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionCount.Name, bad...)
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			Name: "release without acquire", API: "conn.Conn.Release", Input: "Release of an idle connection",
			Result: "no-op, counted release_not_acquired", Counts: reject("release_not_acquired"),
			Call: func(t *testing.T, r *badRig) error {
				badPool(r).Open().Release()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionCount.Name, bad...)
			},
		},
		{
			Name: "release twice", API: "conn.Conn.Release", Input: "Acquire, Release, Release",
			Result: "second is a no-op, counted release_not_acquired; 0 used, 1 idle", Counts: reject("release_not_acquired"),
			Call: func(t *testing.T, r *badRig) error {
				c := badPool(r).Open()
				c.Acquire()
				c.Release()
				c.Release()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				state := func(s string) []attribute.KeyValue { return badinput.With(bad, semconv.ConnectionStateKey.String(s)) }
				metrictest.Want(t, rm, int64(0), semconv.ConnectionCount.Name, state(semconv.ConnectionStateUsed)...)
				metrictest.Want(t, rm, int64(1), semconv.ConnectionCount.Name, state(semconv.ConnectionStateIdle)...)
			},
		},
		{
			Name: "keyed empty ID", API: "conn.Tracker.Created", Input: `id ""`,
			Result: "conn.ErrEmptyID, counted empty_id, nothing created", Want: conn.ErrEmptyID, Counts: reject("empty_id"),
			Call: func(t *testing.T, r *badRig) error { return r.Tracker.Created("", "database", "bad") },
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badinput.WantNone(t, rm, semconv.ConnectionEvents.Name, bad...)
			},
		},
		{
			Name: "keyed duplicate ID", API: "conn.Tracker.Created", Input: "an ID already open",
			Result: "conn.ErrDuplicateConnection, counted duplicate_id; created once", Want: conn.ErrDuplicateConnection, Counts: reject("duplicate_id"),
			Call: func(t *testing.T, r *badRig) error {
				badinput.Fatal(t, r.Tracker.Created("c1", "database", "bad"))
				return r.Tracker.Created("c1", "database", "bad")
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
			},
		},
		{
			Name: "keyed unknown ID", API: "conn.Tracker.Used", Input: "an ID never created",
			Result: "conn.ErrUnknownConnection, counted unknown_id", Want: conn.ErrUnknownConnection, Counts: reject("unknown_id"),
			Call: func(t *testing.T, r *badRig) error { return r.Tracker.Used("never") },
		},
		{
			Name: "keyed empty ID use", API: "conn.Tracker.Used", Input: `id ""`,
			Result: "conn.ErrEmptyID, counted empty_id", Want: conn.ErrEmptyID, Counts: reject("empty_id"),
			Call: func(t *testing.T, r *badRig) error { return r.Tracker.Used("") },
		},
		{
			Name: "keyed destroyed twice", API: "conn.Tracker.Destroyed", Input: "second Destroyed of an ID",
			Result: "conn.ErrUnknownConnection, counted unknown_id; destroyed once", Want: conn.ErrUnknownConnection, Counts: reject("unknown_id"),
			Call: func(t *testing.T, r *badRig) error {
				destroyed(t, r)
				return r.Tracker.Destroyed("c1")
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
				badinput.WantHist(t, rm, 1, 0, semconv.ConnectionDuration.Name, bad...)
			},
		},
		{
			Name: "keyed use after destroyed", API: "conn.Tracker.Used", Input: "Used after Destroyed",
			Result: "conn.ErrUnknownConnection, counted unknown_id", Want: conn.ErrUnknownConnection, Counts: reject("unknown_id"),
			Call: func(t *testing.T, r *badRig) error {
				destroyed(t, r)
				return r.Tracker.Used("c1")
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			Name: "keyed 1 MiB invalid UTF-8 ID", API: "conn.Tracker.Created/Used/Destroyed", Input: "id of 1 MiB with invalid UTF-8",
			Result: "a valid key: IDs are never exported; created, used, destroyed once each",
			Call: func(t *testing.T, r *badRig) error {
				id := badinput.MiB + "\xff"
				return errors.Join(r.Tracker.Created(id, "database", "bad"), r.Tracker.Used(id), r.Tracker.Destroyed(id))
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				for _, e := range []string{semconv.ConnectionEventCreated, semconv.ConnectionEventReused, semconv.ConnectionEventDestroyed} {
					metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(e)...)
				}
			},
		},
		{
			Name: "connection tracker use after shutdown", API: "conn.Tracker.Shutdown", Input: "handles and keyed API used after Shutdown, Shutdown twice",
			Result: "no-op: nothing reported or counted; second Shutdown nil",
			Call: func(t *testing.T, r *badRig) error {
				err := r.Shutdown(context.Background())
				c := r.Tracker.Pool("database", "after").Open()
				c.Acquire()
				c.Release()
				c.Close()
				c.Close()
				c.Use()
				_ = r.Tracker.Created("c1", "database", "after")
				_ = r.Tracker.Used("never")
				return err
			},
			Check: badinput.NothingNamed[*badRig]("after"),
		},
		{
			Name: "nil connection tracker", API: "conn.Tracker (nil)", Input: "every method of a nil *conn.Tracker",
			Result: `no-ops: Pool nil, keyed API nil (conn.ErrEmptyID for id ""), empty Snapshot, Shutdown nil; nothing counted`, Want: conn.ErrEmptyID,
			Call: func(t *testing.T, _ *badRig) error {
				var tr *conn.Tracker
				if p := tr.Pool("database", "bad"); p != nil {
					t.Errorf("Pool = %v, want nil", p)
				}
				if err := errors.Join(tr.Created("c1", "database", "bad"), tr.Used("c1"), tr.Destroyed("c1"), tr.Shutdown(context.Background())); err != nil {
					t.Errorf("keyed API and Shutdown: %v, want nil", err)
				}
				if s := tr.Snapshot(); len(s.Pools) != 0 || !s.Time.IsZero() {
					t.Errorf("Snapshot = %+v, want the zero Snapshot", s)
				}
				return errors.Join(tr.Created("", "database", "bad"), tr.Used(""), tr.Destroyed(""))
			},
		},
		{
			Name: "nil connection pool", API: "conn.Pool (nil)", Input: "every method of a nil *conn.Pool, and conn.Wrap of one",
			Result: "no-ops: Open returns a nil Conn, Track and Wrap run fn with it and return its error (conn.ErrNilFunc, uncounted, for a nil fn)", Want: conn.ErrNilFunc,
			Call: func(t *testing.T, _ *badRig) error {
				var p *conn.Pool
				if p.Type() != "" || p.Name() != "" || p.Open() != nil {
					t.Errorf("Type %q, Name %q, Open %v; want empty and nil", p.Type(), p.Name(), p.Open())
				}
				p.SetLimits(conn.Limits{MaxOpen: -1})
				p.SetStats(func() conn.Stats { return conn.Stats{InUse: 1} })
				boom := errors.New("boom")
				ran := 0
				fn := func(c *conn.Conn) error {
					ran++
					c.Use()
					return boom
				}
				if err := p.Track(fn); err != boom {
					t.Errorf("Track = %v, want fn's error", err)
				}
				if err := conn.Wrap(fn, p)(); err != boom {
					t.Errorf("Wrap = %v, want fn's error", err)
				}
				if ran != 2 {
					t.Errorf("fn ran %d times, want 2", ran)
				}
				return p.Track(nil)
			},
		},
		{
			Name: "nil connection", API: "conn.Conn (nil)", Input: "every method of a nil *conn.Conn",
			Result: "no-ops; Age 0",
			Call: func(t *testing.T, _ *badRig) error {
				var c *conn.Conn
				c.Acquire()
				c.Use()
				c.Release()
				c.Close()
				if a := c.Age(); a != 0 {
					t.Errorf("Age = %v, want 0", a)
				}
				return nil
			},
		},
		{
			Name: "retention 1ns", API: "conn.WithRetention", Input: "1ns",
			Result: "clamped to conn.MinRetention (1s), reported to otel.Handle: an idle connection expires after 1s, and the expiry goroutine ticks every 250ms, not every ns",
			Call: func(t *testing.T, r *badRig) error {
				tr := r.New(conn.WithRetention(1))
				tr.Pool("database", "bad").Open()
				for _, step := range []struct {
					after   time.Duration
					expired int64
				}{{500 * time.Millisecond, 0}, {600 * time.Millisecond, 1}} {
					r.Clock.Advance(step.after)
					if s := tr.Snapshot().Pools[0]; s.Expired != step.expired {
						t.Errorf("%d expired after another %v, want %d", s.Expired, step.after, step.expired)
					}
				}
				return nil
			},
		},
		{
			Name: "connection window 1ns", API: "conn.WithWindow", Input: "1ns",
			Result: "clamped to conn.MinWindow (1s), reported to otel.Handle, so the window's 30 buckets are 1/30 s wide, never 0",
			Call: func(t *testing.T, r *badRig) error {
				tr := r.New(conn.WithWindow(1))
				tr.Pool("database", "bad").Open()
				if s := tr.Snapshot().Pools[0]; s.WindowSeconds != 1 {
					t.Errorf("window %vs, want 1s", s.WindowSeconds)
				}
				return nil
			},
		},
		{
			Name: "connection clock steps back", API: "conn.WithClock", Input: "the clock steps back 3h (before the tracker was made) and forward again",
			Result: "no time passed: no negative age or lifetime, and a use while it is behind does not make the connection expire early",
			Call: func(t *testing.T, r *badRig) error {
				tr := r.New(conn.WithRetention(time.Second))
				p := tr.Pool("database", "bad")
				c, ended := p.Open(), p.Open()
				r.Clock.Advance(900 * time.Millisecond)
				c.Use()
				r.Clock.Advance(-3 * time.Hour)
				c.Use()
				ended.Close()
				s := tr.Snapshot().Pools[0]
				if s.OldestSeconds < 0 || s.MeanAgeSeconds < 0 || s.WindowCoveredSeconds < 0 || c.Age() < 0 {
					t.Errorf("negative while the clock is behind: %+v, age %v", s, c.Age())
				}
				r.Clock.Advance(3*time.Hour + 500*time.Millisecond) // 0.5s after the last use
				if s := tr.Snapshot().Pools[0]; s.Expired != 0 || s.Open != 1 {
					t.Errorf("%d expired, %d open 0.5s after the last use; want 0 and 1", s.Expired, s.Open)
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badinput.WantHist(t, rm, 1, 0, semconv.ConnectionDuration.Name, bad...)
			},
		},
		{
			Name: "pool limit", API: "conn.Tracker.Pool", Input: "a second pool under WithMaxPools(1)",
			Result: "folded into the overflow pool; conn.ErrPoolLimit to otel.Handle once",
			Call: func(t *testing.T, r *badRig) error {
				warnings := badinput.LimitWarnings(t)
				tr := r.New(conn.WithMaxPools(1))
				tr.Pool("database", "first").Open()
				for _, name := range []string{"second", "third"} {
					if p := tr.Pool("database", name); p.Name() != "" {
						t.Errorf("pool %q past the limit has a series of its own", name)
					}
					tr.Pool("database", name).Open()
				}
				if len(*warnings) != 1 || !errors.Is((*warnings)[0], conn.ErrPoolLimit) {
					t.Errorf("warnings %v, want one ErrPoolLimit", *warnings)
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.ConnectionCount.Name, semconv.Overflow)
			},
		},
	}
}
