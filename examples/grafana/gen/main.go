package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("o", "../vitals-dashboard.json", "file to write the dashboard to")
	flag.Parse()
	b, err := Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
