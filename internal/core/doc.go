// Package core is the shared core the four trackers are built on: the
// lifecycle (one Shutdown, the closed flag), the per-collection read that
// every consumer shares, the sink a tracker emits its points into, and the
// hub that a producer collects trackers through.
//
// # One read per collection
//
// A tracker keeps its state in atomics and reads it into a snapshot only
// when something collects: [Shell.Read] returns the last snapshot while it
// is younger than the staleness (default [DefaultStaleness]) and nothing
// was recorded since, and reads afresh otherwise. The snapshot feeds the
// tracker's export (through a [Sink]), the health score and the tracker's
// Snapshot method alike.
//
// # Two ways out
//
// A tracker's points reach readers through a producer that collects a
// [Hub] (vitals.NewProducer), or, without one, through observable
// instruments made from the tracker's metric table ([Instruments]). Its
// durations go to fast, lock-free histograms the producer emits, or to
// the SDK's histograms as they happen.
//
// This package depends on the OpenTelemetry API only.
package core
