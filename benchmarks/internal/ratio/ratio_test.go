package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestParseLine checks which go test output lines count as results, and
// what is read from them.
func TestParseLine(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		line   string
		group  string
		impl   string
		want   sample
		wantOK bool
	}{
		{"BenchmarkCounterAdd/impl=otel-kept-set-2   \t 1000000\t 186.3 ns/op\t 0 B/op\t 0 allocs/op",
			"CounterAdd", "otel-kept-set", sample{186.3, 0, 0}, true},
		// GOMAXPROCS=1: go test adds no suffix; no -benchmem.
		{"BenchmarkCounterAdd/impl=prom-kept 100 8.01 ns/op", "CounterAdd", "prom-kept", sample{8.01, nan, nan}, true},
		// Other keys stay in the group name, wherever impl is.
		{"BenchmarkX/impl=a/size=10-8 5 2.5 ns/op", "X/size=10", "a", sample{2.5, nan, nan}, true},
		{"BenchmarkX/size=10/impl=a-8 5 2.5 ns/op", "X/size=10", "a", sample{2.5, nan, nan}, true},
		// ns/op need not come first; unknown units are skipped.
		{"BenchmarkX/impl=a-2 5 7 B/op 3 widgets/op 3.5 ns/op", "X", "a", sample{3.5, 7, nan}, true},
		{"BenchmarkPlain-2 5 2.5 ns/op", "", "", sample{}, false},
		{"BenchmarkX/impl=a-2 5 7 B/op", "", "", sample{}, false},
		{"BenchmarkX/impl=a-2 5 x ns/op", "", "", sample{}, false},
		{"BenchmarkX/impl=a-2 --- FAIL: something", "", "", sample{}, false},
		{"goos: linux", "", "", sample{}, false},
		{"PASS", "", "", sample{}, false},
		{"ok  \tgithub.com/otelvitals/vitals/benchmarks\t42.1s", "", "", sample{}, false},
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for _, tt := range tests {
		group, impl, s, ok := parseLine(tt.line)
		if ok != tt.wantOK || group != tt.group || impl != tt.impl ||
			!same(s.ns, tt.want.ns) || !same(s.bytes, tt.want.bytes) || !same(s.allocs, tt.want.allocs) {
			t.Errorf("parseLine(%q) = %q, %q, %+v, %v; want %q, %q, %+v, %v",
				tt.line, group, impl, s, ok, tt.group, tt.impl, tt.want, tt.wantOK)
		}
	}
}

// TestTrimProcs checks that only a final -digits suffix is removed.
func TestTrimProcs(t *testing.T) {
	tests := map[string]string{
		"BenchmarkA/impl=otel-kept-set-2": "BenchmarkA/impl=otel-kept-set",
		"BenchmarkA/impl=otel-kept-set":   "BenchmarkA/impl=otel-kept-set",
		"BenchmarkA-16":                   "BenchmarkA",
		"BenchmarkA-":                     "BenchmarkA-",
		"BenchmarkA-x2":                   "BenchmarkA-x2",
	}
	for in, want := range tests {
		if got := trimProcs(in); got != want {
			t.Errorf("trimProcs(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMedian checks odd and even counts, NaN skipping, and that the
// argument is left as it was.
func TestMedian(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		xs   []float64
		want float64
	}{
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000, 9, 11, 10}, 10},
		{[]float64{nan, 4, nan, 2}, 3},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.xs...)
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.xs[i] && !math.IsNaN(in[i]) {
				t.Fatalf("median reordered its argument: %v", tt.xs)
			}
		}
	}
	if got := median([]float64{nan}); !math.IsNaN(got) {
		t.Errorf("median(NaN) = %v, want NaN", got)
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median(nil) = %v, want NaN", got)
	}
}

const benchOutput = `goos: linux
goarch: amd64
pkg: github.com/otelvitals/vitals/benchmarks
cpu: AMD EPYC
BenchmarkCounterAdd/impl=otel-kept-set-2         	 1000	       200.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterAdd/impl=prom-kept-2             	 1000	         8.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterAdd/impl=attrs-2                 	 1000	       600.0 ns/op	     296 B/op	       4 allocs/op
BenchmarkCounterAdd/impl=otel-kept-set-2         	 1000	       100.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterAdd/impl=prom-kept-2             	 1000	        12.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterAdd/impl=attrs-2                 	 1000	       900.0 ns/op	     297 B/op	       5 allocs/op
BenchmarkCounterAdd/impl=otel-kept-set-2         	 1000	       150.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkHistogramRecord/impl=prom-kept-2        	 1000	        20.0 ns/op
BenchmarkHistogramRecord/impl=prom-labels-per-call-2 	 1000	        50.0 ns/op
PASS
ok  	github.com/otelvitals/vitals/benchmarks	1.000s
`

// TestWrite checks the whole table for a small input: medians, both
// ratios to both baselines, a group without one of them and missing memory
// figures.
func TestWrite(t *testing.T) {
	var res results
	if err := res.parse(strings.NewReader(benchOutput)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := res.write(&out, []string{"otel-kept-set", "prom-kept"}); err != nil {
		t.Fatal(err)
	}
	// Medians: otel-kept-set 150 (of 200, 100, 150), prom-kept 10 (of 8,
	// 12), attrs 750 (of 600, 900). Paired with otel-kept-set, pass by
	// pass: prom-kept 8/200 and 12/100, attrs 600/200 and 900/100; with
	// prom-kept: otel-kept-set 200/8 and 100/12, attrs 600/8 and 900/12,
	// both 75. HistogramRecord has no otel-kept-set row, hence no columns
	// for it, and no memory figures.
	want := `medians over each row's runs; "vs X" is the row's median ns/op divided
by the median ns/op of row X of the same group, measured in the same run;
"paired", after it, is the median (and range) of the row's ns/op divided
by X's in the same pass, which a noisy moment of the run moves less

CounterAdd              runs  ns/op   B/op  allocs/op  vs otel-kept-set             paired  vs prom-kept               paired
  otel-kept-set            3    150      0          0             1.00x              1.00x        15.00x  16.67x (8.33-25.00)
  prom-kept                2   10.0      0          0             0.07x  0.08x (0.04-0.12)         1.00x                1.00x
  attrs                    2    750  296.5        4.5             5.00x  6.00x (3.00-9.00)        75.00x               75.00x

HistogramRecord         runs  ns/op   B/op  allocs/op      vs prom-kept             paired
  prom-kept                1   20.0      -          -             1.00x              1.00x
  prom-labels-per-call     1   50.0      -          -             2.50x              2.50x
`
	if got := out.String(); got != want {
		t.Errorf("write:\n%s\nwant:\n%s", got, want)
	}
}

// noisyPasses is five interleaved passes of a row that takes 0.9 times
// its baseline's time in every pass but the last. The machine got busy
// from pass 3 on, slowing both rows fourfold, and the row ran its last
// pass before the load reached it. The medians come from different
// passes (the baseline's from a busy one, the row's from a quiet one), so
// their ratio says 0.23x; the paired ratios say 0.9x in four passes out of
// five.
const noisyPasses = `BenchmarkCollectPools/n=1000/impl=otel-sync-2  10  100 ns/op
BenchmarkCollectPools/n=1000/impl=vitals-2     10   90 ns/op
BenchmarkCollectPools/n=1000/impl=otel-sync-2  10  100 ns/op
BenchmarkCollectPools/n=1000/impl=vitals-2     10   90 ns/op
BenchmarkCollectPools/n=1000/impl=otel-sync-2  10  400 ns/op
BenchmarkCollectPools/n=1000/impl=vitals-2     10  360 ns/op
BenchmarkCollectPools/n=1000/impl=otel-sync-2  10  400 ns/op
BenchmarkCollectPools/n=1000/impl=vitals-2     10  360 ns/op
BenchmarkCollectPools/n=1000/impl=otel-sync-2  10  400 ns/op
BenchmarkCollectPools/n=1000/impl=vitals-2     10   90 ns/op
`

// TestPairedRatios checks that paired ratios are taken pass by pass and
// differ from the ratio of the medians where a noisy moment moved the two
// medians apart.
func TestPairedRatios(t *testing.T) {
	var res results
	if err := res.parse(strings.NewReader(noisyPasses)); err != nil {
		t.Fatal(err)
	}
	if len(res.groups) != 1 || len(res.groups[0].rows) != 2 {
		t.Fatalf("parsed %+v, want one group of two rows", res.groups)
	}
	base, r := res.groups[0].rows[0], res.groups[0].rows[1]
	if base.impl != "otel-sync" || r.impl != "vitals" {
		t.Fatalf("rows %q, %q; want otel-sync, vitals", base.impl, r.impl)
	}
	paired := pairedRatios(r, base)
	if want := []float64{0.9, 0.9, 0.9, 0.9, 0.225}; !slices.Equal(paired, want) {
		t.Errorf("pairedRatios = %v, want %v", paired, want)
	}
	ofMedians := r.medianOf(nsOf) / base.medianOf(nsOf)
	if ofMedians != 0.225 || median(paired) != 0.9 {
		t.Errorf("ratio of medians %v, median of paired ratios %v; want 0.225 and 0.9", ofMedians, median(paired))
	}

	var out bytes.Buffer
	if err := res.write(&out, []string{"otel-kept-set", "prom-kept", "otel-sync"}); err != nil {
		t.Fatal(err)
	}
	if got, want := rowCells(out.String(), "vitals"), "vitals|5|90.0|-|-|0.23x|0.90x (0.23-0.90)"; got != want {
		t.Errorf("vitals row: %q, want %q:\n%s", got, want, out.String())
	}

	// Rows with different run counts are paired for as many passes as
	// both have; a baseline pass of 0 ns/op gives no ratio.
	short := &row{impl: "short", samples: []sample{{ns: 45}, {ns: 60}}}
	if got, want := pairedRatios(short, base), []float64{0.45, 0.6}; !slices.Equal(got, want) {
		t.Errorf("pairedRatios(2 runs, 5 runs) = %v, want %v", got, want)
	}
	zero := &row{impl: "zero", samples: []sample{{ns: 0}, {ns: 50}}}
	if got, want := pairedRatios(short, zero), []float64{1.2}; !slices.Equal(got, want) {
		t.Errorf("pairedRatios against a 0 ns/op pass = %v, want %v", got, want)
	}
}

// rowCells returns the cells of the first table row of out named impl,
// joined with "|": cells are separated by two spaces or more.
func rowCells(out, impl string) string {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "  "+impl+" ") {
			return strings.Join(regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1), "|")
		}
	}
	return ""
}

// TestFormatPaired checks the paired cell: a median alone when the range
// rounds to one value, and "-" without ratios.
func TestFormatPaired(t *testing.T) {
	tests := []struct {
		ratios []float64
		want   string
	}{
		{nil, "-"},
		{[]float64{1}, "1.00x"},
		{[]float64{0.501, 0.499, 0.5}, "0.50x"},
		{[]float64{0.8, 1.2, 1.0}, "1.00x (0.80-1.20)"},
		{[]float64{2, 4}, "3.00x (2.00-4.00)"},
	}
	for _, tt := range tests {
		if got := formatPaired(tt.ratios); got != tt.want {
			t.Errorf("formatPaired(%v) = %q, want %q", tt.ratios, got, tt.want)
		}
	}
}

// TestRun checks reading from a file, and the errors for a file without
// results and for a missing file.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "bench.txt")
	if err := os.WriteFile(name, []byte(benchOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(&out, []string{name}, []string{"prom-kept"}); err != nil {
		t.Fatal(err)
	}
	if got, want := rowCells(out.String(), "attrs"), "attrs|2|750|296.5|4.5|75.00x|75.00x"; got != want {
		t.Errorf("attrs row: %q, want %q:\n%s", got, want, out.String())
	}

	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(&out, []string{empty}, []string{"prom-kept"}); err == nil {
		t.Error("run on output without results: no error")
	}
	if err := run(&out, []string{filepath.Join(dir, "missing.txt")}, nil); err == nil {
		t.Error("run on a missing file: no error")
	}
}
