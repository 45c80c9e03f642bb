package semconv_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/otelvitals/vitals/semconv"
)

// TestCleanValue checks each repair of CleanValueFunc, the reasons it
// reports, and that CleanValue is CleanValueFunc with MaxValueLength.
func TestCleanValue(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	tests := []struct {
		name    string
		in      string
		maxLen  int
		want    string
		reasons []string
	}{
		{"valid", "orders", 256, "orders", nil},
		{"valid multibyte", "zürich-€", 256, "zürich-€", nil},
		{"empty", "", 256, "unknown", []string{semconv.ErrorTypeEmptyName}},
		{"invalid byte", "orders\xff", 256, "orders\uFFFD", []string{semconv.ErrorTypeInvalidUTF8}},
		{"run of invalid bytes", "a\xff\xfe\xfdb", 256, "a\uFFFDb", []string{semconv.ErrorTypeInvalidUTF8}},
		{"truncated rune", "caf\xc3", 256, "caf\uFFFD", []string{semconv.ErrorTypeInvalidUTF8}},
		{"1 MiB", long, 256, long[:256], []string{semconv.ErrorTypeNameTooLong}},
		{"exactly the cap", long[:256], 256, long[:256], nil},
		{"cut on a rune boundary", strings.Repeat("é", 200), 256, strings.Repeat("é", 128), []string{semconv.ErrorTypeNameTooLong}},
		{"cut before a 3-byte rune", "ab€", 4, "ab", []string{semconv.ErrorTypeNameTooLong}},
		{"long run of invalid bytes", strings.Repeat("\xff", 300), 256, "\uFFFD", []string{semconv.ErrorTypeInvalidUTF8}},
		{"invalid then too long", strings.Repeat("x\xff", 300), 256, strings.Repeat("x\uFFFD", 64), []string{semconv.ErrorTypeInvalidUTF8, semconv.ErrorTypeNameTooLong}},
		{"cap below 1 means MaxValueLength", long, 0, long[:256], []string{semconv.ErrorTypeNameTooLong}},
		{"negative cap means MaxValueLength", long, -5, long[:256], []string{semconv.ErrorTypeNameTooLong}},
		{"cut to nothing", "€", 2, "unknown", []string{semconv.ErrorTypeNameTooLong, semconv.ErrorTypeEmptyName}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reasons []string
			got := semconv.CleanValueFunc(tt.in, tt.maxLen, func(r string) { reasons = append(reasons, r) })
			if got != tt.want || strings.Join(reasons, ",") != strings.Join(tt.reasons, ",") {
				t.Errorf("CleanValueFunc(%.40q, %d) = %.40q (%d bytes) %v, want %.40q (%d bytes) %v",
					tt.in, tt.maxLen, got, len(got), reasons, tt.want, len(tt.want), tt.reasons)
			}
			if !utf8.ValidString(got) {
				t.Errorf("result %q is not valid UTF-8", got)
			}
			if semconv.CleanValueFunc(tt.in, tt.maxLen, nil) != got {
				t.Error("a nil report changes the result")
			}
			if tt.maxLen == semconv.MaxValueLength {
				if c := semconv.CleanValue(tt.in); c != got {
					t.Errorf("CleanValue = %.40q, want %.40q", c, got)
				}
			}
		})
	}
}

// TestCleanValueCopiesCut checks that a cut value is a copy: an attribute
// kept for the life of a process must not keep a 1 MiB name alive.
func TestCleanValueCopiesCut(t *testing.T) {
	in := strings.Repeat("a", 1<<20)
	out := semconv.CleanValue(in)
	if len(out) != semconv.MaxValueLength {
		t.Fatalf("%d bytes, want %d", len(out), semconv.MaxValueLength)
	}
	if unsafe.StringData(out) == unsafe.StringData(in) {
		t.Error("the cut value shares the memory of the 1 MiB name")
	}
}

// TestCleanValueAllocs checks that a valid value costs no allocation.
func TestCleanValueAllocs(t *testing.T) {
	s := strings.Repeat("pool-", 20)
	if n := testing.AllocsPerRun(100, func() { _ = semconv.CleanValue(s) }); n != 0 {
		t.Errorf("CleanValue of a valid value allocates %v times", n)
	}
}

func ExampleCleanValue() {
	fmt.Printf("%q\n", semconv.CleanValue("orders\xff"))
	fmt.Println(len(semconv.CleanValue(strings.Repeat("x", 1<<20))))
	fmt.Printf("%q\n", semconv.CleanValue(""))
	// Output:
	// "orders�"
	// 256
	// "unknown"
}

func ExampleCleanValueFunc() {
	name := semconv.CleanValueFunc("caf\xc3"+strings.Repeat("é", 200), semconv.MaxValueLength, func(reason string) {
		fmt.Println("repaired:", reason)
	})
	fmt.Println(len(name), utf8.ValidString(name))
	// Output:
	// repaired: invalid_utf8
	// repaired: name_too_long
	// 256 true
}
