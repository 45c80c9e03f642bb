package instrument

// Trends, the values of a queue's Trend (its depth over the window) and of
// a feature's (its uses in this window against the one before), and of
// the vitals.queue.trend and vitals.feature.trend values of their
// snapshots.
const (
	TrendGrowing   = "growing"
	TrendStable    = "stable"
	TrendDeclining = "declining"
)
