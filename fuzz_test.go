package vitals_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
)

// FuzzConfigValidate checks that Validate never panics, and that every
// error it returns names a field and wraps ErrInvalidConfig.
func FuzzConfigValidate(f *testing.F) {
	f.Add(int64(0), int64(0), 0.0, 0, 0, "", 0)
	f.Add(int64(-1), int64(time.Millisecond), 1.5, -1, 2_000_000, "Mars/Base", 5)
	f.Add(int64(time.Hour), int64(time.Second), math.NaN(), 20000, 10, "UTC", 16)
	f.Fuzz(func(t *testing.T, retention, interval int64, threshold float64, maxPools, limit int, tz string, keyLen int) {
		cfg := vitals.Config{
			ConnectionRetention:    time.Duration(retention),
			QueueSampleInterval:    time.Duration(interval),
			QueueOverflowThreshold: threshold,
			MaxPools:               maxPools,
			CardinalityLimit:       limit,
			FeatureTimeZone:        tz,
		}
		if keyLen > 0 {
			cfg.UserHashKey = make([]byte, min(keyLen, 4096))
		}
		err := cfg.Validate()
		if err == nil {
			return
		}
		if !errors.Is(err, vitals.ErrInvalidConfig) {
			t.Fatalf("%v does not wrap ErrInvalidConfig", err)
		}
		var ce *vitals.ConfigError
		if !errors.As(err, &ce) || ce.Field == "" {
			t.Fatalf("%v names no field", err)
		}
	})
}
