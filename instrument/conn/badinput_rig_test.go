package conn_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/internal/badinput"
)

// TestBadInputCases runs every bad input of badConnCases on a fresh rig
// (badinput.Conn): a connection tracker on a fake clock, recording into its
// own ManualReader, with a control pool fed known traffic before and after
// the bad call. Each case must not panic, must return its documented error
// or count its documented no-op exactly (and count nothing else), and must
// leave the control pool exact.
func TestBadInputCases(t *testing.T) {
	cases := badConnCases()
	if len(cases) < 20 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

var update = flag.Bool("update", false, "rewrite this package's rows of README.md's bad-input table")

// TestBadInputTableInReadme checks that this package's rows of the
// README's bad-input table are the ones badConnCases render; -update
// rewrites them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, filepath.Join("..", "..", "README.md"), *update, badConnCases(), "conn")
}

// badCase is one bad input of the connection tracker.
type badCase = badinput.Case[*badRig]

// badRig is the world of one case: its Tracker, and the control pool.
type badRig = badinput.TrackerRig[*conn.Tracker, conn.Option]

func newBadRig(t *testing.T) *badRig { return badinput.NewTrackerRig(t, badinput.Conn) }
