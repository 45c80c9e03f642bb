package core

import (
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
)

// Clamp returns d within lo to hi. When it had to move d, it reports so to
// otel.Handle, naming the option (such as "conn.WithRetention"), the value
// given, the value used and the range: a setting that cannot be honoured
// is clamped, as the option documents, but not silently.
func Clamp(option string, d, lo, hi time.Duration) time.Duration {
	c := min(max(d, lo), hi)
	if c != d {
		otel.Handle(fmt.Errorf("%s(%v): out of range, %v used (allowed %v to %v)", option, d, c, lo, hi))
	}
	return c
}
