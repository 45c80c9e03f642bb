package sqldb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/semconv"
)

// badCase is one bad input: the call that makes it, and what the
// documentation says comes of it.
type badCase struct {
	name   string
	api    string // the API called
	input  string // the bad input, for people
	result string // the documented outcome, for people
	// call makes the bad call and returns the error the API returned (nil
	// for APIs without one). It may check more itself.
	call func(t *testing.T, r *badRig) error
	// want is the error call must return, matched with errors.Is; nil
	// means none.
	want error
}

// badRig is the world of one case: a tracker and a MeterProvider read
// through their own ManualReader, and a database of a fake driver.
type badRig struct {
	tr     *conn.Tracker
	mp     *sdkmetric.MeterProvider
	reader *sdkmetric.ManualReader
	db     *sql.DB
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := &badRig{reader: sdkmetric.NewManualReader()}
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() { _ = r.mp.Shutdown(context.Background()) })
	var err error
	if r.tr, err = conn.New(conn.WithMeterProvider(r.mp)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.tr.Shutdown(context.Background()) })
	r.db = sql.OpenDB(plainConnector{&plainDriver{}})
	t.Cleanup(func() { _ = r.db.Close() })
	return r
}

// poolNames returns the pool names of the db.client.connection.count
// points of a collection.
func (r *badRig) poolNames(t *testing.T) []string {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != semconv.DBClientConnectionCount.Name {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				v, _ := dp.Attributes.Value(semconv.DBClientConnectionPoolNameKey)
				if s := v.AsString(); !seen[s] {
					seen[s] = true
					names = append(names, s)
				}
			}
		}
	}
	return names
}

// registerName registers the stats of the rig's database as pool name and
// checks that it is reported as want alone.
func registerName(t *testing.T, r *badRig, name, want string) error {
	t.Helper()
	reg, err := sqldb.RegisterStats(r.db, name, sqldb.WithMeterProvider(r.mp))
	if err != nil {
		return err
	}
	defer reg.Unregister()
	got := r.poolNames(t)
	if len(got) != 1 || got[0] != want {
		var n int
		if len(got) > 0 {
			n = len(got[0])
		}
		t.Errorf("pool names %.60q (the first of %d bytes), want [%.60q] (%d bytes)", got, n, want, len(want))
	}
	return nil
}

// nilConnDriver connects without error and without a connection.
type nilConnDriver struct{}

func (nilConnDriver) Open(string) (driver.Conn, error) { return nil, nil }

type nilConnConnector struct{}

func (nilConnConnector) Connect(context.Context) (driver.Conn, error) { return nil, nil }
func (nilConnConnector) Driver() driver.Driver                        { return nilConnDriver{} }

// ptrConnector is a connector with pointer receivers, to be passed as a
// typed nil.
type ptrConnector struct{ d plainDriver }

func (c *ptrConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("dsn") }
func (c *ptrConnector) Driver() driver.Driver                        { return &c.d }

func badCases() []badCase {
	mib := strings.Repeat("p", 1<<20)
	ping := func(db *sql.DB) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return db.PingContext(ctx)
	}
	return []badCase{
		{
			name: "register stats nil db", api: "sqldb.RegisterStats", input: "db: nil",
			result: "sqldb.ErrNilDB; a non-nil registration of nothing, whose Unregister returns nil", want: sqldb.ErrNilDB,
			call: func(t *testing.T, r *badRig) error {
				reg, err := sqldb.RegisterStats(nil, "p", sqldb.WithMeterProvider(r.mp))
				if reg == nil {
					t.Fatal("nil registration")
				}
				if err := reg.Unregister(); err != nil {
					t.Errorf("Unregister: %v", err)
				}
				if names := r.poolNames(t); len(names) != 0 {
					t.Errorf("pools %q reported", names)
				}
				return err
			},
		},
		{
			name: "register stats invalid UTF-8 name", api: "sqldb.RegisterStats", input: `poolName "orders\xff"`,
			result: `reported as "orders\uFFFD"`,
			call:   func(t *testing.T, r *badRig) error { return registerName(t, r, "orders\xff", "orders\uFFFD") },
		},
		{
			name: "register stats 1 MiB name", api: "sqldb.RegisterStats", input: "poolName of 1 MiB",
			result: "reported cut to semconv.MaxValueLength (256 bytes)",
			call:   func(t *testing.T, r *badRig) error { return registerName(t, r, mib, mib[:semconv.MaxValueLength]) },
		},
		{
			name: "register stats name cut inside a rune", api: "sqldb.RegisterStats", input: "poolName of 300 bytes of é",
			result: "reported cut on a rune boundary to 256 bytes",
			call: func(t *testing.T, r *badRig) error {
				return registerName(t, r, strings.Repeat("é", 150), strings.Repeat("é", 128))
			},
		},
		{
			name: "register stats empty name", api: "sqldb.RegisterStats", input: `poolName ""`,
			result: `reported as "unknown"`,
			call:   func(t *testing.T, r *badRig) error { return registerName(t, r, "", "unknown") },
		},
		{
			name: "register stats nil option", api: "sqldb.RegisterStats", input: "opts: nil",
			result: "ignored",
			call: func(t *testing.T, r *badRig) error {
				reg, err := sqldb.RegisterStats(r.db, "p", nil, sqldb.WithMeterProvider(r.mp), nil)
				if err == nil {
					defer reg.Unregister()
					if names := r.poolNames(t); len(names) != 1 {
						t.Errorf("pools %q, want [p]", names)
					}
				}
				return err
			},
		},
		{
			name: "register stats nil meter provider", api: "sqldb.WithMeterProvider", input: "mp: nil",
			result: "keeps the global MeterProvider",
			call: func(t *testing.T, r *badRig) error {
				reg, err := sqldb.RegisterStats(r.db, "p", sqldb.WithMeterProvider(nil))
				if err == nil {
					err = reg.Unregister()
				}
				return err
			},
		},
		{
			name: "connector nil connector", api: "sqldb.Connector", input: "c: nil",
			result: "Connect and the driver's Open return sqldb.ErrNilConnector", want: sqldb.ErrNilConnector,
			call: func(t *testing.T, r *badRig) error {
				c := sqldb.Connector(nil, r.tr.Pool("database", "bad"))
				if _, err := c.Driver().Open("dsn"); !errors.Is(err, sqldb.ErrNilConnector) {
					t.Errorf("Driver().Open: %v", err)
				}
				_, err := c.Connect(context.Background())
				return err
			},
		},
		{
			name: "connector nil pointer", api: "sqldb.Connector", input: "c: a nil *T connector",
			result: "Connect returns sqldb.ErrNilConnector", want: sqldb.ErrNilConnector,
			call: func(t *testing.T, r *badRig) error {
				var c *ptrConnector
				_, err := sqldb.Connector(c, r.tr.Pool("database", "bad")).Connect(context.Background())
				return err
			},
		},
		{
			name: "connector nil pool", api: "sqldb.Connector", input: "pool: nil",
			result: "returns c itself: nothing tracked",
			call: func(t *testing.T, _ *badRig) error {
				c := plainConnector{&plainDriver{}}
				if got := sqldb.Connector(c, nil); got != driver.Connector(c) {
					t.Errorf("Connector(c, nil) = %T, want c", got)
				}
				return nil
			},
		},
		{
			name: "connector nil connector and pool", api: "sqldb.Connector", input: "c: nil, pool: nil",
			result: "Connect returns sqldb.ErrNilConnector", want: sqldb.ErrNilConnector,
			call: func(t *testing.T, _ *badRig) error {
				_, err := sqldb.Connector(nil, nil).Connect(context.Background())
				return err
			},
		},
		{
			name: "open db nil connector", api: "sqldb.OpenDB", input: "c: nil",
			result: "a database whose queries fail with sqldb.ErrNilConnector", want: sqldb.ErrNilConnector,
			call: func(t *testing.T, r *badRig) error {
				db := sqldb.OpenDB(nil, r.tr.Pool("database", "bad"))
				defer db.Close()
				_ = db.Driver()
				return ping(db)
			},
		},
		{
			name: "open db nil pool", api: "sqldb.OpenDB", input: "pool: nil",
			result: "a working database, untracked",
			call: func(t *testing.T, r *badRig) error {
				db := sqldb.OpenDB(plainConnector{&plainDriver{}}, nil)
				defer db.Close()
				if err := ping(db); err != nil {
					return err
				}
				if n := len(r.tr.Snapshot().Pools); n != 0 {
					t.Errorf("%d pools tracked", n)
				}
				return nil
			},
		},
		{
			name: "open nil pool", api: "sqldb.Open", input: "pool: nil",
			result: "a working database, untracked",
			call: func(t *testing.T, _ *badRig) error {
				name := fmt.Sprintf("vitals-plain-%d", plainDrivers.Add(1))
				sql.Register(name, &plainDriver{})
				db, err := sqldb.Open(name, "dsn", nil)
				if err != nil {
					return err
				}
				defer db.Close()
				return ping(db)
			},
		},
		{
			name: "open unknown driver", api: "sqldb.Open", input: `driverName "no-such-driver"`,
			result: "the error of sql.Open, no database",
			call: func(t *testing.T, r *badRig) error {
				db, err := sqldb.Open("no-such-driver", "dsn", r.tr.Pool("database", "bad"))
				if err == nil || db != nil {
					t.Errorf("Open = %v, %v; want nil and an error", db, err)
				}
				return nil
			},
		},
		{
			name: "driver returns no connection", api: "sqldb.Connector", input: "a driver.Connector returning (nil, nil)",
			result: "an error from Connect and the query; no connection tracked",
			call: func(t *testing.T, r *badRig) error {
				db := sqldb.OpenDB(nilConnConnector{}, r.tr.Pool("database", "bad"))
				defer db.Close()
				if err := ping(db); err == nil {
					t.Error("ping succeeded without a connection")
				}
				if s := r.tr.Snapshot().Pools[0]; s.Created != 0 {
					t.Errorf("%d connections created", s.Created)
				}
				return nil
			},
		},
		{
			name: "track stats nil db", api: "sqldb.TrackStats", input: "db: nil",
			result: "no-op",
			call: func(t *testing.T, r *badRig) error {
				sqldb.TrackStats(nil, r.tr.Pool("database", "bad"))
				if r.tr.Snapshot().Pools[0].StatsReported {
					t.Error("stats reported for a nil database")
				}
				return nil
			},
		},
		{
			name: "track stats nil pool", api: "sqldb.TrackStats", input: "pool: nil",
			result: "no-op",
			call: func(t *testing.T, r *badRig) error {
				sqldb.TrackStats(r.db, nil)
				return nil
			},
		},
	}
}

// TestBadInputSQLDB runs every bad input of badCases on a fresh rig: each
// must not panic, and must return its documented error.
func TestBadInputSQLDB(t *testing.T) {
	cases := badCases()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			r := newBadRig(t)
			err := badNoPanic(t, func() error { return tc.call(t, r) })
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	if testing.Verbose() {
		t.Log("\n" + badTable(cases))
	}
}

// badNoPanic runs f, failing t if it panics.
func badNoPanic(t *testing.T, f func() error) error {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return f()
}

// badTable renders the cases as a Markdown table.
func badTable(cases []badCase) string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| case | API | input | result |\n|---|---|---|---|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(c.name), cell(c.api), cell(c.input), cell(c.result))
	}
	return b.String()
}
