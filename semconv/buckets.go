package semconv

var (
	ageBuckets     = []float64{1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 43200}
	depthBuckets   = []float64{0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500}
	latencyBuckets = []float64{
		0.00005, 0.0001, 0.00025, 0.0005,
		0.001, 0.0025, 0.005,
		0.01, 0.025, 0.05,
		0.1, 0.25, 0.5,
		1, 2.5, 5, 10,
	}
)

// AgeBuckets returns the explicit bucket boundaries, in seconds, for
// connection ages and lifetimes: 1 s, 5 s, 15 s, 30 s, 1 min, 5 min, 15 min,
// 30 min, 1 h, 2 h, 6 h and 12 h; the last bucket holds everything older.
// Each call returns a new slice.
func AgeBuckets() []float64 { return cloneBuckets(ageBuckets) }

// DepthBuckets returns the explicit bucket boundaries, in items, for sampled
// queue depths: 0, 1, 5, 10, 25, 50, 100, 250, 500, 1000 and 2500; the last
// bucket holds deeper samples. Each call returns a new slice.
func DepthBuckets() []float64 { return cloneBuckets(depthBuckets) }

// LatencyBuckets returns the explicit bucket boundaries, in seconds, for
// operation latencies such as cache lookups, feature calls and queue waits:
// from 50 µs to 10 s in 1–2.5–5 steps; the last bucket holds everything
// slower. Each call returns a new slice.
func LatencyBuckets() []float64 { return cloneBuckets(latencyBuckets) }

// cloneBuckets returns a copy of b, so that neither callers nor the SDK can
// change the package's boundaries through a shared backing array.
func cloneBuckets(b []float64) []float64 {
	if b == nil {
		return nil
	}
	return append([]float64(nil), b...)
}
