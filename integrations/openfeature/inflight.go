package openfeaturehook

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
)

// MaxInFlight bounds what a [Hook] holds for the evaluations in flight,
// those between their Before (or Error) and their Finally: a start time
// per Before and a failure per Error, each released by the Finally that the
// SDK calls after them. The bound is only reached with tens of thousands of
// evaluations running at the same moment; further evaluations are still
// counted, but without a duration and without the failure their Error
// reports.
const MaxInFlight = 1 << 16

// evalKey is what the stages of one evaluation share: the same ctx, client
// domain, flag key and type reach Before, Error and Finally. The targeting
// key is left out, so that it is never stored, and so is the evaluation
// context, which a Before hook may change.
type evalKey struct {
	ctx    context.Context // the evaluation's ctx when it is a pointer, else nil
	domain string
	flag   string
	typ    openfeature.Type
}

// keyOf returns the key of the evaluation that ctx and hc belong to. A
// context is kept in the key only when it is a pointer (as those of package
// context are, context.Background and context.TODO aside): comparing two
// pointers cannot panic, while a context of a struct type holding a slice,
// a map or a func could not be a map key.
func keyOf(ctx context.Context, hc openfeature.HookContext) evalKey {
	if ctx != nil && reflect.TypeOf(ctx).Kind() != reflect.Pointer {
		ctx = nil
	}
	return evalKey{ctx: ctx, domain: hc.ClientMetadata().Domain(), flag: hc.FlagKey(), typ: hc.FlagType()}
}

// evalState holds what the stages of the evaluations of one key have left
// for their Finally.
type evalState struct {
	starts   []time.Time // Before times no Finally has taken yet, oldest first
	failures int         // failures reported by Error no Finally has taken yet
}

// inflight pairs each Finally with the Before and Error of its evaluation.
//
// The SDK runs the stages of an evaluation on the caller's goroutine, one
// after the other, so evaluations of one key that do not overlap in time
// are paired exactly. Overlapping ones (the same flag evaluated at the same
// moment by several goroutines under one ctx) may exchange start times and
// failures: each Finally takes the oldest start and one failure, if any.
// Totals stay exact: every failure reported is taken once, and the
// durations add up to the same sum when every evaluation called Before.
type inflight struct {
	mu     sync.Mutex
	states map[evalKey]*evalState
	held   int          // starts and failures held in states, at most MaxInFlight
	free   []*evalState // released states, at most maxFree, for reuse
}

// maxFree bounds the released states an inflight keeps for reuse, and
// maxReusedStarts the room for starts a reused state keeps.
const (
	maxFree         = 64
	maxReusedStarts = 16
)

// state returns the state of k, making it if need be, or nil when
// MaxInFlight starts and failures are held; the caller holds mu and adds
// one to what the state holds.
func (in *inflight) state(k evalKey) *evalState {
	if in.held >= MaxInFlight {
		return nil
	}
	in.held++
	if st := in.states[k]; st != nil {
		return st
	}
	if in.states == nil {
		in.states = map[evalKey]*evalState{}
	}
	var st *evalState
	if n := len(in.free); n > 0 {
		st, in.free = in.free[n-1], in.free[:n-1]
	} else {
		st = &evalState{}
	}
	in.states[k] = st
	return st
}

// begin records that an evaluation of k began at start.
func (in *inflight) begin(k evalKey, start time.Time) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if st := in.state(k); st != nil {
		st.starts = append(st.starts, start)
	}
}

// fail records that an evaluation of k failed.
func (in *inflight) fail(k evalKey) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if st := in.state(k); st != nil {
		st.failures++
	}
}

// end takes, for an evaluation of k that ends, the oldest start (ok false
// when none is left: its Before was not called) and one failure.
func (in *inflight) end(k evalKey) (start time.Time, ok, failed bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	st := in.states[k]
	if st == nil {
		return time.Time{}, false, false
	}
	if n := len(st.starts); n > 0 {
		start, ok = st.starts[0], true
		copy(st.starts, st.starts[1:])
		st.starts = st.starts[:n-1]
		in.held--
	}
	if st.failures > 0 {
		st.failures--
		in.held--
		failed = true
	}
	if len(st.starts) == 0 && st.failures == 0 {
		delete(in.states, k)
		if cap(st.starts) > maxReusedStarts {
			st.starts = nil // do not keep the room a burst needed
		}
		if len(in.free) < maxFree {
			in.free = append(in.free, st)
		}
	}
	return start, ok, failed
}

// len returns the number of keys with evaluations in flight.
func (in *inflight) len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.states)
}
