// Package feature tracks which features, API endpoints, ML models and
// components are used, by how many distinct people, how successfully and
// how fast, whether adoption is growing, and when usage peaks, without
// keeping or exporting any user identifier.
//
// In a service set up by [github.com/otelvitals/vitals.Start], give the
// analytics Start's provider and producer, so that their metrics leave
// through Start's exporters (the package example shows it whole); without
// options, feature.New() records into the global MeterProvider, which
// Start does not set.
//
//	a, err := feature.New(feature.WithMeterProvider(sys.MeterProvider()), feature.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer a.Shutdown(ctx)
//	search := a.Feature(feature.TypeAPIEndpoint, "/search") // once; keep it
//
//	// Timed by the caller:
//	start := time.Now()
//	err = find(ctx)
//	search.Record(ctx, userID, feature.PatternDirectCall, time.Since(start), err == nil)
//
//	// Timed by Start and End:
//	op := search.Start(ctx, userID, feature.PatternBatchOperation)
//	err = runBatch()
//	op.End(err)
//
//	// Timed by Do, around a func(context.Context) error:
//	err = search.Do(ctx, userID, feature.PatternBackgroundTask, reindex)
//
// # Privacy
//
// A user identifier is hashed the moment it is recorded and never stored:
// not in attributes, snapshots, logs or errors. The hash only feeds a
// HyperLogLog sketch of vitals' own (internal/hll, precision 14: exact up
// to 512 users per quarter window, then fixed memory, at most 16 KiB per
// quarter window per feature plus 16 KiB for the window's union, standard
// error 0.8%), which yields the number of distinct users and nothing about
// any of them. Its estimate is kept up to date as users arrive, so a
// collection reads it at no cost, however many users there are. By
// default the hash is hash/maphash with a random secret seed per process:
// fast (about 5 ns), and meaningless outside the process. With
// [WithUserHashKey] it is SipHash-2-4 under a key derived from that key
// (about 15 ns), the same in every process that shares the key, so that
// [Analytics.SetUserSink] can count users across processes.
//
// # Window, trend and peak hour
//
// Window usage, unique users and the success ratio cover the usage window
// (default 24h, [WithWindow]), kept in quarters: exact to a quarter of the
// window. The adoption trend compares this window's uses with the previous
// window's: with fewer than 10 uses in both together it is stable;
// otherwise growing when this window has more than 10% more uses (or the
// previous had none), declining when more than 10% fewer, stable in
// between. The peak hour is the hour of day, in the zone of [WithLocation]
// (UTC by default), with the most uses since the feature was made. The
// snapshot lists the ten features most used in the window.
//
// # Variants
//
// [Feature.RecordVariant] also counts the variant a feature flag gave, in
// vitals.feature.variant.uses and the snapshot; at most [MaxVariants] variants
// are kept per feature, further ones count as "other".
//
// # Limits
//
// At most [MaxPatterns] usage patterns are kept (the three built-in ones,
// "other" and custom ones); further patterns count as "other". Past the
// feature limit ([WithMaxFeatures], default 1000) new features share one
// overflow series.
//
// # Bad input
//
// Nothing panics. Names are cleaned as in package conn, and a negative
// duration, or math.MaxInt64 (the saturated value that stands for an
// infinite one), records the use without it; each is counted in
// vitals.input.rejections. A nil context is taken as context.Background().
// After [Analytics.Shutdown], handles stay safe to call and nothing they
// record is reported.
//
// The [Op] that [Feature.Start] returns records its use once, however
// often [Op.End] is called. When the function [Feature.Do] runs panics, the use is
// recorded as a failure and the panic goes on.
//
// A clock that steps back ([WithClock]) counts as no time passing: a use
// while it is behind is booked in the newest quarter of the window, never
// over a newer one, and a use timed across the step by Start or Do takes
// 0.
//
// A window out of range is clamped, and reported to otel.Handle, never
// refused: to [MinWindow] (1m) to [MaxWindow] (720h), so that the window's
// quarters never shrink to nothing; values <= 0 keep the default.
//
// Nil handles are no-ops: every method of nil [*Analytics] or a nil
// [*Feature] does nothing and returns zero values (a nil Feature, an empty
// Snapshot, a nil error). Start on a nil Feature returns the zero [Op],
// whose End does nothing; Do runs its function and returns its error, or
// [ErrNilFunc], uncounted, for a nil function. A nil check is all it
// costs.
package feature // import "github.com/otelvitals/vitals/instrument/feature"
