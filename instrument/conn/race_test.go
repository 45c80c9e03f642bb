//go:build race

package conn

// raceEnabled reports whether the race detector is on; memory measurements
// are meaningless under it.
const raceEnabled = true
