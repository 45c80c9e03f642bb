package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/sqldb"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestPostgresRotation runs 200 concurrent queries for 6 s through a pool of
// at most 5 connections that each live at most 2 s, against a real
// PostgreSQL, exporting over OTLP to a real collector. What the collector
// receives must show at most 5 open connections, rotation (more than 5
// created, some destroyed with lifetimes in the 1–5 s bucket) and callers
// waiting for connections.
func TestPostgresRotation(t *testing.T) {
	pg := testbackend.StartPostgres(t)
	col := testbackend.StartCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint(col.GRPCEndpoint),
		exporters.WithExportInterval(500*time.Millisecond),
	))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open("pgx", pg.DSN, tr.Pool("database", "primary"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(5)
	db.SetConnMaxLifetime(2 * time.Second)
	reg, err := sqldb.RegisterStats(db, "primary", sqldb.WithMeterProvider(sys.MeterProvider()))
	if err != nil {
		t.Fatal(err)
	}

	runFor := 6 * time.Second
	deadline := time.Now().Add(runFor)
	var wg sync.WaitGroup
	var queries sync.Map
	for w := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for time.Now().Before(deadline) {
				var one int
				if err := db.QueryRowContext(ctx, "select 1 from pg_sleep(0.005)").Scan(&one); err != nil {
					t.Error(err)
					return
				}
				n++
			}
			queries.Store(w, n)
		}()
	}
	wg.Wait()
	stats := db.Stats()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	snap := tr.Snapshot().Pools[0]
	// Shutdown's final export carries the tracker's values after db.Close;
	// the tracker stops after it.
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("DBStats: %+v", stats)
	t.Logf("tracker: %+v", snap)

	pts, err := col.Points()
	if err != nil {
		t.Fatal(err)
	}
	pool := map[string]string{
		string(semconv.ConnectionTypeKey):     "database",
		string(semconv.ConnectionPoolNameKey): "primary",
	}
	var opens []int64
	last := map[string]testbackend.Point{}
	for _, p := range pts {
		switch p.Metric {
		case semconv.ConnectionCount.Name:
			opens = append(opens, p.Int)
		case semconv.ConnectionEvents.Name:
			last[p.Attrs[string(semconv.ConnectionEventKey)]] = p
		case semconv.ConnectionDuration.Name, semconv.DBConnectionWaits.Name:
			last[p.Metric] = p
		}
	}
	if len(opens) < 5 {
		t.Fatalf("collector received %d points of %s over 6 s of 0.5 s exports", len(opens), semconv.ConnectionCount.Name)
	}
	if m := slices.Max(opens); m > 5 {
		t.Errorf("open connections peaked at %d with SetMaxOpenConns(5)", m)
	}
	if c := last["created"]; c.Int <= 5 || !contains(c.Attrs, pool) {
		t.Errorf("created %d (%v): want more than 5, as connections rotate every 2 s", c.Int, c.Attrs)
	}
	if d := last["destroyed"]; d.Int <= 0 {
		t.Errorf("destroyed %d, want > 0", d.Int)
	}
	life := last[semconv.ConnectionDuration.Name]
	if i := slices.Index(life.Bounds, 5); i < 0 || life.BucketCounts[i] == 0 {
		t.Errorf("lifetimes %v over bounds %v: want some in (1, 5]", life.BucketCounts, life.Bounds)
	}
	if w := last[semconv.DBConnectionWaits.Name]; w.Int <= 0 || w.Attrs[string(semconv.DBClientConnectionPoolNameKey)] != "primary" {
		t.Errorf("DBStats waits %+v, want > 0 for pool primary", w)
	}
	if snap.Created != last["created"].Int || snap.Destroyed != last["destroyed"].Int {
		t.Errorf("collector's last values (created %d, destroyed %d) differ from the tracker's final %d, %d",
			last["created"].Int, last["destroyed"].Int, snap.Created, snap.Destroyed)
	}
}

func contains(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

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

// TestPostgresThroughTrackedConnections runs what applications do with a
// database/sql pool against a real PostgreSQL through tracked connections:
// statements with arguments, prepared statements, transactions with an
// isolation level and read-only, rollbacks and pings. Each behaves as
// without vitals, and the one connection is counted once created, reused
// on every return to the pool, and destroyed at Close.
func TestPostgresThroughTrackedConnections(t *testing.T) {
	pg := testbackend.StartPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := newTracker(t)
	db, err := sqldb.Open("pgx", pg.DSN, tr.Pool("database", "primary"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: the temporary table stays visible
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	count := func() (n int) {
		t.Helper()
		if err := db.QueryRowContext(ctx, "select count(*) from items").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	exec("create temporary table items (id bigint primary key, name text, added timestamptz, data bytea)")
	exec("insert into items values ($1, $2, $3, $4)", int64(1), "one", time.Now(), []byte{0, 1})
	exec("insert into items values ($1, $2, $3, $4)", 2, "two", nil, nil)

	stmt, err := db.PrepareContext(ctx, "insert into items (id, name) values ($1, $2)")
	if err != nil {
		t.Fatal(err)
	}
	for i := 3; i <= 5; i++ {
		if _, err := stmt.ExecContext(ctx, i, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := stmt.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 5 {
		t.Fatalf("%d rows after inserts and a prepared statement, want 5", n)
	}

	// A read-only serializable transaction: the settings reach the server.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var isolation, readOnly string
	if err := tx.QueryRowContext(ctx, "select current_setting('transaction_isolation'), current_setting('transaction_read_only')").Scan(&isolation, &readOnly); err != nil {
		t.Fatal(err)
	}
	if isolation != "serializable" || readOnly != "on" {
		t.Errorf("transaction isolation %q, read only %q; want serializable, on", isolation, readOnly)
	}
	// Temporary tables stay writable in a read-only transaction; a new
	// table does not.
	if _, err := tx.ExecContext(ctx, "create table probe (id bigint)"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("create table in a read-only transaction: %v, want PostgreSQL's read-only error", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// Rolled back, then committed.
	for _, commit := range []bool{false, true} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "insert into items (id) values (7)"); err != nil {
			t.Fatal(err)
		}
		end := tx.Rollback
		if commit {
			end = tx.Commit
		}
		if err := end(); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 6 {
		t.Errorf("%d rows after a rollback and a commit, want 6", n)
	}
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}

	before := tr.Snapshot().Pools[0]
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	after := tr.Snapshot().Pools[0]
	if before.Created != 1 || before.Open != 1 || before.Reused < 10 {
		t.Errorf("before Close: created %d, open %d, reused %d; want 1, 1 and one reuse per statement (at least 10)",
			before.Created, before.Open, before.Reused)
	}
	if after.Destroyed != 1 || after.Open != 0 {
		t.Errorf("after Close: destroyed %d, open %d; want 1, 0", after.Destroyed, after.Open)
	}
}
