// Package clock is the time source of vitals' trackers.
//
// A [Clock] gives wall time (Now) and cheap monotonic nanoseconds
// (Nanotime). Trackers read Nanotime on their hot paths, where time.Now,
// about 50 ns on the machines vitals is measured on, would cost more than
// the rest of the operation:
//
//   - [Shared] is the default: a coarse clock whose Nanotime is an atomic
//     load of a reading refreshed every [Resolution] by one goroutine shared
//     by every tracker of the process, started by the first [Shared] and
//     stopped when the last release is called.
//   - [Monotonic] reads the system's monotonic clock on every call, for
//     short intervals that 10 ms would blur.
//   - [FromFunc] wraps an injected now function, exact on every call; tests
//     pass a [Fake] through it to move time by hand.
package clock
