package testbackend

import (
	"bufio"
	"context"
	"io"
	"net"
	"reflect"
	"testing"
	"time"
)

// TestRedisRESP talks raw RESP to a real server: PING, SET and GET.
func TestRedisRESP(t *testing.T) {
	start := time.Now()
	r := StartRedis(t)
	t.Logf("server started in %v", time.Since(start).Round(time.Millisecond))
	c, err := net.DialTimeout("tcp", r.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for _, step := range []struct{ send, want string }{
		{"*1\r\n$4\r\nPING\r\n", "+PONG\r\n"},
		{"*3\r\n$3\r\nSET\r\n$4\r\npool\r\n$4\r\nmain\r\n", "+OK\r\n"},
		{"*2\r\n$3\r\nGET\r\n$4\r\npool\r\n", "$4\r\nmain\r\n"},
		{"*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n", "$-1\r\n"},
	} {
		if _, err := io.WriteString(c, step.send); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(step.want))
		if _, err := io.ReadFull(br, got); err != nil {
			t.Fatalf("after %q: %v", step.send, err)
		}
		if string(got) != step.want {
			t.Errorf("sent %q, got %q, want %q", step.send, got, step.want)
		}
	}
}

// TestRedisDo checks Do's decoding of every reply type against the server.
func TestRedisDo(t *testing.T) {
	r := StartRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	binary := "a\r\nb\x00c"
	for _, tc := range []struct {
		name string
		args []string
		want any
	}{
		{"status", []string{"SET", "k", binary}, "OK"},
		{"bulk", []string{"GET", "k"}, binary},
		{"null", []string{"GET", "nothing"}, nil},
		{"integer", []string{"INCR", "n"}, int64(1)},
		{"array", []string{"MGET", "k", "nothing"}, []any{binary, nil}},
		{"empty array", []string{"KEYS", "no-such-*"}, []any{}},
		{"no snapshots", []string{"CONFIG", "GET", "save"}, []any{"save", ""}},
		{"no append-only file", []string{"CONFIG", "GET", "appendonly"}, []any{"appendonly", "no"}},
	} {
		got, err := r.Do(ctx, tc.args...)
		if err != nil {
			t.Errorf("%s: %v: %v", tc.name, tc.args, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v = %#v, want %#v", tc.name, tc.args, got, tc.want)
		}
	}
	if got, err := r.Do(ctx, "NO-SUCH-COMMAND"); err == nil {
		t.Errorf("an unknown command returned %#v and no error", got)
	}
	got, err := r.Do(ctx, "EVAL", "return {1, redis.error_reply('OOPS boom')}", "0")
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := got.([]any); !ok || len(a) != 2 || a[0] != int64(1) {
		t.Fatalf("EVAL = %#v, want [1 error]", got)
	} else if e, ok := a[1].(error); !ok || e.Error() != "OOPS boom" {
		t.Errorf("the error inside the array is %#v, want error OOPS boom", a[1])
	}
}

// TestRedisRestart checks that a restarted server comes back empty.
func TestRedisRestart(t *testing.T) {
	r := StartRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := r.Do(ctx, "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	r.Stop()
	if _, err := r.Do(ctx, "PING"); err == nil {
		t.Error("PING answered after Stop")
	}
	r.Stop() // a no-op
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Do(ctx, "GET", "k"); err != nil || got != nil {
		t.Errorf("after a restart GET k = %#v, %v; want nil: nothing is persisted", got, err)
	}
	r.Kill()
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Do(ctx, "PING"); err != nil || got != "PONG" {
		t.Errorf("after a crash PING = %#v, %v", got, err)
	}
}

// TestRedisMissingSkips checks that without the binary, and without
// VITALS_REQUIRE_BACKENDS=1, a test is skipped rather than failed.
func TestRedisMissingSkips(t *testing.T) {
	t.Setenv(RedisEnv, "/nonexistent")
	t.Setenv(RequireEnv, "")
	var skipped bool
	t.Run("start", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		StartRedis(t)
		t.Error("StartRedis returned without the binary")
	})
	if !skipped {
		t.Error("the test was not skipped")
	}
}
