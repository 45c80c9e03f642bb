package badinput

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fatalRecorder records a Fatalf instead of failing the test.
type fatalRecorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestGroup(t *testing.T) {
	for api, want := range map[string]string{
		"conn.Pool.Track":                "conn",
		"*vitals.System (every method)":  "vitals",
		"Start":                          "vitals",
		"Config.Validate":                "vitals",
		"System.Snapshot, System.Health": "vitals",
		"healthscore.Handler, healthscore.LivenessHandler": "healthscore",
		"exporters.New, then an export":                    "exporters",
		"feature.Feature (nil)":                            "feature",
	} {
		if got := group(api); got != want {
			t.Errorf("group(%q) = %q, want %q", api, got, want)
		}
	}
}

func TestRowAPI(t *testing.T) {
	for _, api := range []string{"conn.Pool.Track", "a | b", "x |y| z"} {
		c := Case[struct{}]{Name: "n | m", API: api, Input: "i|", Result: "| r"}
		if got := rowAPI(strings.TrimSuffix(row(c), "\n")); got != api {
			t.Errorf("rowAPI(row with API %q) = %q", api, got)
		}
	}
}

// TestCheckReadme checks one package's rows into a README that holds rows
// of others, in and out of order: only its own change, and every group
// ends in the order of Groups.
func TestCheckReadme(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	table := func(rows ...string) string {
		return "before\n" + Begin + "\n" + tableHeader + strings.Join(rows, "") + "\n" + End + "\nafter\n"
	}
	start := table(
		"| a | Start | i | r |\n",
		"| q | queue.Queue.Sample | i | r |\n",
		"| old | conn.Conn.Use | i | r |\n", // stale, and out of order
		"| e | exporters.New | i | r |\n",
	)
	if err := os.WriteFile(path, []byte(start), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []Case[struct{}]{{Name: "new", API: "conn.Pool.Track", Input: "i", Result: "r"}}

	stale := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() { // CheckReadme fails a stale README through Fatalf
		defer close(done)
		CheckReadme(stale, path, false, cases, "conn")
	}()
	<-done
	if !stale.failed || !strings.Contains(stale.msg, "stale") {
		t.Errorf("a stale README: failed %v (%q), want failed as stale", stale.failed, stale.msg)
	}

	CheckReadme(t, path, true, cases, "conn")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := table(
		"| a | Start | i | r |\n",
		"| new | conn.Pool.Track | i | r |\n",
		"| q | queue.Queue.Sample | i | r |\n",
		"| e | exporters.New | i | r |\n",
	)
	if string(got) != want {
		t.Errorf("after -update:\n%s\nwant:\n%s", got, want)
	}
	CheckReadme(t, path, false, cases, "conn") // now current
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
}
