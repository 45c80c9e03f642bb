//go:build !race

package vitals_test

const raceEnabled = false
