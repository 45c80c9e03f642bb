package openfeaturehook

import (
	"context"
	"errors"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/instrument/feature"
)

// stepClock is a clock that moves on by step at each reading.
type stepClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

// newHook returns a hook reading clock, on an API instance of its own
// serving one flag, "on", and the client of that instance.
func newHook(t *testing.T, clock func() time.Time) (*Hook, *feature.Analytics, *openfeature.Client) {
	t.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	h, err := New(a)
	if err != nil {
		t.Fatal(err)
	}
	h.now = clock
	api := isolated.NewAPI()
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
	p := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"on": {Key: "on", State: memprovider.Enabled, DefaultVariant: "on", Variants: map[string]any{"on": true}},
	})
	if err := api.SetProviderAndWait(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	api.AddHooks(h)
	return h, a, api.NewClient()
}

// The duration is the clock's time from Before to Finally: the clock is
// read once in each, so each evaluation takes one step.
func TestHookDuration(t *testing.T) {
	clock := &stepClock{t: time.Unix(1e9, 0), step: 7 * time.Millisecond}
	h, a, c := newHook(t, clock.now)
	ctx := t.Context()
	for _, u := range []string{"alice", "bob", "carol"} {
		c.Boolean(ctx, "on", false, openfeature.NewTargetlessEvaluationContext(nil))
		c.Boolean(ctx, "missing", false, openfeature.NewEvaluationContext(u, nil))
	}
	for _, f := range a.Snapshot().Features {
		if math.Abs(f.MeanDurationSeconds-0.007) > 1e-12 {
			t.Errorf("%s: mean duration %vs, want 0.007s", f.Name, f.MeanDurationSeconds)
		}
		t.Logf("%s: uses %d, failures %d, mean duration %vs", f.Name, f.Uses, f.Failures, f.MeanDurationSeconds)
	}
	if n := h.inflight.len(); n != 0 {
		t.Errorf("%d keys in flight after the evaluations, want 0", n)
	}
}

// Overlapping evaluations of one flag under one context leave nothing in
// flight and keep the sum of their durations.
func TestHookOverlapConcurrentSafe(t *testing.T) {
	clock := &stepClock{t: time.Unix(1e9, 0), step: time.Millisecond}
	h, a, c := newHook(t, clock.now)
	const goroutines, perGoroutine = 8, 200
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				c.Boolean(context.Background(), "on", false, openfeature.NewEvaluationContext("alice", nil))
			}
		})
	}
	wg.Wait()
	f := a.Snapshot().Features[0]
	if f.Uses != goroutines*perGoroutine || f.Failures != 0 {
		t.Errorf("uses %d, failures %d, want %d and 0", f.Uses, f.Failures, goroutines*perGoroutine)
	}
	// Each use is timed from one clock reading to a later one: the sum of
	// the durations is that of the uses' own, whichever start each took.
	if f.MeanDurationSeconds < 0.001 {
		t.Errorf("mean duration %vs, want at least one step", f.MeanDurationSeconds)
	}
	if n := h.inflight.len(); n != 0 {
		t.Errorf("%d keys in flight after the evaluations, want 0", n)
	}
}

// A context of a struct type that cannot be compared is not put in the key,
// and does not panic.
type mapCtx struct {
	context.Context
	values map[string]string
}

type ctxKey struct{}

func TestKeyOfUncomparableContext(t *testing.T) {
	ctx := mapCtx{Context: context.Background(), values: map[string]string{}}
	hc := openfeature.NewHookContext("on", openfeature.Boolean, false, openfeature.ClientMetadata{}, openfeature.Metadata{}, openfeature.EvaluationContext{})
	if k := keyOf(ctx, hc); k.ctx != nil {
		t.Errorf("key holds a %T context", k.ctx)
	}
	p := context.WithValue(ctx, ctxKey{}, 1)
	if k := keyOf(p, hc); k.ctx != p {
		t.Error("key does not hold a pointer context")
	}
	var none context.Context // a caller may pass nil
	if k := keyOf(none, hc); k.ctx != nil || k.flag != "on" {
		t.Errorf("key of a nil context: %+v", k)
	}
}

// Stages called without their Finally hold at most MaxInFlight starts and
// failures; the Finally calls release them all.
func TestInflightBound(t *testing.T) {
	var in inflight
	start := time.Unix(1e9, 0)
	k := func(i int) evalKey {
		return evalKey{flag: "f", typ: openfeature.Type(i % 3), domain: string(rune('a' + i%5))}
	}
	for i := range MaxInFlight + 100 {
		in.begin(k(i), start)
		in.fail(k(i))
	}
	if in.held != MaxInFlight {
		t.Errorf("held %d, want %d", in.held, MaxInFlight)
	}
	var timed, failed int
	for i := range MaxInFlight + 100 {
		_, ok, f := in.end(k(i))
		if ok {
			timed++
		}
		if f {
			failed++
		}
	}
	if timed+failed != MaxInFlight || in.held != 0 || in.len() != 0 {
		t.Errorf("released %d starts and %d failures, held %d in %d keys; want %d, 0, 0",
			timed, failed, in.held, in.len(), MaxInFlight)
	}
	if _, ok, f := in.end(k(0)); ok || f {
		t.Error("end with nothing in flight took something")
	}
}

// FIFO: overlapping evaluations of one key take the oldest start first.
func TestInflightOrder(t *testing.T) {
	var in inflight
	k := evalKey{flag: "f"}
	t0 := time.Unix(1e9, 0)
	in.begin(k, t0)
	in.begin(k, t0.Add(time.Second))
	in.fail(k)
	s1, ok1, f1 := in.end(k)
	s2, ok2, f2 := in.end(k)
	if !ok1 || !ok2 || !s1.Equal(t0) || !s2.Equal(t0.Add(time.Second)) || !f1 || f2 {
		t.Errorf("got (%v %v %v), (%v %v %v)", s1, ok1, f1, s2, ok2, f2)
	}
	if in.len() != 0 {
		t.Errorf("%d keys left", in.len())
	}
}

// hookCall is one evaluation's stages, called on h directly.
func hookCall(h *Hook, ctx context.Context, hc openfeature.HookContext, details openfeature.InterfaceEvaluationDetails) {
	_, _ = h.Before(ctx, hc, openfeature.HookHints{})
	_ = h.After(ctx, hc, details, openfeature.HookHints{})
	h.Finally(ctx, hc, details, openfeature.HookHints{})
}

func hookArgs() (openfeature.HookContext, openfeature.InterfaceEvaluationDetails) {
	hc := openfeature.NewHookContext("new-checkout", openfeature.Boolean, false,
		openfeature.ClientMetadata{}, openfeature.Metadata{Name: "test"},
		openfeature.NewEvaluationContext("alice", nil))
	details := openfeature.InterfaceEvaluationDetails{Value: true, EvaluationDetails: openfeature.EvaluationDetails{
		FlagKey: "new-checkout", FlagType: openfeature.Boolean,
		ResolutionDetail: openfeature.ResolutionDetail{Variant: "on", Reason: openfeature.StaticReason},
	}}
	return hc, details
}

// The hook's own work allocates nothing once the flag's handle is made.
func TestHookAllocs(t *testing.T) {
	h, _, _ := newHook(t, time.Now)
	hc, details := hookArgs()
	ctx := context.WithValue(t.Context(), ctxKey{}, 1)
	hookCall(h, ctx, hc, details)
	if n := testing.AllocsPerRun(1000, func() { hookCall(h, ctx, hc, details) }); n != 0 {
		t.Errorf("%v allocations per evaluation, want 0", n)
	}
}

func BenchmarkHook(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	h, err := New(a)
	if err != nil {
		b.Fatal(err)
	}
	hc, details := hookArgs()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.WithValue(context.Background(), ctxKey{}, 1) // one per goroutine, as a request's
		for pb.Next() {
			hookCall(h, ctx, hc, details)
		}
	})
}

// A nil ctx, which the SDK passes on as it is, is recorded.
func TestHookNilContext(t *testing.T) {
	h, a, _ := newHook(t, time.Now)
	hc, details := hookArgs()
	var none context.Context
	hookCall(h, none, hc, details)
	if f := a.Snapshot().Features[0]; f.Uses != 1 || f.UniqueUsers != 1 {
		t.Errorf("uses %d, unique users %d, want 1 and 1", f.Uses, f.UniqueUsers)
	}
}

// Overlapping evaluations of one key, A failing and B not, whose stages
// interleave: B's Finally takes A's start and A's failure, A's Finally
// B's start; the uses, the failures and the sum of the durations are still
// those of A and B.
func TestHookInterleavedStages(t *testing.T) {
	clock := &stepClock{t: time.Unix(1e9, 0), step: time.Millisecond}
	h, a, _ := newHook(t, clock.now)
	hc, ok := hookArgs()
	notFound := ok
	notFound.Reason, notFound.ErrorCode, notFound.Variant = openfeature.ErrorReason, openfeature.FlagNotFoundCode, ""
	ctx, hints := context.Background(), openfeature.HookHints{}

	_, _ = h.Before(ctx, hc, hints)          // A begins at 1 ms
	_, _ = h.Before(ctx, hc, hints)          // B begins at 2 ms
	h.Error(ctx, hc, errors.New("A"), hints) // A fails
	_ = h.After(ctx, hc, ok, hints)          // B succeeds
	h.Finally(ctx, hc, ok, hints)            // B ends at 3 ms
	h.Finally(ctx, hc, notFound, hints)      // A ends at 4 ms
	// C: the SDK skipped the Before hooks (provider not ready).
	h.Error(ctx, hc, openfeature.ProviderNotReadyError, hints)
	h.Finally(ctx, hc, notFound, hints)

	f := a.Snapshot().Features[0]
	// A took 3 ms and B 1 ms; C counts a zero duration: 4 ms over 3 uses.
	wantMean := (4 * time.Millisecond / 3).Seconds()
	if f.Uses != 3 || f.Failures != 2 || math.Abs(f.MeanDurationSeconds-wantMean) > 1e-9 {
		t.Errorf("uses %d, failures %d, mean duration %vs; want 3, 2, %vs", f.Uses, f.Failures, f.MeanDurationSeconds, wantMean)
	}
	if n := h.inflight.len(); n != 0 {
		t.Errorf("%d keys in flight, want 0", n)
	}
}

// The hook keeps the handles of the first maxCached flag keys only, and
// still records the others.
func TestHookHandleCacheBound(t *testing.T) {
	h, a, _ := newHook(t, time.Now)
	for i := range maxCached + 10 {
		h.feature(strconv.Itoa(i))
	}
	if n := len(h.features); n != maxCached || !h.cacheOff.Load() {
		t.Errorf("%d handles kept, cache off %v; want %d, true", n, h.cacheOff.Load(), maxCached)
	}
	h.feature(strconv.Itoa(maxCached+20)).Record(t.Context(), "", "", 0, true)
	var uses int64
	for _, f := range a.Snapshot().Features {
		uses += f.Uses
	}
	if uses != 1 {
		t.Errorf("%d uses, want 1", uses)
	}
}
