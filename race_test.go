//go:build race

package vitals_test

// raceEnabled reports whether the race detector is on; heap measurements
// are meaningless under it.
const raceEnabled = true
