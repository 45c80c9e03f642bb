package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/otelvitals/vitals/internal/metricsdoc"
	"github.com/otelvitals/vitals/semconv"
)

func main() {
	out := flag.String("o", "docs/metrics.md", "file to write")
	readme := flag.String("readme", "", "README whose metric section to rewrite (between the markers)")
	flag.Parse()
	text, err := metricsdoc.Render(semconv.All())
	if err == nil {
		err = os.WriteFile(*out, text, 0o644)
	}
	if err == nil && *readme != "" {
		var old []byte
		if old, err = os.ReadFile(*readme); err == nil {
			var updated []byte
			if updated, err = metricsdoc.Embed(old, semconv.All()); err == nil {
				err = os.WriteFile(*readme, updated, 0o644)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "metricsdoc:", err)
		os.Exit(1)
	}
}
