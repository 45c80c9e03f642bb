// Package nanosum keeps running sums of durations that do not wrap: 64 low
// bits of nanoseconds and a count of carries out of them, 128 bits in all.
//
// An int64 of nanoseconds holds 292 years, which a busy service sums in
// days: 100,000 uses a second of 100 ms each add 10,000 s every second, and
// wrap an int64 in about 11 days. A [Sum] costs one compare more per Add
// than a bare atomic add.
package nanosum
