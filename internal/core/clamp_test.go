package core

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel"
)

// TestClampReports checks that Clamp keeps a value in range silently, and
// moves one out of range to the nearer end with one report naming the
// option, the values and the range.
func TestClampReports(t *testing.T) {
	var got []string
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { got = append(got, err.Error()) }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	for _, c := range []struct {
		d, want time.Duration
		report  string
	}{
		{time.Minute, time.Minute, ""},
		{time.Second, time.Second, ""},
		{time.Nanosecond, time.Second, "x.WithWindow(1ns): out of range, 1s used (allowed 1s to 1h0m0s)"},
		{2 * time.Hour, time.Hour, "x.WithWindow(2h0m0s): out of range, 1h0m0s used (allowed 1s to 1h0m0s)"},
	} {
		got = nil
		if d := Clamp("x.WithWindow", c.d, time.Second, time.Hour); d != c.want {
			t.Errorf("Clamp(%v) = %v, want %v", c.d, d, c.want)
		}
		if want := []string{c.report}; c.report == "" && len(got) != 0 || c.report != "" && (len(got) != 1 || got[0] != want[0]) {
			t.Errorf("Clamp(%v) reported %q, want %q", c.d, got, c.report)
		}
	}
}
