package spool

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sample holds one metric of every aggregation the SDK produces, with
// attributes of every type, extreme numbers and unset extrema.
func sample() *metricdata.ResourceMetrics {
	t0 := time.Date(2026, 11, 27, 5, 0, 0, 123456789, time.UTC)
	t1 := t0.Add(90 * time.Second)
	attrs := attribute.NewSet(
		attribute.Bool("b", true),
		attribute.Int64("i", math.MinInt64),
		attribute.Float64("f", 0.1),
		attribute.String("s", "ü\x00\""),
		attribute.BoolSlice("bs", []bool{true, false}),
		attribute.Int64Slice("is", []int64{math.MaxInt64, -1}),
		attribute.Float64Slice("fs", []float64{1e308, -0.5}),
		attribute.StringSlice("ss", []string{"a", ""}),
		attribute.KeyValue{Key: "by", Value: attribute.ByteSliceValue([]byte{0, 255})},
		attribute.KeyValue{Key: "sl", Value: attribute.SliceValue(attribute.StringValue("x"), attribute.Int64Value(2))},
		attribute.KeyValue{Key: "m", Value: attribute.MapValue(attribute.String("k", "v"), attribute.Int("n", 3))},
		attribute.KeyValue{Key: "e"},
	)
	one := attribute.NewSet(attribute.String("pool", "db"))
	return &metricdata.ResourceMetrics{
		Resource: resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "svc")),
		ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope: instrumentation.Scope{Name: "vitals", Version: "1.2.3", SchemaURL: "s", Attributes: attribute.NewSet(attribute.Int("a", 1))},
			Metrics: []metricdata.Metrics{
				{Name: "gi", Description: "d", Unit: "{x}", Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Attributes: attrs, StartTime: t0, Time: t1, Value: math.MaxInt64}}}},
				{Name: "gf", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Attributes: one, Time: t1, Value: 2}, {Time: t1, Value: -1e-300}}}},
				{Name: "si", Data: metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: []metricdata.DataPoint[int64]{{Attributes: one, StartTime: t0, Time: t1, Value: 1 << 53}}}},
				{Name: "sf", Data: metricdata.Sum[float64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.DataPoint[float64]{{StartTime: t0, Time: t1, Value: 0.30000000000000004}}}},
				{Name: "hi", Data: metricdata.Histogram[int64]{Temporality: metricdata.CumulativeTemporality, DataPoints: []metricdata.HistogramDataPoint[int64]{{
					Attributes: one, StartTime: t0, Time: t1, Count: 3, Bounds: []float64{1, 10}, BucketCounts: []uint64{1, 1, 1},
					Min: metricdata.NewExtrema[int64](0), Max: metricdata.NewExtrema[int64](50), Sum: 55,
				}}}},
				{Name: "hf", Data: metricdata.Histogram[float64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.HistogramDataPoint[float64]{{
					StartTime: t0, Time: t1, Count: 0, Bounds: []float64{0.005}, BucketCounts: []uint64{0, 0},
				}}}},
				{Name: "ei", Data: metricdata.ExponentialHistogram[int64]{Temporality: metricdata.CumulativeTemporality, DataPoints: []metricdata.ExponentialHistogramDataPoint[int64]{{
					StartTime: t0, Time: t1, Count: 4, Sum: 10, Min: metricdata.NewExtrema[int64](1), Max: metricdata.NewExtrema[int64](4),
					Scale: -2, ZeroCount: 1, ZeroThreshold: 1e-9,
					PositiveBucket: metricdata.ExponentialBucket{Offset: -3, Counts: []uint64{1, 2}},
				}}}},
				{Name: "ef", Data: metricdata.ExponentialHistogram[float64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{{
					Attributes: one, StartTime: t0, Time: t1, Count: 2, Sum: -1.5, Scale: 20,
					NegativeBucket: metricdata.ExponentialBucket{Offset: 7, Counts: []uint64{2}},
				}}}},
				{Name: "su", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{
					Attributes: one, StartTime: t0, Time: t1, Count: 9, Sum: 4.5,
					QuantileValues: []metricdata.QuantileValue{{Quantile: 0, Value: 0.1}, {Quantile: 1, Value: 2}},
				}}}},
			},
		}},
	}
}

// TestRoundTrip checks that every aggregation, attribute type and number
// survives Encode and Decode unchanged, times included.
func TestRoundTrip(t *testing.T) {
	want := sample()
	b, err := Encode(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Resource.Equal(want.Resource) || got.Resource.SchemaURL() != want.Resource.SchemaURL() {
		t.Errorf("resource = %v (%s), want %v", got.Resource, got.Resource.SchemaURL(), want.Resource)
	}
	if len(got.ScopeMetrics) != 1 {
		t.Fatalf("%d scopes, want 1", len(got.ScopeMetrics))
	}
	metricdatatest.AssertEqual(t, want.ScopeMetrics[0], got.ScopeMetrics[0])
}

// TestNonFiniteNumbers checks that NaN and the infinities, which JSON has no
// numbers for, come back as themselves.
func TestNonFiniteNumbers(t *testing.T) {
	in := &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{{
		Name: "g", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{
			{Value: math.NaN()}, {Value: math.Inf(1)}, {Value: math.Inf(-1)},
			{Value: 3, Attributes: attribute.NewSet(attribute.Float64("nan", math.NaN()))},
		}},
	}}}}}
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	dps := out.ScopeMetrics[0].Metrics[0].Data.(metricdata.Gauge[float64]).DataPoints
	if !math.IsNaN(dps[0].Value) || !math.IsInf(dps[1].Value, 1) || !math.IsInf(dps[2].Value, -1) || dps[3].Value != 3 {
		t.Errorf("values = %v %v %v %v, want NaN +Inf -Inf 3", dps[0].Value, dps[1].Value, dps[2].Value, dps[3].Value)
	}
	if v, _ := dps[3].Attributes.Value("nan"); !math.IsNaN(v.AsFloat64()) {
		t.Errorf("attribute nan = %v, want NaN", v.AsFloat64())
	}
}

// TestDecodeRejects checks that documents Decode cannot read give ErrFormat
// instead of a partial result.
func TestDecodeRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":      `{`,
		"wrong version": `{"version":2,"scopes":[]}`,
		"no version":    `{"scopes":[]}`,
		"unknown kind":  `{"version":1,"scopes":[{"name":"s","metrics":[{"name":"m","kind":"bogus","points":[]}]}]}`,
		"bad number":    `{"version":1,"scopes":[{"name":"s","metrics":[{"name":"m","kind":"gauge_float64","points":[{"start":"2026-01-01T00:00:00Z","time":"2026-01-01T00:00:00Z","value":"many"}]}]}]}`,
	} {
		rm, err := Decode([]byte(doc))
		if !errors.Is(err, ErrFormat) || rm != nil {
			t.Errorf("%s: Decode = %v, %v; want nil, ErrFormat", name, rm, err)
		}
	}
}

// TestEncodeRejectsUnknownAggregation checks that an aggregation the codec
// does not know is an error, not a silently dropped metric.
func TestEncodeRejectsUnknownAggregation(t *testing.T) {
	rm := &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{{Name: "m"}}}}}
	if _, err := Encode(rm); err == nil {
		t.Error("Encode of a metric without data: nil error")
	}
}

// TestDirOrderAndBound checks that documents list oldest first, read back
// as written, and that Write keeps only the newest MaxFiles.
func TestDirOrderAndBound(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	d := Dir{Path: filepath.Join(t.TempDir(), "a", "b"), MaxFiles: 3, Now: func() time.Time { now = now.Add(time.Second); return now }}
	if names, err := d.List(); err != nil || len(names) != 0 {
		t.Fatalf("List of a missing dir = %v, %v; want none", names, err)
	}
	var written []string
	for i := range 5 {
		name, err := d.Write([]byte{byte('0' + i)})
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, name)
	}
	names, err := d.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 3 || names[0] != written[2] || names[2] != written[4] {
		t.Fatalf("List = %v, want the last three of %v", names, written)
	}
	for i, name := range names {
		b, err := d.Read(name)
		if err != nil || string(b) != string(rune('2'+i)) {
			t.Errorf("Read(%s) = %q, %v; want %q", name, b, err, string(rune('2'+i)))
		}
	}
	info, err := os.Stat(filepath.Join(d.Path, names[0]))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
	if err := d.Remove(names[0]); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(names[0]); err != nil {
		t.Errorf("second Remove = %v, want nil", err)
	}
	// Stray files, such as an interrupted write's temporary file, are not
	// documents.
	if err := os.WriteFile(filepath.Join(d.Path, ".tmp-123"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if names, _ := d.List(); len(names) != 2 {
		t.Errorf("List = %v, want 2 documents", names)
	}
}

// TestDirRefusesUnsafeDirectories checks that a directory others may
// write in, a symbolic link and a file are refused by Check, Write and
// List, wrapping ErrUnsafeDir, and are left as they were; and that a
// missing directory, and one others may only read, are not.
func TestDirRefusesUnsafeDirectories(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no mode bits to check")
	}
	base := t.TempDir()
	mkdir := func(name string, mode os.FileMode) string {
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	private := mkdir("private", 0o700)
	listable := mkdir("listable", 0o755)
	open := mkdir("open", 0o777)
	group := mkdir("group", 0o770)
	sticky := mkdir("sticky", 0o1777)
	link := filepath.Join(base, "link")
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{private, listable, filepath.Join(base, "missing", "spool")} {
		d := Dir{Path: path}
		if err := d.Check(); err != nil {
			t.Errorf("Check(%s) = %v, want nil", path, err)
		}
		if _, err := d.Write([]byte("x")); err != nil {
			t.Errorf("Write into %s: %v", path, err)
		}
	}
	if info, err := os.Stat(filepath.Join(base, "missing", "spool")); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("created spool dir: %v, %v; want mode 0700", info, err)
	}
	for _, path := range []string{open, group, sticky, link, file} {
		d := Dir{Path: path}
		before, _ := os.Lstat(path)
		if err := d.Check(); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("Check(%s) = %v, want ErrUnsafeDir", path, err)
		}
		if _, err := d.Write([]byte("x")); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("Write into %s = %v, want ErrUnsafeDir", path, err)
		}
		if _, err := d.List(); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("List of %s = %v, want ErrUnsafeDir", path, err)
		}
		if after, _ := os.Lstat(path); after.Mode() != before.Mode() {
			t.Errorf("%s: mode %v became %v", path, before.Mode(), after.Mode())
		}
	}
	if names, _ := (Dir{Path: private}).List(); len(names) != 1 {
		t.Errorf("the link's target holds %v, want only the document written directly", names)
	}
}

// FuzzDecode checks that Decode never panics, and that what it accepts
// encodes again.
func FuzzDecode(f *testing.F) {
	b, err := Encode(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"version":1,"scopes":[{"metrics":[{"kind":"sum_int64","points":[{"value":1.5}]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rm, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := Encode(rm); err != nil {
			t.Fatalf("Encode of a decoded document: %v", err)
		}
	})
}
