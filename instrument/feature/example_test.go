package feature_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/otelvitals/vitals/instrument/feature"
)

// Record uses of an API endpoint by users: counted, never stored.
func ExampleFeature_Record() {
	a, _ := feature.New()
	defer a.Shutdown(context.Background())
	ctx := context.Background()
	search := a.Feature(feature.TypeAPIEndpoint, "/search") // keep the handle

	search.Record(ctx, "alice", feature.PatternDirectCall, 12*time.Millisecond, true)
	search.Record(ctx, "bob", feature.PatternDirectCall, 30*time.Millisecond, true)
	search.Record(ctx, "alice", feature.PatternBatchOperation, 90*time.Millisecond, false)

	s := a.Snapshot().Features[0]
	fmt.Printf("uses %d, users %d, success %.2f, mean %.0f ms\n",
		s.Uses, s.UniqueUsers, s.WindowSuccessRatio, s.MeanDurationSeconds*1000)
	// Output: uses 3, users 2, success 0.67, mean 44 ms
}

// Time a use and take its error as the outcome.
func ExampleFeature_Start() {
	a, _ := feature.New()
	defer a.Shutdown(context.Background())
	flag := a.Feature(feature.TypeFeatureFlag, "new-checkout")

	op := flag.Start(context.Background(), "user-42", feature.PatternDirectCall)
	op.End(errors.New("payment declined"))

	s := a.Snapshot().Features[0]
	fmt.Println(s.Uses, s.Failures)
	// Output: 1 1
}

// Run a function as one use of a feature.
func ExampleFeature_Do() {
	a, _ := feature.New()
	defer a.Shutdown(context.Background())
	model := a.Feature(feature.TypeMLModel, "ranker-v2")

	err := model.Do(context.Background(), "user-7", feature.PatternBackgroundTask, func(context.Context) error {
		return nil // the model call
	})
	fmt.Println(err, a.Snapshot().Top[0].Name)
	// Output: <nil> ranker-v2
}
