// Command quickstart is the smallest program that uses vitals: it starts
// it, tracks one of each signal, and exports them (OTLP by default, or as
// OTEL_METRICS_EXPORTER says) until it ends.
//
//	OTEL_METRICS_EXPORTER=prometheus go run ./examples/quickstart
//
// Its final export waits 5 seconds at most: with no collector listening,
// it says why the export failed instead of hanging for the default 30.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/feature"
)

func main() {
	ctx := context.Background()
	sys, err := vitals.Start(ctx, // exporters from OTEL_METRICS_EXPORTER & co.
		vitals.WithExporterOptions(exporters.WithExportTimeout(5*time.Second)))
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := sys.Shutdown(ctx); err != nil { // flushes
			log.Print("vitals: the final export failed: ", err)
		}
	}()

	pool := sys.Connections().Pool("database", "primary")
	jobs := sys.Queues().Queue("ml_inference", "jobs", 100)
	users := sys.Caches().Cache("application", "users")
	search := sys.Features().Feature(feature.TypeAPIEndpoint, "/search")

	c := pool.Open()  // a connection is created
	c.Use()           // and used
	t := jobs.Enter() // an item joins the queue
	users.Miss(3 * time.Millisecond)
	users.Hit(200 * time.Microsecond)
	search.Record(ctx, "user-42", feature.PatternDirectCall, 12*time.Millisecond, true)
	t.Leave() // and leaves it
	c.Close() // the connection ends; its lifetime is recorded

	h := sys.Health()
	fmt.Printf("health %.0f (%s)\n", h.Score, h.Status)
}
