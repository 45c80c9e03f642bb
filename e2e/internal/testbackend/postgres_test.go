//go:build unix

package testbackend

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

func openPostgres(t *testing.T, pg *Postgres) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPostgres runs SQL through pgx's database/sql driver against a real
// cluster and checks the settings StartPostgres promises.
func TestPostgres(t *testing.T) {
	start := time.Now()
	pg := StartPostgres(t)
	t.Logf("cluster started in %v", time.Since(start).Round(time.Millisecond))
	db := openPostgres(t, pg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var one int
	if err := db.QueryRowContext(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select 1 = %d, %v", one, err)
	}
	var version int
	if err := db.QueryRowContext(ctx, "select current_setting('server_version_num')::int").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version/10000 != 15 {
		t.Errorf("server_version_num %d, want PostgreSQL 15", version)
	}
	for name, want := range map[string]string{
		"fsync":              "off",
		"synchronous_commit": "off",
		"full_page_writes":   "off",
		"max_connections":    "200",
		"listen_addresses":   "127.0.0.1",
		"server_encoding":    "UTF8",
		"lc_collate":         "C.UTF-8",
	} {
		var got string
		if err := db.QueryRowContext(ctx, "select current_setting($1)", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	if _, err := db.ExecContext(ctx, "create table pools (id int primary key, name text not null)"); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: "main", 2: "replica", 3: "ünïcode"}
	for id, name := range want {
		if _, err := db.ExecContext(ctx, "insert into pools (id, name) values ($1, $2)", id, name); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.QueryContext(ctx, "select id, name from pools order by id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]string{}
	for rows.Next() {
		var id int
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		got[id] = name
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read back %v, want %v", got, want)
	}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("row %d: name %q, want %q", id, got[id], name)
		}
	}
}

// TestPostgresConcurrentConnections opens 20 connections at once and
// counts them from the server's side.
func TestPostgresConcurrentConnections(t *testing.T) {
	const n = 20
	pg := StartPostgres(t)
	db := openPostgres(t, pg)
	db.SetMaxOpenConns(n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conns := make([]*sql.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c, err := db.Conn(ctx)
			if err == nil {
				err = c.PingContext(ctx)
			}
			conns[i], errs[i] = c, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	var open int
	err := conns[0].QueryRowContext(ctx, `select count(*) from pg_stat_activity
		where backend_type = 'client backend' and datname = current_database()`).Scan(&open)
	if err != nil {
		t.Fatal(err)
	}
	if open != n {
		t.Errorf("the server sees %d client connections, want %d", open, n)
	}
	if s := db.Stats(); s.OpenConnections != n || s.InUse != n {
		t.Errorf("the pool holds %d connections, %d in use; want %d, all in use", s.OpenConnections, s.InUse, n)
	}
	for _, c := range conns {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}
}

// TestPostgresRestart stops and starts the cluster, then kills and starts
// it, as tests of connection loss will.
func TestPostgresRestart(t *testing.T) {
	pg := StartPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := openPostgres(t, pg)
	if _, err := db.ExecContext(ctx, "create table kept (v int); insert into kept values (42)"); err != nil {
		t.Fatal(err)
	}
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	pg.Stop()
	if err := c.PingContext(ctx); err == nil {
		t.Error("a connection survived Stop")
	}
	pg.Stop() // a no-op
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	if err := pg.Start(); err == nil {
		t.Error("Start of a running cluster returned no error")
	}
	var v int
	if err := openPostgres(t, pg).QueryRowContext(ctx, "select v from kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("after a restart: select v = %d, %v; want 42", v, err)
	}

	pg.Kill()
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	var one int
	if err := openPostgres(t, pg).QueryRowContext(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after a crash: select 1 = %d, %v", one, err)
	}
}

// TestPostgresMissingSkips checks that without the programs, and without
// VITALS_REQUIRE_BACKENDS=1, a test is skipped rather than failed.
func TestPostgresMissingSkips(t *testing.T) {
	t.Setenv(PostgresBinEnv, "/nonexistent")
	t.Setenv(RequireEnv, "")
	var skipped bool
	t.Run("start", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		StartPostgres(t)
		t.Error("StartPostgres returned without the programs")
	})
	if !skipped {
		t.Error("the test was not skipped")
	}
}

// TestTraversable checks the check that tells why PostgreSQL, run as
// another user, could not reach its directory.
func TestTraversable(t *testing.T) {
	top, err := os.MkdirTemp("", "vitals-traversable-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(top)
	inner := filepath.Join(top, "inner")
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	other := &syscall.Credential{Uid: 65534, Gid: 65534} // nobody
	if err := os.Chmod(top, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := traversable(inner, other); err == nil || !strings.Contains(err.Error(), top) {
		t.Errorf("traversable through a 0700 directory of another user: %v, want an error naming %s", err, top)
	}
	if err := os.Chmod(top, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := traversable(inner, other); err != nil {
		t.Errorf("traversable through 0711: %v", err)
	}
}
