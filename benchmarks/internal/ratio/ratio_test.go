package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
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

// TestWrite checks the whole table for a small input: medians, ratios to
// both baselines, missing baselines and missing memory figures.
func TestWrite(t *testing.T) {
	var res results
	if err := res.parse(strings.NewReader(benchOutput)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := res.write(&out, []string{"otel-kept-set", "prom-kept"}); err != nil {
		t.Fatal(err)
	}
	// Medians: otel-kept-set 150 (of 100, 150, 200), prom-kept 10 (of 8,
	// 12), attrs 750; HistogramRecord has no otel-kept-set row and no
	// memory figures.
	want := `medians over each row's runs; "vs X" is the row's median ns/op divided
by the median ns/op of row X of the same group, measured in the same run

CounterAdd              runs  ns/op   B/op  allocs/op  vs otel-kept-set  vs prom-kept
  otel-kept-set            3    150      0          0             1.00x        15.00x
  prom-kept                2   10.0      0          0             0.07x         1.00x
  attrs                    2    750  296.5        4.5             5.00x        75.00x

HistogramRecord         runs  ns/op   B/op  allocs/op  vs otel-kept-set  vs prom-kept
  prom-kept                1   20.0      -          -                 -         1.00x
  prom-labels-per-call     1   50.0      -          -                 -         2.50x
`
	if got := out.String(); got != want {
		t.Errorf("write:\n%s\nwant:\n%s", got, want)
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
	if want := "\n  attrs                    2    750  296.5        4.5        75.00x\n"; !strings.Contains(out.String(), want) {
		t.Errorf("run output lacks %q:\n%s", want, out.String())
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
