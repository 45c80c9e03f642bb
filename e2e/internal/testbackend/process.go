package testbackend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing backend from
// a skip into a failure.
const RequireEnv = "VITALS_REQUIRE_BACKENDS"

// Required reports whether missing backends fail tests rather than skip them.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// missing skips or fails t for a backend that is not there.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (%s=1: backends are required)", msg, RequireEnv)
	}
	t.Skipf("%s; run make test, or scripts/backends.sh all and set %s=1", msg, RequireEnv)
}

// Root returns the repository root: the directory of vitals' own go.mod
// (not the e2e module's), searching up from the working directory (a
// package directory under go test). It fails t when there is none.
func Root(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// moduleRoot returns the directory of vitals' go.mod, searching up from the
// working directory (a package directory under go test).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module github.com/otelvitals/vitals\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("vitals' go.mod not found above the working directory")
		}
		dir = parent
	}
}

// binary returns the path of an executable from env, else def (relative
// paths are taken from the repository root), or "" when it is not there.
func binary(env, def string) string {
	p := os.Getenv(env)
	if p == "" {
		p = def
		if !filepath.IsAbs(p) {
			root, err := moduleRoot()
			if err != nil {
				return ""
			}
			p = filepath.Join(root, p)
		}
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return ""
	}
	return p
}

// FreePort returns a loopback TCP port that was free a moment ago, drawn
// as the backends' ports are, for a process a test starts itself.
func FreePort(t testing.TB) int {
	t.Helper()
	return freePort(t)
}

// freePort returns a loopback TCP port that was free a moment ago. It is
// drawn below the kernel's ephemeral range, so the backend that binds it a
// moment later does not race the outgoing connections and ":0" listeners
// of the tests running beside it, which all take ports from that range.
func freePort(t testing.TB) int {
	t.Helper()
	low := ephemeralLow()
	for range 200 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			_ = l.Close()
			return port
		}
	}
	t.Fatalf("no free port found in 10000-%d", low-1)
	return 0
}

// ephemeralLow returns the first port of the kernel's ephemeral range, or
// 32768, Linux's default, when it cannot be read or leaves too little
// below it.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if low, err := strconv.Atoi(f[0]); err == nil && low > 11000 {
				return low
			}
		}
	}
	return 32768
}

// process is a backend child process whose output goes to a log file.
type process struct {
	name string
	bin  string
	args []string
	dir  string
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// start starts the process; it must not be running.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s already running", p.name)
	}
	logf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = ownGroup()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

// stop sends sig and waits for the process to exit, killing it after
// grace. It is a no-op for a process that is not running.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd, p.done = nil, nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// exited reports whether a started process has already exited.
func (p *process) exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail returns the last n lines of the log.
func (p *process) tail(n int) string {
	f, err := os.Open(p.log)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// waitHTTP polls url until it answers 200, the process exits or timeout
// passes.
func (p *process) waitHTTP(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.exited() {
			return fmt.Errorf("%s exited while starting; log:\n%s", p.name, p.tail(30))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s after %v; log:\n%s", p.name, url, timeout, p.tail(30))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitTCP polls addr until it accepts a connection.
func (p *process) waitTCP(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited while starting; log:\n%s", p.name, p.tail(30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening on %s after %v; log:\n%s", p.name, addr, timeout, p.tail(30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
