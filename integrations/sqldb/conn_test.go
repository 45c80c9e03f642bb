package sqldb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/sqldb"
)

// newTracker returns a connection tracker closed when t ends.
func newTracker(t *testing.T) *conn.Tracker {
	t.Helper()
	tr, err := conn.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

// TestDriverWithoutOptionalInterfaces opens a database through a driver
// that implements only driver.Driver, Conn, Stmt and Tx, as old drivers do:
// database/sql falls back as it would without vitals, and options the
// driver cannot honour are refused rather than dropped.
func TestDriverWithoutOptionalInterfaces(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t)
	drv := &plainDriver{}
	name := fmt.Sprintf("vitals-plain-%d", plainDrivers.Add(1)) // sql.Register refuses a name twice
	sql.Register(name, drv)
	db, err := sqldb.Open(name, "dsn", tr.Pool("database", "plain"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)

	if _, err := db.ExecContext(ctx, "update", 7, "x"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "select")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() || rows.Close() != nil {
		t.Error("the plain driver's empty result was not empty")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []*sql.TxOptions{{ReadOnly: true}, {Isolation: sql.LevelSerializable}} {
		if _, err := db.BeginTx(ctx, opts); err == nil || !strings.Contains(err.Error(), "neither isolation levels nor read-only") {
			t.Errorf("BeginTx(%+v) through a driver without ConnBeginTx: %v, want refused", opts, err)
		}
	}
	if err := db.PingContext(ctx); err != nil {
		t.Errorf("Ping through a driver without Pinger: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	drv.mu.Lock()
	defer drv.mu.Unlock()
	want := "open dsn; prepare update; exec [7 x]; prepare select; query []; begin; commit; close"
	if got := strings.Join(drv.calls, "; "); got != want {
		t.Errorf("driver calls:\n got %s\nwant %s", got, want)
	}
	if s := tr.Snapshot().Pools[0]; s.Created != 1 || s.Destroyed != 1 {
		t.Errorf("created %d, destroyed %d; want 1, 1", s.Created, s.Destroyed)
	}
}

var plainDrivers atomic.Int64

// plainDriver is a driver with none of the optional interfaces, which
// keeps the calls made to it.
type plainDriver struct {
	mu    sync.Mutex
	calls []string
}

func (d *plainDriver) record(format string, args ...any) {
	d.mu.Lock()
	d.calls = append(d.calls, fmt.Sprintf(format, args...))
	d.mu.Unlock()
}

func (d *plainDriver) Open(dsn string) (driver.Conn, error) {
	d.record("open %s", dsn)
	return plainConn{d}, nil
}

type plainConn struct{ d *plainDriver }

func (c plainConn) Prepare(query string) (driver.Stmt, error) {
	c.d.record("prepare %s", query)
	return plainStmt(c), nil
}

func (c plainConn) Close() error { c.d.record("close"); return nil }

func (c plainConn) Begin() (driver.Tx, error) { c.d.record("begin"); return plainTx(c), nil }

type plainStmt struct{ d *plainDriver }

func (s plainStmt) Close() error  { return nil }
func (s plainStmt) NumInput() int { return -1 }

func (s plainStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.d.record("exec %v", args)
	return driver.RowsAffected(1), nil
}

func (s plainStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.d.record("query %v", args)
	return plainRows{}, nil
}

type plainRows struct{}

func (plainRows) Columns() []string         { return []string{"c"} }
func (plainRows) Close() error              { return nil }
func (plainRows) Next([]driver.Value) error { return io.EOF }

type plainTx struct{ d *plainDriver }

func (tx plainTx) Commit() error   { tx.d.record("commit"); return nil }
func (tx plainTx) Rollback() error { tx.d.record("rollback"); return errors.New("unexpected rollback") }
