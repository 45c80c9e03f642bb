package vitals_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sdkPrefix is the import path prefix of the OpenTelemetry SDK, which
// instrumentation must not depend on: the specification's library
// guidelines have it depend on the API only, so that a library using it
// does not pin its users to an SDK.
const sdkPrefix = "go.opentelemetry.io/otel/sdk"

// goCommand returns the path of the go command, skipping t without one.
func goCommand(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	return goBin
}

// goList runs go list -deps on patterns in dir, without the network (the
// modules come from the module cache, warm after a build of the
// repository), and returns the import paths listed. With mod, go list may
// add the requirements the imports need to dir's go.mod (-mod=mod);
// without, a go.mod that lacks one is an error.
func goList(t *testing.T, dir string, mod bool, patterns ...string) []string {
	t.Helper()
	cmd := exec.Command(goCommand(t), append([]string{"list", "-deps"}, patterns...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if mod {
		cmd.Env = append(cmd.Env, "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s in %s: %v\n%s", strings.Join(patterns, " "), dir, err, stderr.String())
	}
	return strings.Fields(string(out))
}

// sdkPackages returns the packages of the SDK among pkgs.
func sdkPackages(pkgs []string) []string {
	var sdk []string
	for _, p := range pkgs {
		if p == sdkPrefix || strings.HasPrefix(p, sdkPrefix+"/") {
			sdk = append(sdk, p)
		}
	}
	return sdk
}

// TestInstrumentationNeedsNoSDK checks that nothing under instrument/ or
// integrations/, in the core module and in the nested integration
// modules, reaches the OpenTelemetry SDK: the SDK side (views, the
// producer, exporters) lives in the packages that build it. Tests may use
// the SDK; go list -deps without -test leaves them out.
func TestInstrumentationNeedsNoSDK(t *testing.T) {
	for _, m := range []struct {
		dir      string
		patterns []string
	}{
		{".", []string{"./instrument/...", "./integrations/..."}},
		{filepath.Join("integrations", "goredis"), []string{"./..."}},
		{filepath.Join("integrations", "openfeature"), []string{"./..."}},
	} {
		t.Run(m.dir, func(t *testing.T) {
			pkgs := goList(t, m.dir, false, m.patterns...)
			if len(pkgs) == 0 {
				t.Fatal("go list listed nothing")
			}
			if sdk := sdkPackages(pkgs); len(sdk) > 0 {
				t.Errorf("%s reaches the SDK: %s\n(go list -f '{{.ImportPath}}: {{.Imports}}' -deps %s says through what)",
					strings.Join(m.patterns, " "), strings.Join(sdk, ", "), strings.Join(m.patterns, " "))
			}
		})
	}
}

// TestConsumerOfCacheNeedsNoSDK builds the module of a consumer that
// imports instrument/cache alone, against this repository, and checks
// that the SDK is not among its packages.
func TestConsumerOfCacheNeedsNoSDK(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/consumer\n\ngo 1.26.0\n\n" +
			"require github.com/otelvitals/vitals v0.0.0-00010101000000-000000000000\n\n" +
			"replace github.com/otelvitals/vitals => " + filepath.ToSlash(root) + "\n",
		// The repository's sums cover every module the consumer can need,
		// so that nothing is looked up.
		"go.sum": string(sum),
		"main.go": `package main

import (
	"context"

	"github.com/otelvitals/vitals/instrument/cache"
)

func main() {
	m, err := cache.New()
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(context.Background())
	m.Cache(cache.TypeApplication, "users").CountHit()
}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgs := goList(t, dir, true, ".")
	var sawCache, sawAPI bool
	for _, p := range pkgs {
		sawCache = sawCache || p == "github.com/otelvitals/vitals/instrument/cache"
		sawAPI = sawAPI || p == "go.opentelemetry.io/otel/metric"
	}
	if !sawCache || !sawAPI {
		t.Fatalf("the consumer's packages lack instrument/cache (%v) or the metric API (%v): %s", sawCache, sawAPI, strings.Join(pkgs, " "))
	}
	if sdk := sdkPackages(pkgs); len(sdk) > 0 {
		t.Errorf("a consumer of instrument/cache alone gets the SDK: %s", strings.Join(sdk, ", "))
	}
}
