package feature_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/internal/badinput"
)

// TestBadInputCases runs every bad input of badFeatureCases on a fresh rig
// (badinput.Feature): feature analytics on a fake clock, recording into its
// own ManualReader, with a control feature fed known traffic before and
// after the bad call. Each case must not panic, must return its documented
// error or count its documented no-op exactly (and count nothing else), and
// must leave the control feature exact.
func TestBadInputCases(t *testing.T) {
	cases := badFeatureCases()
	if len(cases) < 20 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

var update = flag.Bool("update", false, "rewrite this package's rows of README.md's bad-input table")

// TestBadInputTableInReadme checks that this package's rows of the
// README's bad-input table are the ones badFeatureCases render; -update
// rewrites them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, filepath.Join("..", "..", "README.md"), *update, badFeatureCases(), "feature")
}

// badCase is one bad input of the feature analytics.
type badCase = badinput.Case[*badRig]

// badRig is the world of one case: its Tracker, and the control feature.
type badRig = badinput.TrackerRig[*feature.Analytics, feature.Option]

func newBadRig(t *testing.T) *badRig { return badinput.NewTrackerRig(t, badinput.Feature) }
