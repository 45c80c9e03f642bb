package vitals_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

func TestConfigZeroValueIsValid(t *testing.T) {
	if err := (vitals.Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
}

func TestConfigValidBoundaries(t *testing.T) {
	valid := []vitals.Config{
		{CardinalityLimit: 1},
		{CardinalityLimit: 1_000_000},
		{CollectionBudget: time.Millisecond},
		{CollectionBudget: time.Minute},
		{LivenessTimeout: time.Second},
		{LivenessTimeout: 2 * time.Hour},
		{Exemplars: true},
	}
	for _, c := range valid {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestConfigValidateRejects checks that each invalid configuration yields a
// ConfigError for exactly the field at fault, wrapping ErrInvalidConfig, with
// a message that names the field, the value and the allowed range.
func TestConfigValidateRejects(t *testing.T) {
	tests := []struct {
		name    string
		config  vitals.Config
		field   string
		inMsg   string // part of the message: the value as printed
		allowed string // part of the allowed range
	}{
		{"liveness too short", vitals.Config{LivenessTimeout: 500 * time.Millisecond}, "LivenessTimeout", "500ms", "1s to 2h0m0s"},
		{"negative liveness", vitals.Config{LivenessTimeout: -time.Second}, "LivenessTimeout", "-1s", "1s to 2h0m0s"},
		{"liveness too long", vitals.Config{LivenessTimeout: 3 * time.Hour}, "LivenessTimeout", "3h0m0s", "1s to 2h0m0s"},
		{"negative cardinality limit", vitals.Config{CardinalityLimit: -1}, "CardinalityLimit", "-1", "1 to 1000000"},
		{"cardinality limit too high", vitals.Config{CardinalityLimit: 2_000_000}, "CardinalityLimit", "2000000", "1 to 1000000"},
		{"negative collection budget", vitals.Config{CollectionBudget: -time.Millisecond}, "CollectionBudget", "-1ms", "1ms to 1m0s"},
		{"collection budget too short", vitals.Config{CollectionBudget: time.Microsecond}, "CollectionBudget", "1µs", "1ms to 1m0s"},
		{"collection budget too long", vitals.Config{CollectionBudget: 2 * time.Minute}, "CollectionBudget", "2m0s", "1ms to 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.config.Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			if !errors.Is(err, vitals.ErrInvalidConfig) {
				t.Errorf("%v does not wrap ErrInvalidConfig", err)
			}
			var ce *vitals.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *ConfigError", err)
			}
			fields := configErrorFields(err)
			if len(fields) != 1 || fields[0] != tt.field {
				t.Errorf("errors for fields %v, want only %s: %v", fields, tt.field, err)
			}
			msg := err.Error()
			for _, part := range []string{"Config." + tt.field, tt.inMsg, tt.allowed} {
				if !strings.Contains(msg, part) {
					t.Errorf("message %q lacks %q", msg, part)
				}
			}
		})
	}
}

// TestConfigValidateReportsAll checks that several bad fields are all
// reported at once.
func TestConfigValidateReportsAll(t *testing.T) {
	err := vitals.Config{CollectionBudget: -1, LivenessTimeout: -1, CardinalityLimit: -1}.Validate()
	got := configErrorFields(err)
	want := []string{"CardinalityLimit", "CollectionBudget", "LivenessTimeout"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("fields %v, want %v", got, want)
	}
}

// TestLivenessTimeoutFollowsSampleInterval checks the liveness timeout
// Start derives: one minute by default, twice a longer queue sample
// interval, a given one kept, and one shorter than two samples refused.
func TestLivenessTimeoutFollowsSampleInterval(t *testing.T) {
	none := vitals.WithExporterOptions(exporters.WithExporters(exporters.None))
	for _, tt := range []struct {
		name     string
		given    time.Duration
		interval time.Duration
		want     time.Duration
	}{
		{"defaults", 0, 0, time.Minute},
		{"a slow sampler", 0, 45 * time.Second, 90 * time.Second},
		{"given", 5 * time.Second, 2 * time.Second, 5 * time.Second},
		{"the longest interval", 0, time.Hour, 2 * time.Hour},
	} {
		sys, err := vitals.Start(context.Background(), none, vitals.WithConfig(vitals.Config{LivenessTimeout: tt.given}),
			vitals.WithQueueOptions(queue.WithSampleInterval(tt.interval)))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := sys.Config().LivenessTimeout; got != tt.want {
			t.Errorf("%s: LivenessTimeout %v, want %v", tt.name, got, tt.want)
		}
		_ = sys.Shutdown(context.Background())
	}
	sys, err := vitals.Start(context.Background(), none, vitals.WithConfig(vitals.Config{LivenessTimeout: 3 * time.Second}),
		vitals.WithQueueOptions(queue.WithSampleInterval(2*time.Second)))
	if sys != nil || !errors.Is(err, vitals.ErrInvalidConfig) || !strings.Contains(err.Error(), "at least twice the queue sample interval (4s)") {
		t.Errorf("liveness under two samples: System %v, error %v", sys, err)
	}
	if got := (*vitals.System)(nil).Config().LivenessTimeout; got != time.Minute {
		t.Errorf("nil System's LivenessTimeout %v, want 1m", got)
	}
}

// configErrorFields returns the fields of the ConfigErrors joined in err.
func configErrorFields(err error) []string {
	var fields []string
	var walk func(error)
	walk = func(e error) {
		var ce *vitals.ConfigError
		if errors.As(e, &ce) && ce == e {
			fields = append(fields, ce.Field)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	return fields
}

// TestClampedTrackerOptionsAreReported starts vitals with tracker options
// out of range: each is clamped (or, for the overflow threshold, left at
// its default), as its option documents, and reported once through
// otel.Handle, naming the option, the value given and the value used.
func TestClampedTrackerOptionsAreReported(t *testing.T) {
	got := captureHandle(t)
	sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(exporters.WithExporters(exporters.None)),
		vitals.WithConnOptions(conn.WithRetention(time.Nanosecond), conn.WithWindow(48*time.Hour)),
		vitals.WithQueueOptions(queue.WithSampleInterval(time.Second), queue.WithWindow(time.Nanosecond), queue.WithOverflowThreshold(1.5)),
		vitals.WithCacheOptions(cache.WithWindow(time.Millisecond)),
		vitals.WithFeatureOptions(feature.WithWindow(time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	checkHandled(t, got(),
		"conn.WithRetention(1ns): out of range, 1s used (allowed 1s to 720h0m0s)",
		"conn.WithWindow(48h0m0s): out of range, 24h0m0s used (allowed 1s to 24h0m0s)",
		"queue.WithOverflowThreshold(1.5): out of range, the default 0.8 used (allowed above 0 up to 1)",
		"queue.WithWindow(1ns): out of range, 1s used (allowed 1s to 24h0m0s)",
		"cache.WithWindow(1ms): out of range, 1s used (allowed 1s to 24h0m0s)",
		"feature.WithWindow(1s): out of range, 1m0s used (allowed 1m0s to 720h0m0s)",
	)
}
