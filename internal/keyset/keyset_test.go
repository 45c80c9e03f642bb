package keyset

import (
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
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
