package metricsdoc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otelvitals/vitals/semconv"
)

// TestReferenceIsCurrent fails when docs/metrics.md no longer matches the
// definitions in package semconv.
func TestReferenceIsCurrent(t *testing.T) {
	want, err := Render(semconv.All())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "metrics.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the committed reference: %v (run: go generate ./semconv)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./semconv and commit the result", path)
	}
}

// TestReadmeTableIsCurrent fails when the README's metric tables no longer
// match the definitions.
func TestReadmeTableIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Embed(got, semconv.All())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s's metric tables are stale: run go generate ./semconv and commit the result", path)
	}
}

// TestRenderListsEveryMetric checks that each definition has exactly one row.
func TestRenderListsEveryMetric(t *testing.T) {
	text, err := Render(semconv.All())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range semconv.All() {
		if n := strings.Count(string(text), "| `"+d.Name+"` |"); n != 1 {
			t.Errorf("%s: %d rows, want 1", d.Name, n)
		}
	}
}

// TestRenderRejectsUnknownSignal checks that a definition outside the known
// sections is an error rather than silently missing from the table.
func TestRenderRejectsUnknownSignal(t *testing.T) {
	defs := []semconv.Metric{{Name: "x.y", Signal: "nope", Kind: semconv.KindInt64Counter}}
	if _, err := Render(defs); err == nil {
		t.Fatal("Render accepted a metric with an unknown signal")
	}
}
