package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/internal/metricsdoc"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWritesWhatIsCommitted runs the command as go generate does, on
// copies, and checks that it writes the committed reference and README.
func TestWritesWhatIsCommitted(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "metrics.md")
	readme := filepath.Join(dir, "README.md")
	committed := read(t, filepath.Join("..", "..", "..", "README.md"))
	begin := bytes.Index(committed, []byte(metricsdoc.BeginMarker)) + len(metricsdoc.BeginMarker)
	end := bytes.Index(committed, []byte(metricsdoc.EndMarker))
	if begin < len(metricsdoc.BeginMarker) || end < begin {
		t.Fatal("the committed README lacks the metric markers")
	}
	// A README whose tables are stale: the command must put them back.
	stale := append(append(append([]byte(nil), committed[:begin]...), "\n| stale |\n"...), committed[end:]...)
	if err := os.WriteFile(readme, stale, 0o600); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	if err := run([]string{"-o", out, "-readme", readme}, &stderr); err != nil {
		t.Fatalf("run: %v (stderr %q)", err, stderr.String())
	}
	if !bytes.Equal(read(t, out), read(t, filepath.Join("..", "..", "..", "docs", "metrics.md"))) {
		t.Error("the reference written differs from docs/metrics.md")
	}
	if !bytes.Equal(read(t, readme), committed) {
		t.Error("the README rewritten differs from the committed README")
	}
}

func TestRefusesBadUse(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "metrics.md")
	noMarkers := filepath.Join(dir, "plain.md")
	if err := os.WriteFile(noMarkers, []byte("# no tables here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc string
		args []string
		want string
	}{
		{"unknown flag", []string{"-x"}, "flag provided but not defined"},
		{"stray argument", []string{"-o", out, "extra"}, "unexpected arguments"},
		{"missing README", []string{"-o", out, "-readme", filepath.Join(dir, "absent.md")}, "no such file"},
		{"README without markers", []string{"-o", out, "-readme", noMarkers}, "plain.md"},
		{"unwritable output", []string{"-o", filepath.Join(dir, "absent", "metrics.md")}, "no such file"},
	} {
		var stderr bytes.Buffer
		err := run(tc.args, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: run(%q) = %v, want an error containing %q", tc.desc, tc.args, err, tc.want)
		}
	}
	if got := read(t, noMarkers); string(got) != "# no tables here\n" {
		t.Errorf("a README without markers was rewritten: %q", got)
	}
}
