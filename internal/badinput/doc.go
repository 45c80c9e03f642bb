// Package badinput runs the core module's bad-input suites, which feed
// every public API every kind of bad input. A [Case] is one bad call on a
// [Rig] (trackers recording into a ManualReader of their own, with control
// series fed known traffic before and after the call) and the outcome the
// documentation promises: an error, or a no-op counted in
// vitals.input.rejections.
//
// Each package keeps its cases beside its code: the root package's (vitals,
// healthscore, exporters) in the module root, each tracker's in
// instrument/<signal>. [Run] runs one package's cases; [CheckReadme] keeps
// that package's rows of README.md's bad-input table, one table for the
// module, equal to its cases. The rigs and the trackers' control series
// are here, once: a tracker's package runs its cases on a [TrackerRig] of
// its [Kind], the root package on a [World] watching all four kinds.
//
// # Sections
//
//   - Cases: [Case], [Rig], [Run].
//   - Rigs: [World] (trackers of every kind, for the root package),
//     [TrackerRig] (one tracker, for instrument/<signal>), [NewWorld],
//     [NewTrackerRig], [Watch], [Make], [T0].
//   - The trackers and their control series: [Kind], [Control], [Conn],
//     [Queue], [Cache], [Feature].
//   - The README table: [Table], [CheckReadme], [Groups], [Begin], [End].
//   - Reading a collection: [Rejected], [SeriesNamed], [WantHist],
//     [WantNone], [NothingNamed].
//   - Inputs and checks the cases share: [MiB], [Invalid], [NilCtx],
//     [Cancelled], [Reasons], [With], [Cleaned], [LimitWarnings],
//     [NoPanic], [Fatal].
//
// It is for tests only: no package of the module imports it outside its
// tests.
package badinput
