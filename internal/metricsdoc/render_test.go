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

// TestPrometheusName checks the exporter's translation on one metric of
// each shape: a counter, an UpDownCounter with an annotation, a gauge of
// unit 1, a ratio already named so, a histogram and a counter of seconds.
func TestPrometheusName(t *testing.T) {
	tests := []struct {
		def  semconv.Metric
		want string
	}{
		{semconv.CacheOperations.Metric, "vitals_cache_operations_total"},
		{semconv.QueueDepth.Metric, "vitals_queue_depth"},
		{semconv.HealthScore.Metric, "vitals_health_score_ratio"},
		{semconv.CacheHitRatio.Metric, "vitals_cache_hit_ratio"},
		{semconv.QueueWaitDuration.Metric, "vitals_queue_wait_duration_seconds"},
		{semconv.DBConnectionWaitTime.Metric, "vitals_db_client_connection_wait_time_seconds_total"},
		{semconv.DBClientConnectionCount.Metric, "db_client_connection_count"},
	}
	for _, tt := range tests {
		got, err := PrometheusName(tt.def)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.def.Name, got, err, tt.want)
		}
	}
	if _, err := PrometheusName(semconv.Metric{Name: "x.y"}); err == nil {
		t.Error("no error for a metric without a kind")
	}
}
