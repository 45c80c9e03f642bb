//go:build race

package e2e_test

// raceEnabled reports whether the race detector is on; heap measurements
// are meaningless under it.
const raceEnabled = true
