package keyset

import (
	"errors"
	"strings"
	"testing"
	"unsafe"

	"go.opentelemetry.io/otel"

	"github.com/otelvitals/vitals/semconv"
)

func TestClean(t *testing.T) {
	tests := []struct {
		in, want string
		reasons  []string
	}{
		{"pool", "pool", nil},
		{"", "unknown", []string{ReasonEmptyName}},
		{"a\xffb", "a\uFFFDb", []string{ReasonInvalidUTF8}},
		{strings.Repeat("é", 10), strings.Repeat("é", 3), []string{ReasonNameTooLong}}, // 7 bytes cut to 6
	}
	for _, tt := range tests {
		var got []string
		if out := Clean(tt.in, 7, func(r string) { got = append(got, r) }); out != tt.want || strings.Join(got, ",") != strings.Join(tt.reasons, ",") {
			t.Errorf("Clean(%q) = %q %v, want %q %v", tt.in, out, got, tt.want, tt.reasons)
		}
	}
}

// TestCleanIsSemconv checks that Clean is the one sanitiser of package
// semconv: the same results and reasons, a cut name copied out of the
// caller's string, and no panic for a cap below 1.
func TestCleanIsSemconv(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	for _, in := range []string{"pool", "", "a\xffb", long, strings.Repeat("x\xff", 300)} {
		var got, want []string
		out := Clean(in, semconv.MaxValueLength, func(r string) { got = append(got, r) })
		ref := semconv.CleanValueFunc(in, semconv.MaxValueLength, func(r string) { want = append(want, r) })
		if out != ref || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("Clean(%.20q) = %.20q %v, semconv.CleanValueFunc %.20q %v", in, out, got, ref, want)
		}
	}
	if out := Clean(long, 256, func(string) {}); unsafe.StringData(out) == unsafe.StringData(long) {
		t.Error("a cut name keeps the 1 MiB name alive")
	}
	if out := Clean(long, -1, func(string) {}); len(out) != semconv.MaxValueLength {
		t.Errorf("a negative cap gives %d bytes, want %d", len(out), semconv.MaxValueLength)
	}
}

var errLimit = errors.New("limit")

func TestSet(t *testing.T) {
	var warnings []error
	restore := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { warnings = append(warnings, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(restore) })

	type handle struct {
		typ, name string
		overflow  bool
	}
	s := &Set[*handle]{Max: 2, Limit: errLimit}
	mk := func(typ, name string, overflow bool) *handle { return &handle{typ, name, overflow} }
	a, found := s.Get("t", "a", mk)
	if found || a.name != "a" {
		t.Fatal("first Get must make the handle")
	}
	if again, found := s.Get("t", "a", mk); !found || again != a {
		t.Fatal("second Get must return the same handle")
	}
	s.Get("t", "b", mk)
	c, _ := s.Get("t", "c", mk)
	d, _ := s.Get("u", "d", mk)
	if !c.overflow || c != d {
		t.Fatal("keys past the limit share the overflow handle")
	}
	if got := s.List(); len(got) != 3 || got[2] != c {
		t.Fatalf("List %v", got)
	}
	if len(warnings) != 1 || !errors.Is(warnings[0], errLimit) {
		t.Fatalf("warnings %v, want one", warnings)
	}
}
