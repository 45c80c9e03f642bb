//go:build unix

package testbackend

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PostgresBinEnv names the directory holding PostgreSQL's server programs
// (initdb, pg_ctl, postgres); the default is /usr/lib/postgresql/15/bin,
// from Debian's postgresql-15 package.
const PostgresBinEnv = "VITALS_PGBIN"

const defaultPostgresBin = "/usr/lib/postgresql/15/bin"

// Postgres is a running PostgreSQL cluster of its own: a fresh data
// directory, superuser postgres with trust authentication, UTF8 with the
// C.UTF-8 locale, listening on 127.0.0.1 only and on a unix socket in its
// own directory. It is tuned for tests, not for keeping data: fsync,
// synchronous_commit and full_page_writes are off. max_connections is 200.
//
// Its methods may be called from several goroutines; they are serialized.
type Postgres struct {
	// DSN connects as the superuser postgres to the database postgres over
	// TCP: postgres://postgres@127.0.0.1:port/postgres?sslmode=disable. pgx
	// (and its database/sql driver), lib/pq and psql take it as it is.
	DSN string
	// Addr is the server's host:port, 127.0.0.1:port.
	Addr string

	mu    sync.Mutex
	dir   string // socket, server log and data/
	data  string
	log   string
	pgctl string
	cred  *syscall.Credential
}

// StartPostgres starts a PostgreSQL cluster of its own on a free loopback
// port, waits until it accepts connections, and when t ends stops it
// (pg_ctl stop -m fast) and removes its files. It skips or fails t (see the
// package documentation) when the programs are missing.
//
// The first call in a test binary runs initdb and keeps the data directory
// it makes in memory (about 27 MB); every call writes a copy of it as the
// new cluster's data directory, which is much faster than initdb. The
// cluster lives in /dev/shm when that is a tmpfs with 1 GiB free, else in
// os.TempDir(), in a directory named vitals-postgres-*. When the test runs
// as root, initdb and the server run as the user postgres, since they
// refuse root; every directory above the cluster's must let that user
// through, which is why t.TempDir() (mode 0700, and a path that can be too
// long for the unix socket) is not used.
//
// Measured on a two-core machine with PostgreSQL 15.18, in /dev/shm: a call
// takes about 0.2 s (0.04 s to write the data directory, 0.12 s for pg_ctl
// start), and the first call in a test binary 0.65 s more for initdb; the
// stop at cleanup takes 0.1 s. Without the template every call would pay
// for initdb: 0.65 s in /dev/shm, 0.8–1.4 s on disk. On disk, writing the
// data directory's thousand files takes from 0.05 s to 0.5 s, depending on
// the file system.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	binDir := os.Getenv(PostgresBinEnv)
	if binDir == "" {
		binDir = defaultPostgresBin
	}
	for _, prog := range []string{"initdb", "pg_ctl", "postgres"} {
		if !executable(filepath.Join(binDir, prog)) {
			missing(t, "PostgreSQL not found (initdb, pg_ctl and postgres in %s, set by %s; install Debian's postgresql-15 package)",
				binDir, PostgresBinEnv)
		}
	}
	cred, err := postgresCredential()
	if err != nil {
		missing(t, "PostgreSQL cannot run here: %v", err)
	}
	tmpl, err := postgresTemplate(binDir, cred)
	if err != nil {
		t.Fatal(err)
	}

	dir, err := postgresDir(cred)
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	p := &Postgres{
		DSN:   fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		Addr:  fmt.Sprintf("127.0.0.1:%d", port),
		dir:   dir,
		data:  filepath.Join(dir, "data"),
		log:   filepath.Join(dir, "postgres.log"),
		pgctl: filepath.Join(binDir, "pg_ctl"),
		cred:  cred,
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("postgres log (last lines):\n%s", p.tail(40))
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing the postgres cluster: %v", err)
		}
	})
	conf := fmt.Sprintf(`
# Added for vitals' tests: loopback only, and no durability.
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
`, port, strings.ReplaceAll(dir, "'", "''"))
	if err := tmpl.write(p.data, cred, conf); err != nil {
		t.Fatalf("writing the postgres data directory: %v", err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// Start starts a stopped cluster again, on the same port and data, and
// waits until it accepts connections. Starting a running cluster is an
// error.
func (p *Postgres) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, err := p.run(p.pgctl, "start", "-D", p.data, "-l", p.log, "-w", "-t", "30")
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s\npostgres log:\n%s", err, out, p.tail(30))
	}
	// pg_ctl -w returns once the server says it is ready; check that it
	// is on the address the DSN names.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not listening on %s: %v\npostgres log:\n%s", p.Addr, err, p.tail(30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the cluster (pg_ctl stop -m fast): open transactions are
// rolled back, clients are disconnected, and the data is checkpointed, so
// [Postgres.Start] finds it all again. It is a no-op for a stopped cluster.
func (p *Postgres) Stop() { p.stop("fast") }

// Kill stops the cluster at once (pg_ctl stop -m immediate), as a crash
// would: clients lose their connections without a goodbye, and
// [Postgres.Start] recovers from the write-ahead log. Commits of the last
// moments may be lost, since synchronous_commit is off. It is a no-op for a
// stopped cluster.
func (p *Postgres) Kill() { p.stop("immediate") }

func (p *Postgres) stop(mode string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := os.Stat(filepath.Join(p.data, "postmaster.pid")); err != nil {
		return
	}
	if _, err := p.run(p.pgctl, "stop", "-D", p.data, "-m", mode, "-w", "-t", "30"); err != nil && mode != "immediate" {
		_, _ = p.run(p.pgctl, "stop", "-D", p.data, "-m", "immediate", "-w", "-t", "30")
	}
}

// tail returns the last n lines of the server log.
func (p *Postgres) tail(n int) string {
	return (&process{name: "postgres", log: p.log}).tail(n)
}

// run runs a PostgreSQL program as the user the cluster belongs to and
// returns its output.
func (p *Postgres) run(bin string, args ...string) ([]byte, error) {
	return runAs(p.cred, p.dir, bin, args...)
}

func runAs(cred *syscall.Credential, dir, bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return cmd.CombinedOutput()
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// postgresCredential returns the user initdb and the server run as: nil
// (this process' own) unless this process is root, which PostgreSQL
// refuses, and then the user postgres.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and no user postgres to run initdb and the server as: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// postgresDir makes a directory for one cluster, owned by the user of cred.
func postgresDir(cred *syscall.Credential) (string, error) {
	dir, err := os.MkdirTemp(postgresRoot(), "vitals-postgres-")
	if err != nil {
		return "", err
	}
	if cred == nil {
		return dir, nil
	}
	if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := traversable(filepath.Dir(dir), cred); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// postgresRoot returns where clusters are made: /dev/shm when it is a
// tmpfs with at least 1 GiB free (a data directory is about 40 MB), else
// os.TempDir().
func postgresRoot() string {
	const (
		shm        = "/dev/shm"
		tmpfsMagic = 0x01021994 // statfs(2)
		wOK, xOK   = 2, 1       // access(2)
	)
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err == nil && st.Type == tmpfsMagic &&
		uint64(st.Bavail)*uint64(st.Bsize) >= 1<<30 && syscall.Access(shm, wOK|xOK) == nil {
		return shm
	}
	return os.TempDir()
}

// traversable checks that the user of cred may pass through dir and every
// directory above it.
func traversable(dir string, cred *syscall.Credential) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		perm := fi.Mode().Perm()
		pass := perm&0o001 != 0 ||
			ok && st.Uid == cred.Uid && perm&0o100 != 0 ||
			ok && st.Gid == cred.Gid && perm&0o010 != 0
		if !pass {
			return fmt.Errorf("user %d cannot enter %s (mode %v), so PostgreSQL cannot use a directory under it; set TMPDIR to a directory it can reach", cred.Uid, d, perm)
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// pgTemplate is a fresh data directory held in memory.
type pgTemplate struct {
	entries []pgEntry
}

type pgEntry struct {
	rel  string
	mode fs.FileMode
	dir  bool
	data []byte // without its trailing zeros
	size int64
}

var pgTemplates struct {
	mu sync.Mutex
	m  map[string]*pgTemplate // by bin directory
}

// postgresTemplate returns the data directory initdb from binDir makes,
// running initdb the first time only.
func postgresTemplate(binDir string, cred *syscall.Credential) (*pgTemplate, error) {
	pgTemplates.mu.Lock()
	defer pgTemplates.mu.Unlock()
	if t := pgTemplates.m[binDir]; t != nil {
		return t, nil
	}
	dir, err := postgresDir(cred)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	out, err := runAs(cred, dir, filepath.Join(binDir, "initdb"), "-D", data,
		"-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	if err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	t := &pgTemplate{}
	err = filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(data, path)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		e := pgEntry{rel: rel, mode: fi.Mode().Perm(), dir: d.IsDir()}
		switch {
		case d.IsDir():
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			e.size = int64(len(b))
			// Most of the 16 MB write-ahead log segment is zeros.
			e.data = bytes.TrimRight(b, "\x00")
		default:
			return fmt.Errorf("initdb made %s, neither a file nor a directory", path)
		}
		t.entries = append(t.entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the data directory initdb made: %w", err)
	}
	if len(t.entries) == 0 || t.entries[0].rel != "." {
		return nil, errors.New("initdb made an empty data directory")
	}
	if pgTemplates.m == nil {
		pgTemplates.m = make(map[string]*pgTemplate)
	}
	pgTemplates.m[binDir] = t
	return t, nil
}

// write makes the data directory at dst, owned by the user of cred, with
// conf appended to its postgresql.conf.
func (t *pgTemplate) write(dst string, cred *syscall.Credential, conf string) error {
	for _, e := range t.entries {
		path := filepath.Join(dst, e.rel)
		if e.dir {
			if err := os.Mkdir(path, e.mode); err != nil {
				return err
			}
		} else {
			data := e.data
			size := e.size
			if e.rel == "postgresql.conf" {
				data = append(append([]byte(nil), data...), conf...)
				size += int64(len(conf))
			}
			if err := writeSparse(path, e.mode, data, size); err != nil {
				return err
			}
		}
		if cred != nil {
			if err := os.Lchown(path, int(cred.Uid), int(cred.Gid)); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeSparse writes data to a new file and extends it with zeros to size.
func writeSparse(path string, mode fs.FileMode, data []byte, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && size > int64(len(data)) {
		err = f.Truncate(size)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
