package version

import (
	"regexp"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// semver is the grammar of semver.org 2.0.0: a bare version, no leading
// "v", which is how the scope version reads in every backend.
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func TestVersionIsSemver(t *testing.T) {
	for _, bad := range []string{"v0.1.0", "0.1", "01.1.0", "0.1.0-", ""} {
		if semver.MatchString(bad) {
			t.Fatalf("the grammar accepts %q", bad)
		}
	}
	if !semver.MatchString(Version) {
		t.Errorf("Version %q is not a semantic version", Version)
	}
}
