package vitals_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
)

func TestConfigZeroValueIsValid(t *testing.T) {
	if err := (vitals.Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
}

func TestConfigValidBoundaries(t *testing.T) {
	valid := []vitals.Config{
		{ConnectionRetention: time.Second},
		{ConnectionRetention: 720 * time.Hour},
		{QueueSampleInterval: 10 * time.Millisecond, QueueWindow: time.Second},
		{QueueOverflowThreshold: 1},
		{QueueOverflowThreshold: 0.01},
		{UserHashKey: make([]byte, 16)},
		{MaxPools: 1, MaxFeatures: 1248},
		{CardinalityLimit: 60, MaxPools: 3, MaxQueues: 58, MaxCaches: 4, MaxFeatures: 2},
		{FeatureTimeZone: "Europe/Berlin"},
		{CollectionBudget: time.Millisecond},
		// The longest sample interval, with the liveness timeout it implies
		// by default (twice it), and given.
		{QueueSampleInterval: time.Hour, QueueWindow: time.Hour},
		{QueueSampleInterval: time.Hour, QueueWindow: time.Hour, LivenessTimeout: 2 * time.Hour},
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
		{"negative retention", vitals.Config{ConnectionRetention: -time.Second}, "ConnectionRetention", "-1s", "1s to 720h"},
		{"retention too short", vitals.Config{ConnectionRetention: time.Millisecond}, "ConnectionRetention", "1ms", "1s to 720h"},
		{"retention too long", vitals.Config{ConnectionRetention: 1000 * time.Hour}, "ConnectionRetention", "1000h", "1s to 720h"},
		{"sample interval too short", vitals.Config{QueueSampleInterval: time.Millisecond}, "QueueSampleInterval", "1ms", "10ms to 1h"},
		{"negative sample interval", vitals.Config{QueueSampleInterval: -time.Second}, "QueueSampleInterval", "-1s", "10ms to 1h"},
		{"queue window too long", vitals.Config{QueueWindow: 25 * time.Hour}, "QueueWindow", "25h", "1s to 24h"},
		{"queue window under interval", vitals.Config{QueueSampleInterval: time.Minute, QueueWindow: 30 * time.Second}, "QueueWindow", "30s", "at least QueueSampleInterval"},
		{"liveness under two samples", vitals.Config{QueueSampleInterval: time.Minute, LivenessTimeout: time.Minute}, "LivenessTimeout", "1m0s", "at least twice QueueSampleInterval"},
		{"liveness too long", vitals.Config{LivenessTimeout: 3 * time.Hour}, "LivenessTimeout", "3h0m0s", "1s to 2h"},
		{"threshold above 1", vitals.Config{QueueOverflowThreshold: 1.5}, "QueueOverflowThreshold", "1.5", "above 0 up to 1"},
		{"negative threshold", vitals.Config{QueueOverflowThreshold: -0.2}, "QueueOverflowThreshold", "-0.2", "above 0 up to 1"},
		{"NaN threshold", vitals.Config{QueueOverflowThreshold: math.NaN()}, "QueueOverflowThreshold", "NaN", "above 0 up to 1"},
		{"infinite threshold", vitals.Config{QueueOverflowThreshold: math.Inf(1)}, "QueueOverflowThreshold", "+Inf", "above 0 up to 1"},
		{"negative cache window", vitals.Config{CacheHitWindow: -time.Minute}, "CacheHitWindow", "-1m", "1s to 24h"},
		{"cache window too short", vitals.Config{CacheHitWindow: 500 * time.Millisecond}, "CacheHitWindow", "500ms", "1s to 24h"},
		{"feature window too short", vitals.Config{FeatureUsageWindow: time.Second}, "FeatureUsageWindow", "1s", "1m0s to 720h"},
		{"unknown time zone", vitals.Config{FeatureTimeZone: "Mars/Olympus_Mons"}, "FeatureTimeZone", `"Mars/Olympus_Mons"`, "IANA time zone"},
		{"hash key too short", vitals.Config{UserHashKey: []byte("short")}, "UserHashKey", "5 bytes", "16 to 1024 bytes"},
		{"hash key empty but set", vitals.Config{UserHashKey: []byte{}}, "UserHashKey", "0 bytes", "16 to 1024 bytes"},
		{"negative max pools", vitals.Config{MaxPools: -1}, "MaxPools", "-1", "below CardinalityLimit"},
		{"max queues at the cardinality limit", vitals.Config{MaxQueues: 20000}, "MaxQueues", "20000", "1 to 19998"},
		{"max pools whose series overflow the limit", vitals.Config{MaxPools: 1600}, "MaxPools", "1600", "1 to 1537"},
		{"negative max caches", vitals.Config{MaxCaches: -5}, "MaxCaches", "-5", "below CardinalityLimit"},
		{"max features above a small cardinality limit", vitals.Config{CardinalityLimit: 100, MaxPools: 6, MaxQueues: 10, MaxCaches: 10, MaxFeatures: 6}, "MaxFeatures", "6", "1 to 5"},
		{"negative cardinality limit", vitals.Config{CardinalityLimit: -1, MaxPools: 1, MaxQueues: 1, MaxCaches: 1, MaxFeatures: 1}, "CardinalityLimit", "-1", "1 to 1000000"},
		{"cardinality limit too high", vitals.Config{CardinalityLimit: 2_000_000}, "CardinalityLimit", "2000000", "1 to 1000000"},
		{"negative connection ID limit", vitals.Config{MaxConnectionIDs: -1}, "MaxConnectionIDs", "-1", "1 to 100000000"},
		{"connection ID limit too high", vitals.Config{MaxConnectionIDs: 200_000_000}, "MaxConnectionIDs", "200000000", "1 to 100000000"},
		{"negative collection budget", vitals.Config{CollectionBudget: -time.Millisecond}, "CollectionBudget", "-1ms", "1ms to 1m0s"},
		{"collection budget too long", vitals.Config{CollectionBudget: 2 * time.Minute}, "CollectionBudget", "2m0s", "1ms to 1m0s"},
	}
	if len(tests) < 15 {
		t.Fatalf("only %d cases", len(tests))
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
	err := vitals.Config{ConnectionRetention: -1, QueueOverflowThreshold: 2, MaxPools: -1}.Validate()
	got := configErrorFields(err)
	want := []string{"ConnectionRetention", "QueueOverflowThreshold", "MaxPools"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("fields %v, want %v", got, want)
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
