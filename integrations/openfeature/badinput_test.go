package openfeaturehook_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/instrument/feature"
	openfeaturehook "github.com/otelvitals/vitals/integrations/openfeature"
	"github.com/otelvitals/vitals/semconv"
)

// badCase is one bad input: the call that makes it, and what the
// documentation says comes of it.
type badCase struct {
	name   string
	api    string // the API called
	input  string // the bad input, for people
	result string // the documented outcome, for people
	// call makes the bad call with a fresh tracker and checks its outcome.
	call func(t *testing.T, a *feature.Analytics)
}

// newAnalytics returns a tracker recording into a ManualReader of its own,
// closed when t ends.
func newAnalytics(t testing.TB) *feature.Analytics {
	t.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, err := feature.New(feature.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return a
}

// evaluate runs the stages of one evaluation of flag through h, as the SDK
// does, with the provider's variant.
func evaluate(h openfeature.Hook, flag, variant string, hints openfeature.HookHints) {
	ctx := context.Background()
	hc := openfeature.NewHookContext(flag, openfeature.String, "", openfeature.NewClientMetadata("bad"),
		openfeature.Metadata{Name: "test"}, openfeature.NewEvaluationContext("alice", nil))
	_, _ = h.Before(ctx, hc, hints)
	details := openfeature.InterfaceEvaluationDetails{EvaluationDetails: openfeature.EvaluationDetails{
		FlagKey: flag, FlagType: openfeature.String,
		ResolutionDetail: openfeature.ResolutionDetail{Variant: variant, Reason: openfeature.StaticReason},
	}}
	_ = h.After(ctx, hc, details, hints)
	h.Finally(ctx, hc, details, hints)
}

// onlyFeature returns the snapshot of a's only feature.
func onlyFeature(t *testing.T, a *feature.Analytics) feature.Entry {
	t.Helper()
	fs := a.Snapshot().Features
	if len(fs) != 1 {
		t.Fatalf("%d features, want 1", len(fs))
	}
	return fs[0]
}

// wantFeature checks that one evaluation of flag is recorded as feature
// name.
func wantFeature(t *testing.T, a *feature.Analytics, flag, name string) {
	t.Helper()
	evaluate(newHook(t, a), flag, "", openfeature.HookHints{})
	if f := onlyFeature(t, a); f.Name != name || f.Uses != 1 {
		t.Errorf("feature %.40q (%d bytes) with %d uses, want %.40q (%d bytes) with 1", f.Name, len(f.Name), f.Uses, name, len(name))
	}
}

// wantVariants checks that evaluations of flag "f" with variants are
// counted as want.
func wantVariants(t *testing.T, a *feature.Analytics, want map[string]int64, variants ...string) {
	t.Helper()
	h := newHook(t, a)
	for _, v := range variants {
		evaluate(h, "f", v, openfeature.HookHints{})
	}
	f := onlyFeature(t, a)
	if fmt.Sprint(f.Variants) != fmt.Sprint(want) || f.Uses != int64(len(variants)) {
		t.Errorf("%d uses, variants %v; want %d, %v", f.Uses, f.Variants, len(variants), want)
	}
}

func badCases() []badCase {
	mib := strings.Repeat("f", 1<<20)
	bad := make([]string, 2*feature.MaxVariants)
	for i := range bad {
		bad[i] = "on\xff"
	}
	return []badCase{
		{
			name: "new nil analytics", api: "openfeaturehook.New", input: "a: nil",
			result: "a hook that records no feature uses and counts the evaluations; its methods do nothing else",
			call: func(t *testing.T, _ *feature.Analytics) {
				evaluate(newHook(t, nil), "f", "on", openfeature.HookHints{})
			},
		},
		{
			name: "nil hook", api: "openfeaturehook.Hook", input: "a nil *Hook",
			result: "every method does nothing",
			call: func(t *testing.T, _ *feature.Analytics) {
				var h *openfeaturehook.Hook
				evaluate(h, "f", "on", openfeature.HookHints{})
				h.Error(context.Background(), openfeature.HookContext{}, nil, openfeature.HookHints{})
			},
		},
		{
			name: "nil option", api: "openfeaturehook.New", input: "opts: nil",
			result: "ignored: the default pattern",
			call: func(t *testing.T, a *feature.Analytics) {
				evaluate(newHook(t, a, nil), "f", "", openfeature.HookHints{})
				if f := onlyFeature(t, a); f.Patterns[feature.PatternDirectCall] != 1 {
					t.Errorf("patterns %v", f.Patterns)
				}
			},
		},
		{
			name: "zero hook context", api: "openfeaturehook.Hook.Finally", input: "a zero HookContext and details",
			result: `recorded as a use of flag "unknown"`,
			call: func(t *testing.T, a *feature.Analytics) {
				h := newHook(t, a)
				//lint:ignore SA1012 a nil ctx is among the bad input under test
				h.Finally(nil, openfeature.HookContext{}, openfeature.InterfaceEvaluationDetails{}, openfeature.HookHints{})
				if f := onlyFeature(t, a); f.Name != "unknown" || f.Uses != 1 {
					t.Errorf("feature %q with %d uses", f.Name, f.Uses)
				}
			},
		},
		{
			name: "invalid UTF-8 flag key", api: "openfeaturehook.Hook", input: `flag key "f\xff" (the SDK refuses it; a caller of the hook may not)`,
			result: `recorded as flag "f\uFFFD"`,
			call:   func(t *testing.T, a *feature.Analytics) { wantFeature(t, a, "f\xff", "f\uFFFD") },
		},
		{
			name: "1 MiB flag key", api: "openfeaturehook.Hook", input: "flag key of 1 MiB",
			result: "recorded cut to semconv.MaxValueLength (256 bytes)",
			call:   func(t *testing.T, a *feature.Analytics) { wantFeature(t, a, mib, mib[:semconv.MaxValueLength]) },
		},
		{
			name: "empty flag key", api: "openfeaturehook.Hook", input: `flag key ""`,
			result: `recorded as flag "unknown"`,
			call:   func(t *testing.T, a *feature.Analytics) { wantFeature(t, a, "", "unknown") },
		},
		{
			name: "invalid UTF-8 variant, repeated", api: "openfeaturehook.Hook", input: `variant "on\xff" 16 times, then "blue"`,
			result: `counted as one variant "on\uFFFD", so "blue" keeps a variant of its own`,
			call: func(t *testing.T, a *feature.Analytics) {
				wantVariants(t, a, map[string]int64{"on\uFFFD": int64(len(bad)), "blue": 1}, append(bad, "blue")...)
			},
		},
		{
			name: "1 MiB variant", api: "openfeaturehook.Hook", input: "variant of 1 MiB, twice",
			result: "counted as one variant cut to 256 bytes",
			call: func(t *testing.T, a *feature.Analytics) {
				v := strings.Repeat("v", 1<<20)
				wantVariants(t, a, map[string]int64{v[:semconv.MaxValueLength]: 2}, v, v)
			},
		},
		{
			name: "empty variant", api: "openfeaturehook.Hook", input: `variant ""`,
			result: "a use without a variant",
			call: func(t *testing.T, a *feature.Analytics) {
				wantVariants(t, a, map[string]int64{}, "")
			},
		},
		{
			name: "pattern hint of another type", api: "openfeaturehook.PatternHint", input: "hint 42",
			result: "ignored: the default pattern",
			call: func(t *testing.T, a *feature.Analytics) {
				evaluate(newHook(t, a), "f", "", openfeature.NewHookHints(map[string]any{openfeaturehook.PatternHint: 42}))
				if f := onlyFeature(t, a); f.Patterns[feature.PatternDirectCall] != 1 {
					t.Errorf("patterns %v", f.Patterns)
				}
			},
		},
		{
			name: "finally without before", api: "openfeaturehook.Hook.Finally", input: "Finally alone",
			result: "a use of zero duration",
			call: func(t *testing.T, a *feature.Analytics) {
				hc := openfeature.NewHookContext("f", openfeature.Boolean, false, openfeature.NewClientMetadata(""),
					openfeature.Metadata{}, openfeature.EvaluationContext{})
				newHook(t, a).Finally(context.Background(), hc, openfeature.InterfaceEvaluationDetails{}, openfeature.HookHints{})
				if f := onlyFeature(t, a); f.Uses != 1 || f.MeanDurationSeconds != 0 {
					t.Errorf("uses %d, mean duration %v", f.Uses, f.MeanDurationSeconds)
				}
			},
		},
		{
			name: "huge flag keys through the SDK", api: "openfeaturehook.Hook", input: "100 missing flags of 64 KiB through a client",
			result: "each counted once, as a failure (FLAG_NOT_FOUND), under its key cut to 256 bytes",
			call: func(t *testing.T, a *feature.Analytics) {
				api := isolated.NewAPI()
				defer api.Shutdown(context.Background())
				if err := api.SetProviderAndWait(t.Context(), memprovider.NewInMemoryProvider(nil)); err != nil {
					t.Fatal(err)
				}
				api.AddHooks(newHook(t, a))
				c := api.NewClient()
				for i := range 100 {
					c.Boolean(t.Context(), hugeKey(i), false, openfeature.EvaluationContext{})
				}
				var uses, failures int64
				for _, f := range a.Snapshot().Features {
					uses, failures = uses+f.Uses, failures+f.Failures
					if len(f.Name) != semconv.MaxValueLength {
						t.Errorf("a feature name of %d bytes", len(f.Name))
					}
				}
				if uses != 100 || failures != 100 {
					t.Errorf("uses %d, failures %d; want 100, 100", uses, failures)
				}
			},
		},
	}
}

// hugeKey returns the i-th distinct flag key of 64 KiB, made anew at each
// call: its first 256 bytes differ from those of every other i.
func hugeKey(i int) string {
	return strconv.Itoa(i) + "-" + strings.Repeat("k", 64<<10-len(strconv.Itoa(i))-1)
}

// TestBadInputOpenFeature runs every bad input of badCases with a fresh
// tracker: none may panic, and each must have its documented outcome.
func TestBadInputOpenFeature(t *testing.T) {
	cases := badCases()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			a := newAnalytics(t)
			badNoPanic(t, func() { tc.call(t, a) })
		})
	}
	if testing.Verbose() {
		t.Log("\n" + badTable(cases))
	}
}

// badNoPanic runs f, failing t if it panics.
func badNoPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panicked: %v\n%s", p, debug.Stack())
		}
	}()
	f()
}

// badTable renders the cases as a Markdown table.
func badTable(cases []badCase) string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| case | API | input | result |\n|---|---|---|---|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(c.name), cell(c.api), cell(c.input), cell(c.result))
	}
	return b.String()
}

// TestHookMemoryBound evaluates 5,000 distinct flag keys of 64 KiB (320
// MiB of keys, each dropped after its evaluation) through one hook, more
// than the hook keeps handles for and than the tracker keeps features for,
// and compares the heap they leave with that of 5,000 short keys. The keys
// are kept cleaned, so the huge keys leave only their 256-byte names more
// (about 1.3 MiB), not the keys: the hook used to keep up to 4,096 keys
// whole (296 MiB here).
func TestHookMemoryBound(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	// grown returns by how much the heap grew over 5,000 evaluations of
	// the keys key gives, through a new hook and tracker still in use.
	grown := func(key func(i int) string) int64 {
		a := newAnalytics(t)
		h := newHook(t, a)
		before := heap()
		for i := range 5000 {
			evaluate(h, key(i), "on", openfeature.HookHints{})
		}
		after := heap()
		var uses int64
		for _, f := range a.Snapshot().Features {
			uses += f.Uses
		}
		if uses != 5000 {
			t.Errorf("%d uses, want 5000", uses)
		}
		runtime.KeepAlive(h)
		return int64(after) - int64(before)
	}
	short := grown(strconv.Itoa)
	huge := grown(hugeKey)
	const mib = 1 << 20
	t.Logf("heap grown over 5,000 keys: %.1f MiB for short keys, %.1f MiB for keys of 64 KiB", float64(short)/mib, float64(huge)/mib)
	if huge-short > 4*mib {
		t.Errorf("keys of 64 KiB left %.1f MiB more than short keys, want at most 4 MiB", float64(huge-short)/mib)
	}
}
