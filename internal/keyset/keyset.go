package keyset

import (
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"

	"github.com/otelvitals/vitals/semconv"
)

// Reasons a name was cleaned, counted by the trackers in
// vitals.input.rejections: those of [semconv.CleanValueFunc].
const (
	ReasonInvalidUTF8 = semconv.ErrorTypeInvalidUTF8
	ReasonNameTooLong = semconv.ErrorTypeNameTooLong
	ReasonEmptyName   = semconv.ErrorTypeEmptyName
)

// Clean returns s as a valid, bounded attribute value: invalid UTF-8 becomes
// U+FFFD, a name longer than maxLen bytes is cut on a rune boundary (into a
// copy, which keeps none of s's memory), and an empty name becomes
// "unknown". report is called with the reason of each repair. It is
// [semconv.CleanValueFunc], the one sanitiser of vitals, which the
// integrations use too.
func Clean(s string, maxLen int, report func(reason string)) string {
	return semconv.CleanValueFunc(s, maxLen, report)
}

// Set is a tracker's handles by (type, name), at most Max of them; further
// keys share one overflow handle, made on first need, and the first of them
// reports Limit through otel.Handle. Its methods are safe for concurrent use.
type Set[T any] struct {
	// Max is the most keys with a handle of their own.
	Max int
	// Limit is the error reported once when the limit is reached: the
	// tracker's exported sentinel error.
	Limit error

	mu       sync.Mutex
	handles  map[[2]string]T
	order    []T
	overflow T
	hasOver  bool
	warned   atomic.Bool
}

// Get returns the handle of (typ, name), making it with mk on first use, or
// the overflow handle past the limit, made with mk("", "", true) on first
// need. found reports whether the key already had a handle of its own.
func (s *Set[T]) Get(typ, name string, mk func(typ, name string, overflow bool) T) (h T, found bool) {
	key := [2]string{typ, name}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.handles[key]; ok {
		return h, true
	}
	if len(s.handles) >= s.Max {
		if !s.hasOver {
			s.overflow, s.hasOver = mk("", "", true), true
			s.order = append(s.order, s.overflow)
		}
		if s.warned.CompareAndSwap(false, true) {
			otel.Handle(fmt.Errorf("%w: %d; further keys are recorded as one series with vitals.overflow=true", s.Limit, s.Max))
		}
		return s.overflow, false
	}
	if s.handles == nil {
		s.handles = make(map[[2]string]T)
	}
	h = mk(typ, name, false)
	s.handles[key] = h
	s.order = append(s.order, h)
	return h, false
}

// List returns every handle, the overflow one included, in the order they
// were made.
func (s *Set[T]) List() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]T(nil), s.order...)
}
