package semconv_test

import (
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelvitals/vitals/semconv"
)

// TestOfficialAdapterMetrics checks the official metrics the integrations
// report against semantic-conventions v1.44.0 model/db/metrics.yaml: name,
// instrument, unit and the required db.client.connection.pool.name; and
// the feature flag evaluation counter against the attributes of the
// feature_flag.evaluation event.
func TestOfficialAdapterMetrics(t *testing.T) {
	pool := []attribute.Key{"db.client.connection.pool.name"}
	tests := []struct {
		def   semconv.Metric
		name  string
		kind  semconv.Kind
		unit  string
		attrs []attribute.Key
	}{
		{semconv.DBClientConnectionTimeouts.Metric, "db.client.connection.timeouts", semconv.KindInt64ObservableCounter, "{timeout}", pool},
		{semconv.DBClientConnectionIdleMax.Metric, "db.client.connection.idle.max", semconv.KindInt64ObservableUpDownCounter, "{connection}", pool},
		{semconv.DBClientConnectionIdleMin.Metric, "db.client.connection.idle.min", semconv.KindInt64ObservableUpDownCounter, "{connection}", pool},
		{semconv.DBClientConnectionPendingRequests.Metric, "db.client.connection.pending_requests", semconv.KindInt64ObservableUpDownCounter, "{request}", pool},
		{semconv.DBClientConnectionCreateTime.Metric, "db.client.connection.create_time", semconv.KindFloat64Histogram, "s", pool},
		{semconv.FeatureFlagEvaluations.Metric, "vitals.feature_flag.evaluations", semconv.KindInt64Counter, "{evaluation}", []attribute.Key{
			"feature_flag.key", "feature_flag.result.variant", "feature_flag.provider.name",
			"feature_flag.result.reason", "error.type",
		}},
	}
	all := semconv.All()
	for _, tt := range tests {
		d := tt.def
		if d.Name != tt.name || d.Kind != tt.kind || d.Unit != tt.unit || !slices.Equal(d.Attributes, tt.attrs) {
			t.Errorf("got %s %v %s %v, want %s %v %s %v", d.Name, d.Kind, d.Unit, d.Attributes,
				tt.name, tt.kind, tt.unit, tt.attrs)
		}
		if official := tt.name != "vitals.feature_flag.evaluations"; official != (d.Convention != "") {
			t.Errorf("%s: convention %q", d.Name, d.Convention)
		}
		if !slices.ContainsFunc(all, func(m semconv.Metric) bool { return m.Name == tt.name }) {
			t.Errorf("%s missing from All", tt.name)
		}
	}
}
