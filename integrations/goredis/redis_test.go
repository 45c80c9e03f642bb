package goredis_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests read the same environment as vitals' own backend tests.
const (
	// requireEnv set to 1 turns a missing Redis server from a skip into a
	// failure, as make test sets it.
	requireEnv = "VITALS_REQUIRE_BACKENDS"
	// redisEnv names the Redis server binary; the default is
	// /usr/bin/redis-server, from Debian's redis-server package.
	redisEnv = "VITALS_REDIS_SERVER"
)

// startRedis starts a Redis server without persistence on a free loopback
// port, with extra arguments added, waits until it answers PING, and stops
// it when t ends. It returns the server's address. When the binary is
// missing it skips t, or fails it if VITALS_REQUIRE_BACKENDS=1.
func startRedis(t testing.TB, extra ...string) string {
	t.Helper()
	return startRedisServer(t, extra...).addr
}

// redisServer is a Redis server a test can stop and start again on the
// same port.
type redisServer struct {
	t       testing.TB
	bin     string
	args    []string
	dir     string
	addr    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
}

// startRedisServer starts a Redis server as startRedis does, and returns
// it for the test to stop and start again.
func startRedisServer(t testing.TB, extra ...string) *redisServer {
	t.Helper()
	bin := os.Getenv(redisEnv)
	if bin == "" {
		bin = "/usr/bin/redis-server"
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		msg := fmt.Sprintf("Redis server not found (%s or /usr/bin/redis-server; install Debian's redis-server package)", redisEnv)
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s (%s=1: backends are required)", msg, requireEnv)
		}
		t.Skipf("%s; run make test, or scripts/backends.sh deps and set %s=1", msg, requireEnv)
	}
	dir := t.TempDir()
	port := freePort(t)
	r := &redisServer{
		t: t, bin: bin, dir: dir,
		addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		logPath: filepath.Join(dir, "redis.log"),
		args: append([]string{
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--daemonize", "no",
			"--dir", dir,
		}, extra...),
	}
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			t.Logf("redis log (last lines):\n%s", tail(r.logPath, 40))
		}
	})
	r.start()
	return r
}

// start starts the stopped server, empty, and waits until it answers PING.
func (r *redisServer) start() {
	t := r.t
	t.Helper()
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(r.bin, r.args...)
	cmd.Dir = r.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("starting %s: %v", r.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	r.cmd, r.done = cmd, done
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ping(r.addr)
		if err == nil {
			return
		}
		select {
		case <-done:
			t.Fatalf("redis exited while starting; log:\n%s", tail(r.logPath, 30))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis on %s does not answer PING (%v); log:\n%s", r.addr, err, tail(r.logPath, 30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop stops the server (SIGTERM, then SIGKILL after 10s); a stopped
// server is left alone.
func (r *redisServer) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

// ping sends PING on a new connection and expects PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// serverCommands returns the number of commands the server at addr has
// processed (INFO stats total_commands_processed), asking on a connection
// of its own; the INFO itself is counted after it answers.
func serverCommands(t testing.TB, addr string) int64 {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("INFO stats\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	header, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(header, "$")))
	if err != nil || !strings.HasPrefix(header, "$") {
		t.Fatalf("INFO answered %q", header)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			total, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
	}
	t.Fatalf("no total_commands_processed in INFO stats:\n%s", body)
	return 0
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
