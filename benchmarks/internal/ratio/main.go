package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	base := flag.String("base", "otel-kept-set,prom-kept,otel-sync", "comma-separated impl names of the baseline rows")
	flag.Parse()
	if err := run(os.Stdout, flag.Args(), strings.Split(*base, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "ratio:", err)
		os.Exit(1)
	}
}

// run reads the files named (standard input if none) and writes the ratio
// table of their benchmark results to w.
func run(w io.Writer, files, bases []string) error {
	var res results
	if len(files) == 0 {
		if err := res.parse(os.Stdin); err != nil {
			return fmt.Errorf("standard input: %w", err)
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = res.parse(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if len(res.groups) == 0 {
		return fmt.Errorf("no benchmark results with an impl key")
	}
	return res.write(w, bases)
}
