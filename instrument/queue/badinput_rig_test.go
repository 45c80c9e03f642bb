package queue_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/badinput"
)

// TestBadInputCases runs every bad input of badQueueCases on a fresh rig
// (badinput.Queue): a queue monitor on a fake clock, recording into its own
// ManualReader, with a control queue fed known traffic before and after the
// bad call. Each case must not panic, must return its documented error or
// count its documented no-op exactly (and count nothing else), and must
// leave the control queue exact.
func TestBadInputCases(t *testing.T) {
	cases := badQueueCases()
	if len(cases) < 20 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

var update = flag.Bool("update", false, "rewrite this package's rows of README.md's bad-input table")

// TestBadInputTableInReadme checks that this package's rows of the
// README's bad-input table are the ones badQueueCases render; -update
// rewrites them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, filepath.Join("..", "..", "README.md"), *update, badQueueCases(), "queue")
}

// badCase is one bad input of the queue monitor.
type badCase = badinput.Case[*badRig]

// badRig is the world of one case: its Tracker, and the control queue.
type badRig = badinput.TrackerRig[*queue.Monitor, queue.Option]

func newBadRig(t *testing.T) *badRig { return badinput.NewTrackerRig(t, badinput.Queue) }
