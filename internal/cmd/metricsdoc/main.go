package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/otelvitals/vitals/internal/metricsdoc"
	"github.com/otelvitals/vitals/semconv"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "metricsdoc:", err)
		os.Exit(1)
	}
}

// run writes the metric reference and, with -readme, rewrites the README's
// metric section; usage errors are printed to stderr.
func run(args []string, stderr io.Writer) error {
	flags := flag.NewFlagSet("metricsdoc", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("o", "docs/metrics.md", "file to write")
	readme := flags.String("readme", "", "README whose metric section to rewrite (between the markers)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	text, err := metricsdoc.Render(semconv.All())
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, text, 0o644); err != nil {
		return err
	}
	if *readme == "" {
		return nil
	}
	old, err := os.ReadFile(*readme)
	if err != nil {
		return err
	}
	updated, err := metricsdoc.Embed(old, semconv.All())
	if err != nil {
		return fmt.Errorf("%s: %w", *readme, err)
	}
	return os.WriteFile(*readme, updated, 0o644)
}
