package main

import (
	"bufio"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// implKey is the sub-benchmark key that names a row's implementation.
const implKey = "impl="

// results holds the samples of every row, by group, in the order the groups
// and rows first appear in the input.
type results struct {
	groups []*group
}

// group is one benchmark with its impl key taken out.
type group struct {
	name string
	rows []*row
}

// row is every run of one implementation in a group.
type row struct {
	impl    string
	samples []sample
}

// sample is the measurements of one result line; a unit the line does not
// report (B/op and allocs/op without -benchmem) is NaN.
type sample struct {
	ns, bytes, allocs float64
}

// parse adds the results of the benchmark lines read from r.
func (res *results) parse(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		name, impl, s, ok := parseLine(sc.Text())
		if ok {
			res.add(name, impl, s)
		}
	}
	return sc.Err()
}

// parseLine reads one line of go test -bench output. It reports ok only for a
// result line of a benchmark with an impl key and an ns/op value, and returns
// the group name (without the "Benchmark" prefix), the impl name and the
// measurements.
func parseLine(line string) (groupName, impl string, s sample, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", "", sample{}, false
	}
	if _, err := strconv.ParseUint(f[1], 10, 64); err != nil {
		return "", "", sample{}, false // not a result line, such as a log line
	}
	s = sample{ns: math.NaN(), bytes: math.NaN(), allocs: math.NaN()}
	for i := 2; i+1 < len(f); i += 2 {
		var dst *float64
		switch f[i+1] {
		case "ns/op":
			dst = &s.ns
		case "B/op":
			dst = &s.bytes
		case "allocs/op":
			dst = &s.allocs
		default:
			continue
		}
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", "", sample{}, false
		}
		*dst = v
	}
	if math.IsNaN(s.ns) {
		return "", "", sample{}, false
	}
	var rest []string
	for _, part := range strings.Split(trimProcs(f[0]), "/") {
		if v, found := strings.CutPrefix(part, implKey); found && impl == "" {
			impl = v
			continue
		}
		rest = append(rest, part)
	}
	if impl == "" {
		return "", "", sample{}, false
	}
	return strings.TrimPrefix(strings.Join(rest, "/"), "Benchmark"), impl, s, true
}

// trimProcs removes the -N suffix go test appends to a benchmark name when
// GOMAXPROCS is not 1. Like benchstat, it takes any final -digits for it, so
// impl names must not end in -digits.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}

func (res *results) add(groupName, impl string, s sample) {
	i := slices.IndexFunc(res.groups, func(g *group) bool { return g.name == groupName })
	if i < 0 {
		res.groups = append(res.groups, &group{name: groupName})
		i = len(res.groups) - 1
	}
	g := res.groups[i]
	j := slices.IndexFunc(g.rows, func(r *row) bool { return r.impl == impl })
	if j < 0 {
		g.rows = append(g.rows, &row{impl: impl})
		j = len(g.rows) - 1
	}
	g.rows[j].samples = append(g.rows[j].samples, s)
}

// median returns the median of the values of xs that are not NaN, the mean
// of the middle two when their number is even, and NaN when there are none.
// It does not modify xs.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(xs), math.IsNaN)))
	n := len(s)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return s[n/2]
	default:
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// medianOf returns the median of one measurement over the samples of r.
func (r *row) medianOf(field func(sample) float64) float64 {
	xs := make([]float64, len(r.samples))
	for i, s := range r.samples {
		xs[i] = field(s)
	}
	return median(xs)
}

func nsOf(s sample) float64     { return s.ns }
func bytesOf(s sample) float64  { return s.bytes }
func allocsOf(s sample) float64 { return s.allocs }

// pairedRatios returns the ratios of r's ns/op to base's pass by pass: the
// i-th sample of r over the i-th sample of base, for as many samples as
// both have. scripts/bench.sh runs every benchmark once per pass, so the
// i-th sample of every row comes from pass i, and a moment of noise that
// slows a pass slows both sides of its ratio.
func pairedRatios(r, base *row) []float64 {
	n := min(len(r.samples), len(base.samples))
	ratios := make([]float64, 0, n)
	for i := range n {
		if b := base.samples[i].ns; b > 0 {
			ratios = append(ratios, r.samples[i].ns/b)
		}
	}
	return ratios
}

// write prints one table per group: each row's run count, its median ns/op,
// B/op and allocs/op, and for each baseline row X the group has (in the
// order of bases) two ratios: "vs X", the row's median ns/op divided by X's
// median ns/op, and "paired", the median of the row's paired ratios to X
// (see pairedRatios) followed by their range when they differ. Names
// are left-aligned, numbers right-aligned, with the same column widths in
// every group.
func (res *results) write(w io.Writer, bases []string) error {
	var tables [][][]string
	for _, g := range res.groups {
		header := []string{g.name, "runs", "ns/op", "B/op", "allocs/op"}
		var baseRows []*row
		for _, b := range bases {
			j := slices.IndexFunc(g.rows, func(r *row) bool { return r.impl == b })
			if j < 0 || slices.Contains(baseRows, g.rows[j]) {
				continue
			}
			baseRows = append(baseRows, g.rows[j])
			header = append(header, "vs "+b, "paired")
		}
		table := [][]string{header}
		for _, r := range g.rows {
			ns := r.medianOf(nsOf)
			line := []string{
				"  " + r.impl,
				strconv.Itoa(len(r.samples)),
				formatValue(ns),
				formatCount(r.medianOf(bytesOf)),
				formatCount(r.medianOf(allocsOf)),
			}
			for _, base := range baseRows {
				line = append(line, formatRatio(ns/base.medianOf(nsOf)), formatPaired(pairedRatios(r, base)))
			}
			table = append(table, line)
		}
		tables = append(tables, table)
	}

	var widths []int
	for _, table := range tables {
		for _, line := range table {
			for i, cell := range line {
				if i == len(widths) {
					widths = append(widths, 0)
				}
				widths[i] = max(widths[i], utf8.RuneCountInString(cell))
			}
		}
	}
	var b strings.Builder
	b.WriteString("medians over each row's runs; \"vs X\" is the row's median ns/op divided\n")
	b.WriteString("by the median ns/op of row X of the same group, measured in the same run;\n")
	b.WriteString("\"paired\", after it, is the median (and range) of the row's ns/op divided\n")
	b.WriteString("by X's in the same pass, which a noisy moment of the run moves less\n")
	for _, table := range tables {
		b.WriteByte('\n')
		for _, line := range table {
			for i, cell := range line {
				pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
				if i == 0 {
					b.WriteString(cell + pad)
				} else {
					b.WriteString("  " + pad + cell)
				}
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatRatio formats a ratio with two decimals and an x, and a ratio that
// could not be taken (NaN, infinite or negative, from a baseline without a
// positive median) as "-".
func formatRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "x"
}

// formatPaired formats paired ratios as their median, followed by their
// range in parentheses unless it rounds to a single value, and no ratios
// as "-".
func formatPaired(ratios []float64) string {
	if len(ratios) == 0 {
		return "-"
	}
	med := formatRatio(median(ratios))
	lo, hi := formatRatio(slices.Min(ratios)), formatRatio(slices.Max(ratios))
	if lo == hi {
		return med
	}
	return med + " (" + strings.TrimSuffix(lo, "x") + "-" + strings.TrimSuffix(hi, "x") + ")"
}

// formatValue formats a median with three significant digits or more, and
// NaN (no such measurement) as "-".
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v == 0:
		return "0"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

// formatCount formats a median of whole numbers (B/op, allocs/op): with no
// decimals unless it falls between two of them, and NaN as "-".
func formatCount(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}
