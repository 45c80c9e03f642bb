package semconv

import (
	"strings"
	"unicode/utf8"
)

// MaxValueLength is the longest attribute value, in bytes, that vitals
// takes from a caller: a longer one is cut by [CleanValue]. The trackers'
// MaxNameLength constants have the same value.
const MaxValueLength = 256

// UnknownValue is what [CleanValue] gives for an empty value.
const UnknownValue = "unknown"

// Values of [ErrorTypeKey] in [InputRejections] for the repairs of
// [CleanValue].
const (
	// ErrorTypeInvalidUTF8: the value was not valid UTF-8.
	ErrorTypeInvalidUTF8 = "invalid_utf8"
	// ErrorTypeNameTooLong: the value was longer than the length cap.
	ErrorTypeNameTooLong = "name_too_long"
	// ErrorTypeEmptyName: the value was empty.
	ErrorTypeEmptyName = "empty_name"
)

// CleanValue returns s as an attribute value that every exporter accepts
// and that holds a bounded amount of memory, the way the trackers clean
// their names:
//
//   - each run of bytes that is not valid UTF-8 becomes one U+FFFD (an
//     OTLP export carrying invalid UTF-8 fails as a whole, on gRPC and HTTP
//     alike, and takes every other metric of the export with it);
//   - a value longer than [MaxValueLength] bytes is cut on a rune boundary,
//     into a copy, so that the cut value does not keep s's memory alive;
//   - an empty value becomes [UnknownValue].
//
// A valid value is returned as it is, without allocating. Use
// [CleanValueFunc] to learn which repairs were made. CleanValue is safe for
// concurrent use.
func CleanValue(s string) string { return CleanValueFunc(s, MaxValueLength, nil) }

// CleanValueFunc is [CleanValue] with a length cap of maxLen bytes (below 1:
// MaxValueLength) that calls report, unless it is nil, with the reason of
// each repair, in the order they are made: [ErrorTypeInvalidUTF8], then
// [ErrorTypeNameTooLong], then [ErrorTypeEmptyName]. The reasons are the
// error.type values the trackers count in vitals.input.rejections. An empty
// value gives UnknownValue even where maxLen is shorter than it.
func CleanValueFunc(s string, maxLen int, report func(reason string)) string {
	if maxLen < 1 {
		maxLen = MaxValueLength
	}
	if report == nil {
		report = func(string) {}
	}
	if !utf8.ValidString(s) {
		report(ErrorTypeInvalidUTF8)
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > maxLen {
		report(ErrorTypeNameTooLong)
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = strings.Clone(s[:cut])
	}
	if s == "" {
		report(ErrorTypeEmptyName)
		s = UnknownValue
	}
	return s
}
