package vitals_test

import (
	"errors"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
)

// FuzzConfigValidate checks that Validate never panics, and that every
// error it returns names a field and wraps ErrInvalidConfig.
func FuzzConfigValidate(f *testing.F) {
	f.Add(int64(0), int64(0), 0)
	f.Add(int64(-1), int64(time.Millisecond), 2_000_000)
	f.Add(int64(time.Hour), int64(time.Second), 20000)
	f.Fuzz(func(t *testing.T, budget, liveness int64, limit int) {
		cfg := vitals.Config{
			CollectionBudget: time.Duration(budget),
			LivenessTimeout:  time.Duration(liveness),
			CardinalityLimit: limit,
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
