//go:build !unix

package testbackend

import "testing"

// Postgres is a PostgreSQL server started by [StartPostgres]; it runs on
// unix systems only.
type Postgres struct {
	// DSN and Addr are as on unix systems; StartPostgres never returns a
	// Postgres here.
	DSN  string
	Addr string
}

// StartPostgres skips t, or fails it under VITALS_REQUIRE_BACKENDS=1: the
// PostgreSQL backend runs initdb and the server as another user, which
// this package does on unix systems only.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	missing(t, "the PostgreSQL backend runs on unix systems only")
	return nil
}

// Start does nothing here.
func (p *Postgres) Start() error { return nil }

// Stop does nothing here.
func (p *Postgres) Stop() {}

// Kill does nothing here.
func (p *Postgres) Kill() {}
