package sqldb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"testing"
	"time"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/sqldb"
)

// plainConnector connects through a plainDriver.
type plainConnector struct{ d *plainDriver }

func (c plainConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("dsn") }
func (c plainConnector) Driver() driver.Driver                        { return c.d }

// TestTrackStats checks that Open and OpenDB give the conn pool the
// database's statistics: with SetMaxOpenConns(2) and two connections held,
// a third caller waits, and the snapshot reads the maximum, the
// connections in use and the wait.
func TestTrackStats(t *testing.T) {
	tests := []struct {
		name string
		open func(t *testing.T, pool *conn.Pool) *sql.DB
	}{
		{"Open", func(t *testing.T, pool *conn.Pool) *sql.DB {
			name := fmt.Sprintf("vitals-plain-%d", plainDrivers.Add(1))
			sql.Register(name, &plainDriver{})
			db, err := sqldb.Open(name, "dsn", pool)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}},
		{"OpenDB", func(_ *testing.T, pool *conn.Pool) *sql.DB {
			return sqldb.OpenDB(plainConnector{&plainDriver{}}, pool)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			tr := newTracker(t)
			db := tt.open(t, tr.Pool("database", "stats"))
			defer db.Close()
			db.SetMaxOpenConns(2)
			pool := func() conn.Entry { return tr.Snapshot().Pools[0] }

			if s := pool(); !s.StatsReported || s.MaxOpen != 2 || s.InUse != 0 || !s.InUseKnown {
				t.Fatalf("idle: stats reported %v, max open %d, in use %d (known %v); want true, 2, 0, true",
					s.StatsReported, s.MaxOpen, s.InUse, s.InUseKnown)
			}
			a, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			b, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			third := make(chan *sql.Conn, 1)
			go func() {
				c, err := db.Conn(ctx) // waits: both connections are held
				if err != nil {
					t.Error(err)
				}
				third <- c
			}()
			deadline := time.Now().Add(10 * time.Second)
			for pool().Waits == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the third caller never waited")
				}
				time.Sleep(time.Millisecond)
			}
			s := pool()
			if s.MaxOpen != 2 || s.InUse != 2 || s.Waits != 1 || s.WindowWaits != 1 || s.Open != 2 {
				t.Errorf("two held, one waiting: max open %d, in use %d, waits %d (in the window %d), open %d; want 2, 2, 1, 1, 2",
					s.MaxOpen, s.InUse, s.Waits, s.WindowWaits, s.Open)
			}

			if err := a.Close(); err != nil { // hands its connection to the waiter
				t.Fatal(err)
			}
			c := <-third
			if c == nil {
				t.FailNow()
			}
			if s := pool(); s.InUse != 2 || s.Waits != 1 || s.WaitSeconds <= 0 {
				t.Errorf("after the wait: in use %d, waits %d, wait %vs; want 2, 1, > 0", s.InUse, s.Waits, s.WaitSeconds)
			}
			for _, c := range []*sql.Conn{b, c} {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if s := pool(); s.InUse != 0 || s.Open != 2 {
				t.Errorf("all returned: in use %d, open %d; want 0, 2", s.InUse, s.Open)
			}
		})
	}
}

// TestTrackStatsNil checks that TrackStats ignores a nil database or pool.
func TestTrackStatsNil(t *testing.T) {
	tr := newTracker(t)
	pool := tr.Pool("database", "nil")
	sqldb.TrackStats(nil, pool)
	db := sql.OpenDB(plainConnector{&plainDriver{}})
	defer db.Close()
	sqldb.TrackStats(db, nil)
	if s := tr.Snapshot().Pools[0]; s.StatsReported {
		t.Error("stats reported for a nil database")
	}
}
