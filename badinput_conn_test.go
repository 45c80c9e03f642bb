package vitals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func badConnCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badReasons(semconv.SignalConnection, reasons...) }
	bad := []attribute.KeyValue{semconv.ConnectionTypeKey.String("database"), semconv.ConnectionPoolKey.String("bad")}
	event := func(e string) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), bad...), semconv.ConnectionEventKey.String(e))
	}
	return []badCase{
		{
			name: "track nil function", api: "conn.Pool.Track", input: "fn: nil",
			result: "conn.ErrNilFunc, counted nil_function; no connection opened", want: conn.ErrNilFunc, counts: reject("nil_function"),
			call: func(t *testing.T, r *badRig) error {
				return r.conns.Pool("database", "bad").Track(nil)
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
			},
		},
		{
			name: "wrap nil function", api: "conn.Wrap", input: "fn: nil, called twice",
			result: "each call conn.ErrNilFunc, counted nil_function; no connection opened", want: conn.ErrNilFunc,
			counts: reject("nil_function", "nil_function"),
			call: func(t *testing.T, r *badRig) error {
				f := conn.Wrap(r.conns.Pool("database", "bad"), nil)
				if err := f(); !errors.Is(err, conn.ErrNilFunc) {
					t.Errorf("first call: %v", err)
				}
				return f()
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
			},
		},
		{
			name: "pool empty type", api: "conn.Tracker.Pool", input: `type ""`,
			result: `cleaned to "unknown", counted empty_name`, counts: reject("empty_name"),
			call: func(t *testing.T, r *badRig) error {
				if p := r.conns.Pool("", "bad"); p.Type() != "unknown" {
					t.Errorf("type %q", p.Type())
				}
				return nil
			},
		},
		{
			name: "pool 1 MiB name", api: "conn.Tracker.Pool", input: "name of 1 MiB",
			result: "cut to MaxNameLength (256 bytes), counted name_too_long", counts: reject("name_too_long"),
			call: func(t *testing.T, r *badRig) error {
				p := r.conns.Pool("database", badMiB)
				p.Open()
				if len(p.Name()) != conn.MaxNameLength {
					t.Errorf("name of %d bytes", len(p.Name()))
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionOpen.Name, semconv.ConnectionPoolKey.String(badMiB[:conn.MaxNameLength]))
			},
		},
		{
			name: "pool invalid UTF-8 name", api: "conn.Tracker.Pool", input: `name "pool\xff\xfe"`,
			result: "invalid bytes become U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				if p := r.conns.Pool("database", badInvalid); p.Name() != "pool\uFFFD" {
					t.Errorf("name %q", p.Name())
				}
				return nil
			},
		},
		{
			name: "connection closed twice", api: "conn.Conn.Close", input: "second Close",
			result: "no-op, counted double_close; destroyed once", counts: reject("double_close"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Close()
				c.Close()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
				metrictest.Want(t, rm, int64(0), semconv.ConnectionOpen.Name, bad...)
				badWantHist(t, rm, 1, 0, semconv.ConnectionLifetime.Name, bad...)
			},
		},
		{
			name: "use after close", api: "conn.Conn.Use", input: "Use after Close",
			result: "no-op, counted use_after_close", counts: reject("use_after_close"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Close()
				c.Use()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			name: "acquire after close", api: "conn.Conn.Acquire", input: "Acquire after Close",
			result: "no-op, counted use_after_close", counts: reject("use_after_close"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Close()
				c.Acquire()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionOpen.Name, bad...)
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			name: "release without acquire", api: "conn.Conn.Release", input: "Release of an idle connection",
			result: "no-op, counted release_not_acquired", counts: reject("release_not_acquired"),
			call: func(t *testing.T, r *badRig) error {
				r.conns.Pool("database", "bad").Open().Release()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionOpen.Name, bad...)
			},
		},
		{
			name: "release twice", api: "conn.Conn.Release", input: "Acquire, Release, Release",
			result: "second is a no-op, counted release_not_acquired; 0 used, 1 idle", counts: reject("release_not_acquired"),
			call: func(t *testing.T, r *badRig) error {
				c := r.conns.Pool("database", "bad").Open()
				c.Acquire()
				c.Release()
				c.Release()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				state := func(s string) []attribute.KeyValue {
					return append(append([]attribute.KeyValue(nil), bad...), semconv.ConnectionStateKey.String(s))
				}
				metrictest.Want(t, rm, int64(0), semconv.ConnectionOpen.Name, state(semconv.ConnectionStateUsed)...)
				metrictest.Want(t, rm, int64(1), semconv.ConnectionOpen.Name, state(semconv.ConnectionStateIdle)...)
			},
		},
		{
			name: "keyed empty ID", api: "conn.Tracker.Created", input: `id ""`,
			result: "conn.ErrEmptyID, counted empty_id, nothing created", want: conn.ErrEmptyID, counts: reject("empty_id"),
			call: func(t *testing.T, r *badRig) error { return r.conns.Created("", "database", "bad") },
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantNone(t, rm, semconv.ConnectionEvents.Name, bad...)
			},
		},
		{
			name: "keyed duplicate ID", api: "conn.Tracker.Created", input: "an ID already open",
			result: "conn.ErrDuplicateConnection, counted duplicate_id; created once", want: conn.ErrDuplicateConnection, counts: reject("duplicate_id"),
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.conns.Created("c1", "database", "bad"))
				return r.conns.Created("c1", "database", "bad")
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventCreated)...)
			},
		},
		{
			name: "keyed unknown ID", api: "conn.Tracker.Used", input: "an ID never created",
			result: "conn.ErrUnknownConnection, counted unknown_id", want: conn.ErrUnknownConnection, counts: reject("unknown_id"),
			call: func(t *testing.T, r *badRig) error { return r.conns.Used("never") },
		},
		{
			name: "keyed empty ID use", api: "conn.Tracker.Used", input: `id ""`,
			result: "conn.ErrEmptyID, counted empty_id", want: conn.ErrEmptyID, counts: reject("empty_id"),
			call: func(t *testing.T, r *badRig) error { return r.conns.Used("") },
		},
		{
			name: "keyed destroyed twice", api: "conn.Tracker.Destroyed", input: "second Destroyed of an ID",
			result: "conn.ErrUnknownConnection, counted unknown_id; destroyed once", want: conn.ErrUnknownConnection, counts: reject("unknown_id"),
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.conns.Created("c1", "database", "bad"))
				badFatal(t, r.conns.Destroyed("c1"))
				return r.conns.Destroyed("c1")
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventDestroyed)...)
				badWantHist(t, rm, 1, 0, semconv.ConnectionLifetime.Name, bad...)
			},
		},
		{
			name: "keyed use after destroyed", api: "conn.Tracker.Used", input: "Used after Destroyed",
			result: "conn.ErrUnknownConnection, counted unknown_id", want: conn.ErrUnknownConnection, counts: reject("unknown_id"),
			call: func(t *testing.T, r *badRig) error {
				badFatal(t, r.conns.Created("c1", "database", "bad"))
				badFatal(t, r.conns.Destroyed("c1"))
				return r.conns.Used("c1")
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.ConnectionEvents.Name, event(semconv.ConnectionEventReused)...)
			},
		},
		{
			name: "keyed 1 MiB invalid UTF-8 ID", api: "conn.Tracker.Created/Used/Destroyed", input: "id of 1 MiB with invalid UTF-8",
			result: "a valid key: IDs are never exported; created, used, destroyed once each",
			call: func(t *testing.T, r *badRig) error {
				id := badMiB + "\xff"
				return errors.Join(r.conns.Created(id, "database", "bad"), r.conns.Used(id), r.conns.Destroyed(id))
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				for _, e := range []string{semconv.ConnectionEventCreated, semconv.ConnectionEventReused, semconv.ConnectionEventDestroyed} {
					metrictest.Want(t, rm, int64(1), semconv.ConnectionEvents.Name, event(e)...)
				}
			},
		},
		{
			name: "connection tracker use after close", api: "conn.Tracker.Close", input: "handles and keyed API used after Close, Close twice",
			result: "no-op: nothing reported or counted; second Close nil",
			call: func(t *testing.T, r *badRig) error {
				err := r.closeConns()
				c := r.conns.Pool("database", "after").Open()
				c.Acquire()
				c.Release()
				c.Close()
				c.Close()
				c.Use()
				_ = r.conns.Created("c1", "database", "after")
				_ = r.conns.Used("never")
				return err
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "after"); len(names) > 0 {
					t.Errorf("reported after Close: %v", names)
				}
			},
		},
		{
			name: "nil connection tracker", api: "conn.Tracker (nil)", input: "every method of a nil *conn.Tracker",
			result: `no-ops: Pool nil, keyed API nil (conn.ErrEmptyID for id ""), empty Snapshot, Close nil; nothing counted`, want: conn.ErrEmptyID,
			call: func(t *testing.T, _ *badRig) error {
				var tr *conn.Tracker
				if p := tr.Pool("database", "bad"); p != nil {
					t.Errorf("Pool = %v, want nil", p)
				}
				if err := errors.Join(tr.Created("c1", "database", "bad"), tr.Used("c1"), tr.Destroyed("c1"), tr.Shutdown(context.Background())); err != nil {
					t.Errorf("keyed API and Close: %v, want nil", err)
				}
				if s := tr.Snapshot(); len(s.Pools) != 0 || !s.Time.IsZero() {
					t.Errorf("Snapshot = %+v, want the zero Snapshot", s)
				}
				return errors.Join(tr.Created("", "database", "bad"), tr.Used(""), tr.Destroyed(""))
			},
		},
		{
			name: "nil connection pool", api: "conn.Pool (nil)", input: "every method of a nil *conn.Pool, and conn.Wrap of one",
			result: "no-ops: Open returns a nil Conn, Track and Wrap run fn with it and return its error (conn.ErrNilFunc, uncounted, for a nil fn)", want: conn.ErrNilFunc,
			call: func(t *testing.T, _ *badRig) error {
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
				if err := conn.Wrap(p, fn)(); err != boom {
					t.Errorf("Wrap = %v, want fn's error", err)
				}
				if ran != 2 {
					t.Errorf("fn ran %d times, want 2", ran)
				}
				return p.Track(nil)
			},
		},
		{
			name: "nil connection", api: "conn.Conn (nil)", input: "every method of a nil *conn.Conn",
			result: "no-ops; Age 0",
			call: func(t *testing.T, _ *badRig) error {
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
			name: "retention 1ns", api: "conn.WithRetention", input: "1ns",
			result: "clamped to conn.MinRetention (1s): an idle connection expires after 1s, and the expiry goroutine ticks every 250ms, not every ns",
			call: func(t *testing.T, r *badRig) error {
				tr, err := conn.New(conn.WithMeterProvider(r.reader.Provider), conn.WithClock(r.clock.Now), conn.WithRetention(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
				tr.Pool("database", "bad").Open()
				for _, step := range []struct {
					after   time.Duration
					expired int64
				}{{500 * time.Millisecond, 0}, {600 * time.Millisecond, 1}} {
					r.clock.Advance(step.after)
					if s := tr.Snapshot().Pools[0]; s.Expired != step.expired {
						t.Errorf("%d expired after another %v, want %d", s.Expired, step.after, step.expired)
					}
				}
				return nil
			},
		},
		{
			name: "connection window 1ns", api: "conn.WithWindow", input: "1ns",
			result: "clamped to conn.MinWindow (1s), so the window's 30 buckets are 1/30 s wide, never 0",
			call: func(t *testing.T, r *badRig) error {
				tr, err := conn.New(conn.WithMeterProvider(r.reader.Provider), conn.WithClock(r.clock.Now), conn.WithWindow(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
				tr.Pool("database", "bad").Open()
				if s := tr.Snapshot().Pools[0]; s.WindowSeconds != 1 {
					t.Errorf("window %vs, want 1s", s.WindowSeconds)
				}
				return nil
			},
		},
		{
			name: "connection clock steps back", api: "conn.WithClock", input: "the clock steps back 3h (before the tracker was made) and forward again",
			result: "no time passed: no negative age or lifetime, and a use while it is behind does not make the connection expire early",
			call: func(t *testing.T, r *badRig) error {
				tr, err := conn.New(conn.WithMeterProvider(r.reader.Provider), conn.WithClock(r.clock.Now), conn.WithRetention(time.Second))
				badFatal(t, err)
				t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
				p := tr.Pool("database", "bad")
				c, ended := p.Open(), p.Open()
				r.clock.Advance(900 * time.Millisecond)
				c.Use()
				r.clock.Advance(-3 * time.Hour)
				c.Use()
				ended.Close()
				s := tr.Snapshot().Pools[0]
				if s.OldestSeconds < 0 || s.MeanAgeSeconds < 0 || s.WindowCoveredSeconds < 0 || c.Age() < 0 {
					t.Errorf("negative while the clock is behind: %+v, age %v", s, c.Age())
				}
				r.clock.Advance(3*time.Hour + 500*time.Millisecond) // 0.5s after the last use
				if s := tr.Snapshot().Pools[0]; s.Expired != 0 || s.Open != 1 {
					t.Errorf("%d expired, %d open 0.5s after the last use; want 0 and 1", s.Expired, s.Open)
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantHist(t, rm, 1, 0, semconv.ConnectionLifetime.Name, bad...)
			},
		},
		{
			name: "pool limit", api: "conn.Tracker.Pool", input: "a second pool under WithMaxPools(1)",
			result: "folded into the overflow pool; conn.ErrPoolLimit to otel.Handle once",
			call: func(t *testing.T, r *badRig) error {
				warnings := badLimitWarnings(t)
				tr, err := conn.New(conn.WithMeterProvider(r.reader.Provider), conn.WithClock(r.clock.Now), conn.WithMaxPools(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
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
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.ConnectionOpen.Name, semconv.Overflow)
			},
		},
	}
}
