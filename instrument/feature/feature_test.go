package feature

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/hll"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/internal/rejected"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is a Monday, 09:00 UTC.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	clock  *clock.Fake
	reader *metrictest.Reader
	a      *Analytics
}

func newFixture(t *testing.T, fast bool, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{clock: clock.NewFake(t0), reader: metrictest.NewReader(t, fast)}
	x, err := New(append([]Option{WithMeterProvider(f.reader.Provider), WithProducer(f.reader.Producer), WithClock(f.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })
	f.a = x
	return f
}

func (f *fixture) collect() metricdata.ResourceMetrics { return f.reader.Collect() }

var point = metrictest.Point

func want[T comparable](t *testing.T, rm metricdata.ResourceMetrics, w T, name string, kv ...attribute.KeyValue) {
	t.Helper()
	metrictest.Want(t, rm, w, name, kv...)
}

var (
	endpoint = semconv.FeatureTypeKey.String("api_endpoint")
	search   = semconv.FeatureNameKey.String("/search")
	success  = semconv.FeatureOutcomeKey.String("success")
	failure  = semconv.FeatureOutcomeKey.String("failure")
)

func pattern(p string) attribute.KeyValue { return semconv.FeaturePatternKey.String(p) }

// TestDurationSumPastInt64 records uses whose durations sum past what an
// int64 of nanoseconds holds (292 years): the mean stays right.
func TestDurationSumPastInt64(t *testing.T) {
	f := newFixture(t, true)
	s := f.a.Feature(TypeAPIEndpoint, "/search")
	long := time.Duration(math.MaxInt64 - 1)
	for range 5 {
		s.Record(context.Background(), "alice", PatternDirectCall, long, true)
	}
	snap := f.a.Snapshot().Features[0]
	if math.Abs(snap.MeanDurationSeconds/long.Seconds()-1) > 1e-12 {
		t.Errorf("mean %v s, want %v", snap.MeanDurationSeconds, long.Seconds())
	}
}

// TestScriptedUsage records a script of uses and reads usage counts,
// success ratio, pattern distribution, durations, unique users and the peak
// hour back exactly.
func TestScriptedUsage(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(map[bool]string{false: "sdk", true: "fast"}[fast], func(t *testing.T) {
			f := newFixture(t, fast, WithWindow(4*time.Hour))
			ctx := context.Background()
			s := f.a.Feature(TypeAPIEndpoint, "/search")
			// 09:00: three users, direct calls, one failing.
			s.Record(ctx, "alice", PatternDirectCall, 10*time.Millisecond, true)
			s.Record(ctx, "bob", PatternDirectCall, 20*time.Millisecond, true)
			s.Record(ctx, "carol", PatternDirectCall, 30*time.Millisecond, false)
			// 11:30: alice again in a batch, and an anonymous background task.
			f.clock.Advance(150 * time.Minute)
			s.Record(ctx, "alice", PatternBatchOperation, 40*time.Millisecond, true)
			s.Record(ctx, "", PatternBackgroundTask, -time.Second, true)

			rm := f.collect()
			want(t, rm, int64(2), semconv.FeatureUses.Name, endpoint, search, pattern("direct_call"), success)
			want(t, rm, int64(1), semconv.FeatureUses.Name, endpoint, search, pattern("direct_call"), failure)
			want(t, rm, int64(1), semconv.FeatureUses.Name, endpoint, search, pattern("batch_operation"), success)
			want(t, rm, int64(1), semconv.FeatureUses.Name, endpoint, search, pattern("background_task"), success)
			want(t, rm, int64(3), semconv.FeatureUsers.Name, endpoint, search)
			want(t, rm, 0.8, semconv.FeatureSuccessRatio.Name, endpoint, search)
			got, _ := point(rm, semconv.FeatureUseDuration.Name, endpoint, search)
			if h := got.(metricdata.HistogramDataPoint[float64]); h.Count != 4 || math.Abs(h.Sum-0.1) > 1e-12 {
				t.Fatalf("durations %+v, want 4 summing to 0.1s", h)
			}
			want(t, rm, int64(1), semconv.InputRejections.Name, semconv.ErrorTypeKey.String(rejected.ReasonNegativeDuration))

			snap := f.a.Snapshot().Features[0]
			if snap.Uses != 5 || snap.Failures != 1 || snap.WindowUses != 5 || snap.UniqueUsers != 3 ||
				math.Abs(snap.MeanDurationSeconds-0.025) > 1e-12 || snap.PeakHour != 9 || snap.HourlyUses[11] != 2 {
				// The mean comes from the histogram's sum of float seconds,
				// added up in stripes in no fixed order: exact to rounding.
				t.Fatalf("snapshot %+v", snap)
			}
			if fmt.Sprint(snap.Patterns) != "map[background_task:1 batch_operation:1 direct_call:3]" {
				t.Fatalf("patterns %v", snap.Patterns)
			}
		})
	}
}

// TestWindowAndTrend moves usage across windows and checks window counts,
// unique users and the trend.
func TestWindowAndTrend(t *testing.T) {
	f := newFixture(t, true, WithWindow(4*time.Hour)) // quarters of 1h
	ctx := context.Background()
	x := f.a.Feature(TypeComponent, "exporter")
	use := func(n int, users string) {
		for i := range n {
			x.Record(ctx, users+strconv.Itoa(i%7), PatternDirectCall, time.Millisecond, true)
		}
	}
	use(20, "u") // window 1: 20 uses, 7 users
	snap := f.a.Snapshot().Features[0]
	if snap.Trend != instrument.TrendGrowing || snap.WindowUses != 20 || snap.UniqueUsers != 7 {
		t.Fatalf("first window: %+v", snap)
	}
	f.clock.Advance(4 * time.Hour) // window 2: 40 uses
	use(40, "v")
	snap = f.a.Snapshot().Features[0]
	if snap.WindowUses != 40 || snap.PreviousWindowUses != 20 || snap.Trend != instrument.TrendGrowing || snap.UniqueUsers != 7 {
		t.Fatalf("second window: %+v", snap)
	}
	f.clock.Advance(4 * time.Hour) // window 3: 41 uses, stable
	use(41, "w")
	if snap = f.a.Snapshot().Features[0]; snap.Trend != instrument.TrendStable {
		t.Fatalf("third window: %+v", snap)
	}
	f.clock.Advance(4 * time.Hour) // window 4: 10 uses, declining
	use(10, "z")
	if snap = f.a.Snapshot().Features[0]; snap.Trend != instrument.TrendDeclining || snap.WindowUses != 10 || snap.PreviousWindowUses != 41 {
		t.Fatalf("fourth window: %+v", snap)
	}
	f.clock.Advance(8 * time.Hour) // nothing in either window
	snap = f.a.Snapshot().Features[0]
	if snap.WindowUses != 0 || snap.PreviousWindowUses != 0 || snap.UniqueUsers != 0 || snap.Trend != instrument.TrendStable || snap.Uses != 111 {
		t.Fatalf("after two quiet windows: %+v", snap)
	}
	for _, tt := range []struct {
		cur, prev int64
		want      string
	}{
		{0, 0, instrument.TrendStable}, {5, 4, instrument.TrendStable}, {10, 0, instrument.TrendGrowing}, {111, 100, instrument.TrendGrowing},
		{110, 100, instrument.TrendStable}, {90, 100, instrument.TrendStable}, {89, 100, instrument.TrendDeclining}, {0, 10, instrument.TrendDeclining},
	} {
		if got := trend(tt.cur, tt.prev); got != tt.want {
			t.Errorf("trend(%d, %d) = %s, want %s", tt.cur, tt.prev, got, tt.want)
		}
	}
}

func TestTopAndPeakHour(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	f := newFixture(t, true, WithLocation(berlin))
	ctx := context.Background()
	counts := map[string]int{"a": 3, "b": 9, "c": 9, "d": 1}
	for name, n := range counts {
		for range n {
			f.a.Feature(TypeFeatureFlag, name).Record(ctx, "u", PatternDirectCall, 0, true)
		}
	}
	s := f.a.Snapshot()
	var order []string
	for _, r := range s.Top {
		order = append(order, r.Name)
	}
	if strings.Join(order, ",") != "b,c,a,d" {
		t.Fatalf("top %v, want b,c,a,d", order)
	}
	// 09:00 UTC is 10:00 in Berlin in March.
	if p := s.Features[0].PeakHour; p != 10 {
		t.Fatalf("peak hour %d, want 10 (Berlin)", p)
	}
}

// TestUniqueUsersMillion estimates a million distinct users within 2%.
func TestUniqueUsersMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("a million users")
	}
	f := newFixture(t, true)
	x := f.a.Feature(TypeMLModel, "ranker")
	ctx := context.Background()
	const n = 1_000_000
	for i := range n {
		x.Record(ctx, "user-"+strconv.Itoa(i), PatternDirectCall, 0, true)
	}
	got := f.a.Snapshot().Features[0].UniqueUsers
	if e := math.Abs(float64(got)-n) / n; e > 0.02 {
		t.Fatalf("estimate %d for %d users: %.2f%% off", got, n, 100*e)
	}
	// One quarter and the window's union, both dense.
	if b := x.users.Bytes(); b != 2*hll.DenseBytes {
		t.Errorf("sketches hold %d bytes, want %d", b, 2*hll.DenseBytes)
	}
	t.Logf("estimate %d for %d users (%.3f%% off); sketches %d bytes", got, n, 100*math.Abs(float64(got)-n)/n, x.users.Bytes())
}

// TestPrivacy records known user identifiers through every API and checks
// that none appears in the collected data, the snapshot's JSON or errors.
func TestPrivacy(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(map[bool]string{false: "maphash", true: "hmac"}[keyed], func(t *testing.T) {
			var opts []Option
			if keyed {
				opts = append(opts, WithUserHashKey([]byte("0123456789abcdef-secret")))
			}
			f := newFixture(t, false, opts...)
			ctx := context.Background()
			users := []string{"alice@example.com", "user-8c1f2e", "+49 30 1234567"}
			x := f.a.Feature(TypeAPIEndpoint, "/checkout")
			for _, u := range users {
				x.Record(ctx, u, PatternDirectCall, time.Millisecond, true)
				op := f.a.Feature(TypeFeatureFlag, "new-ui").Start(ctx, u, PatternDirectCall)
				op.End(errors.New("boom"))
				_ = x.Do(ctx, u, PatternBatchOperation, func(context.Context) error { return nil })
			}
			rm := f.collect()
			snap, _ := json.Marshal(f.a.Snapshot())
			for _, u := range users {
				if strings.Contains(fmt.Sprintf("%+v", rm), u) || strings.Contains(string(snap), u) {
					t.Fatalf("user %q leaked", u)
				}
			}
			if s := f.a.Snapshot().Features[0]; s.UniqueUsers != 3 || s.Uses != 6 {
				t.Fatalf("%+v", s)
			}
		})
	}
}

func TestPatternLimit(t *testing.T) {
	f := newFixture(t, true)
	x := f.a.Feature(TypeComponent, "c")
	ctx := context.Background()
	for i := range 10 { // 4 custom slots, then "other"
		x.Record(ctx, "", "custom-"+strconv.Itoa(i), 0, true)
	}
	p := f.a.Snapshot().Features[0].Patterns
	if len(p) != 5 || p["other"] != 6 || p["custom-3"] != 1 || p["custom-4"] != 0 {
		t.Fatalf("patterns %v", p)
	}
	want(t, f.collect(), int64(6), semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonTooManyPatterns))
}

func TestFeatureLimitAndClose(t *testing.T) {
	f := newFixture(t, true, WithMaxFeatures(1))
	a, b := f.a.Feature("x", "a"), f.a.Feature("x", "b")
	if a == b || !b.overflow {
		t.Fatal("features past the limit share the overflow feature")
	}
	b.Record(context.Background(), "u", "", 0, true)
	want(t, f.collect(), int64(1), semconv.FeatureUses.Name, semconv.Overflow)
	if err := f.a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := point(f.collect(), semconv.FeatureUses.Name); ok {
		t.Fatal("usage reported after Close")
	}
}

func TestConcurrentSafe(t *testing.T) {
	f := newFixture(t, true)
	x := f.a.Feature(TypeAPIEndpoint, "/x")
	const workers, ops = 8, 10000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				x.Record(context.Background(), strconv.Itoa(w), PatternDirectCall, time.Microsecond, i%10 != 0)
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			f.collect()
			f.a.Snapshot()
		}
	}()
	wg.Wait()
	<-done
	s := f.a.Snapshot().Features[0]
	if s.Uses != workers*ops || s.Failures != workers*ops/10 || s.UniqueUsers != workers {
		t.Fatalf("%+v", s)
	}
}

// TestVariants records flag evaluations with variants and reads them back,
// bounded at MaxVariants.
func TestVariants(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	flag := f.a.Feature(TypeFeatureFlag, "checkout")
	for i := range 12 { // v0..v9, then v0 and v1 again
		flag.RecordVariant(ctx, "u", PatternDirectCall, "v"+strconv.Itoa(i%10), 0, true)
	}
	flag.RecordVariant(ctx, "u", PatternDirectCall, "", 0, true) // a use without a variant
	s := f.a.Snapshot().Features[0]
	if s.Uses != 13 || len(s.Variants) != 9 || s.Variants["v0"] != 2 || s.Variants["v7"] != 1 || s.Variants["other"] != 2 {
		t.Fatalf("snapshot %+v", s)
	}
	rm := f.collect()
	flagAttrs := []attribute.KeyValue{semconv.FeatureTypeKey.String("feature_flag"), semconv.FeatureNameKey.String("checkout")}
	want(t, rm, int64(2), semconv.FeatureVariantUses.Name, append(flagAttrs, semconv.FeatureVariantKey.String("v1"))...)
	want(t, rm, int64(2), semconv.FeatureVariantUses.Name, append(flagAttrs, semconv.FeatureVariantKey.String("other"))...)
	want(t, rm, int64(2), semconv.InputRejections.Name, semconv.ErrorTypeKey.String(reasonTooManyVariants))
}

// TestBadVariantKeepsOneSlot records one invalid UTF-8 variant ten times:
// it takes one slot under its cleaned name, counted each time, and leaves
// the other slots to good variants.
func TestBadVariantKeepsOneSlot(t *testing.T) {
	f := newFixture(t, true)
	flag := f.a.Feature(TypeFeatureFlag, "checkout")
	for range 10 {
		flag.RecordVariant(context.Background(), "u", PatternDirectCall, "on\xff", 0, true)
	}
	flag.RecordVariant(context.Background(), "u", PatternDirectCall, "off", 0, true)
	s := f.a.Snapshot().Features[0]
	if len(s.Variants) != 2 || s.Variants["on\uFFFD"] != 10 || s.Variants["off"] != 1 {
		t.Fatalf("variants %v", s.Variants)
	}
	want(t, f.collect(), int64(10), semconv.InputRejections.Name, semconv.ErrorTypeKey.String("invalid_utf8"))
}

// TestUserHashKeyLength checks that a key of 16 to 1024 bytes is used, that
// nil keeps the random seed, and that a key set but out of bounds is
// refused with ErrHashKeyLength while the analytics still count, with the
// random seed.
func TestUserHashKeyLength(t *testing.T) {
	for _, tt := range []struct {
		key     []byte
		refused bool
	}{
		{nil, false},
		{make([]byte, 16), false},
		{make([]byte, 1024), false},
		{[]byte{}, true},
		{make([]byte, 15), true},
		{make([]byte, 1025), true},
	} {
		a, err := New(WithMeterProvider(noop.NewMeterProvider()), WithUserHashKey(tt.key))
		if got := errors.Is(err, ErrHashKeyLength); got != tt.refused {
			t.Errorf("%d-byte key (nil %v): error %v, want refused %v", len(tt.key), tt.key == nil, err, tt.refused)
		}
		if keyed := a.key != nil; keyed != (tt.key != nil && !tt.refused) {
			t.Errorf("%d-byte key: keyed %v", len(tt.key), keyed)
		}
		x := a.Feature(TypeAPIEndpoint, "/k")
		x.Record(context.Background(), "u1", PatternDirectCall, 0, true)
		x.Record(context.Background(), "u2", PatternDirectCall, 0, true)
		if s := a.Snapshot().Features; len(s) != 1 || s[0].UniqueUsers != 2 {
			t.Errorf("%d-byte key: snapshot %+v, want 2 users", len(tt.key), s)
		}
		_ = a.Shutdown(context.Background())
	}
}

// sinkRecorder is a UserSink that keeps what it is handed.
type sinkRecorder struct {
	mu    sync.Mutex
	users map[*Feature][]uint64
}

func (s *sinkRecorder) AddUser(f *Feature, user uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == nil {
		s.users = map[*Feature][]uint64{}
	}
	s.users[f] = append(s.users[f], user)
}

// TestUserSink checks what a UserSink is handed: one keyed hash per use
// with a user, none for an anonymous use, the same hash for a user in two
// analytics that share a key, nothing once removed or after Shutdown, and
// that analytics without a key refuse a sink.
func TestUserSink(t *testing.T) {
	key := []byte("a fleet-wide key of 32 bytes....")
	ctx := context.Background()
	mp := noop.NewMeterProvider()
	unkeyed, _ := New(WithMeterProvider(mp))
	if err := unkeyed.SetUserSink(&sinkRecorder{}); !errors.Is(err, ErrNoHashKey) {
		t.Errorf("SetUserSink without a key: %v, want ErrNoHashKey", err)
	}
	a, _ := New(WithMeterProvider(mp), WithUserHashKey(key))
	b, _ := New(WithMeterProvider(mp), WithUserHashKey(key))
	t.Cleanup(func() { _ = errors.Join(unkeyed.Shutdown(ctx), a.Shutdown(ctx), b.Shutdown(ctx)) })
	sa, sb := &sinkRecorder{}, &sinkRecorder{}
	if err := errors.Join(a.SetUserSink(sa), b.SetUserSink(sb)); err != nil {
		t.Fatal(err)
	}
	fa, fb := a.Feature(TypeAPIEndpoint, "/x"), b.Feature(TypeAPIEndpoint, "/x")
	fa.Record(ctx, "alice", "", 0, true)
	fa.Record(ctx, "", "", 0, true) // anonymous: no hash
	fa.Record(ctx, "bob", "", 0, false)
	fb.Record(ctx, "alice", "", 0, true)
	got := sa.users[fa]
	if len(got) != 2 || got[0] == got[1] {
		t.Fatalf("sink got %x, want two distinct hashes", got)
	}
	if len(sb.users[fb]) != 1 || sb.users[fb][0] != got[0] {
		t.Errorf("alice hashed %x in one process, %x in the other", got[0], sb.users[fb])
	}
	if got[0] != userKey(key).String("alice") {
		t.Errorf("the hash handed on is not the keyed hash of the user")
	}
	_ = a.SetUserSink(nil)
	fa.Record(ctx, "carol", "", 0, true)
	_ = b.Shutdown(ctx)
	fb.Record(ctx, "dave", "", 0, true)
	if len(sa.users[fa]) != 2 || len(sb.users[fb]) != 1 {
		t.Errorf("handed on after removal or Shutdown: %d and %d hashes", len(sa.users[fa]), len(sb.users[fb]))
	}
	if w := a.Window(); w != DefaultWindow {
		t.Errorf("Window %v, want %v", w, DefaultWindow)
	}
}
