package feature_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Record uses of a feature through the pipeline vitals.Start built: the
// analytics record into Start's provider and report through its producer.
// (A reader takes the place of Start's exporters here, to print what they
// would export.)
func Example() {
	ctx := context.Background()
	p := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	sys, err := vitals.Start(ctx, vitals.WithReader(reader), vitals.WithProducer(p),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)

	userID := "user-42"
	find := func(context.Context) error { return nil }
	runBatch := func() error { return errors.New("batch failed") }
	reindex := func(context.Context) error { return nil }

	a, err := feature.New(feature.WithMeterProvider(sys.MeterProvider()), feature.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer a.Shutdown(ctx)
	search := a.Feature(feature.TypeAPIEndpoint, "/search") // once; keep it

	// Timed by the caller:
	start := time.Now()
	err = find(ctx)
	search.Record(ctx, userID, feature.PatternDirectCall, time.Since(start), err == nil)

	// Timed by Start and End:
	op := search.Start(ctx, userID, feature.PatternBatchOperation)
	err = runBatch()
	op.End(err)

	// Timed by Do, around a func(context.Context) error:
	err = search.Do(ctx, userID, feature.PatternBackgroundTask, reindex)

	fmt.Println("reindex:", err)
	printExported(ctx, reader, semconv.FeatureUses.Name)
	printExported(ctx, reader, semconv.FeatureUsers.Name)
	// Output:
	// reindex: <nil>
	// /search failure batch_operation api_endpoint: 1
	// /search success background_task api_endpoint: 1
	// /search success direct_call api_endpoint: 1
	// /search api_endpoint: 1
}

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

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported
