# vitals: the two commands are `make demo` (the main job) and `make test`
# (installs and builds the real backends, then runs every test).

GO          ?= go
CACHE       := $(CURDIR)/.cache
STATICCHECK := $(CACHE)/bin/staticcheck
STATICCHECK_VERSION := v0.8.2
DEMO_FLAGS  ?=

export VITALS_OTELCOL ?= $(CACHE)/otelcol/otelcol-vitals

# NESTED are the modules besides the core and e2e: the adapters that pull
# third-party modules, and the dashboard generator (which pulls the Grafana
# Foundation SDK).
NESTED      := $(dir $(wildcard integrations/*/go.mod)) examples/grafana/gen/

.PHONY: demo test unit lint rules fuzz reliability fmt bench collector backends generate clean

## demo: run the simulated service (Ctrl-C to stop; DEMO_FLAGS="-duration 30s")
demo:
	$(GO) run ./examples/demo $(DEMO_FLAGS)

## rules: check the Prometheus config, recording and alert rules, and run
## their unit tests
rules:
	cd examples/prometheus && promtool check config prometheus.yml && promtool check rules recording.yml alerts.yml && promtool test rules recording_test.yml alerts_test.yml

## test: install and build the backends, lint, then run unit, race and
## example tests in the core module and in each nested module
## (integrations/*/go.mod, and the dashboard generator examples/grafana/gen,
## whose test fails when the committed dashboard is stale), which ./...
## skips, and the real-backend,
## reliability and stress suites of the e2e module, with real backends
## required; then the heap measurements (short forms), which the race
## detector would distort, and one pass of every benchmark
test: backends lint rules
	VITALS_REQUIRE_BACKENDS=1 $(GO) test -race -count=1 ./...
	for m in $(NESTED); do (cd $$m && VITALS_REQUIRE_BACKENDS=1 $(GO) test -race -count=1 ./...) || exit 1; done
	cd e2e && VITALS_REQUIRE_BACKENDS=1 $(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'GiveMemoryBack' ./instrument/...
	cd e2e && $(GO) test -count=1 -run 'BoundedMemory' .
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./benchmarks/...

## unit: the core module's tests, which need no backend
unit:
	$(GO) test -count=1 ./...

## lint: gofmt, go vet and staticcheck must be clean in every module, and
## the core module must vet for Windows too (its tests build on every OS)
lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	$(STATICCHECK) ./...
	for m in $(NESTED) e2e/; do (cd $$m && $(GO) vet ./... && $(STATICCHECK) ./...) || exit 1; done

$(STATICCHECK):
	GOBIN=$(CACHE)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## fuzz: run every fuzz target for FUZZTIME each (their seeds run in make test)
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzNamesAndIDs$$' -fuzztime $(FUZZTIME) ./instrument/conn
	$(GO) test -run '^$$' -fuzz '^FuzzSamples$$' -fuzztime $(FUZZTIME) ./instrument/queue
	$(GO) test -run '^$$' -fuzz '^FuzzLookups$$' -fuzztime $(FUZZTIME) ./instrument/cache
	$(GO) test -run '^$$' -fuzz '^FuzzRecord$$' -fuzztime $(FUZZTIME) ./instrument/feature
	$(GO) test -run '^$$' -fuzz '^FuzzConfigValidate$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/spool
	$(GO) test -run '^$$' -fuzz '^FuzzScore$$' -fuzztime $(FUZZTIME) ./healthscore

## reliability: the long forms of the reliability suite (README,
## "Reliability"): 16 goroutines x 1,000,000 operations under the race
## detector, the full-scale memory bounds, and the collector restart, flush,
## spool, bad-input and delta tests three times over
RELIABILITY_TESTS := NothingLost|CollectorDownAtStart|ShutdownFlushes|ShutdownWaits|Spool|ShutdownLeavesNothing|BadInput|DeltaTemporality|Unreachable|Retries|GivesUp
reliability: backends
	cd e2e && VITALS_STRESS_OPS=1000000 $(GO) test -race -count=1 -timeout 60m -run 'Stress' -v .
	cd e2e && VITALS_MEMORY_SCALE=1 $(GO) test -count=1 -timeout 30m -run 'BoundedMemory' -v .
	VITALS_MEMORY_SCALE=1 $(GO) test -count=1 -timeout 30m -run 'GiveMemoryBack' -v ./instrument/conn
	cd e2e && VITALS_REQUIRE_BACKENDS=1 $(GO) test -race -count=3 -run '$(RELIABILITY_TESTS)' .
	$(GO) test -race -count=3 -run '$(RELIABILITY_TESTS)' . ./exporters ./instrument/...
	$(GO) test -race -count=3 ./internal/spool

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: side-by-side benchmarks with a benchstat table
bench:
	scripts/bench.sh

## collector: build the OpenTelemetry Collector the integration tests use
collector:
	scripts/backends.sh collector

## backends: install Debian packages and build the collector
backends:
	scripts/backends.sh all

## generate: regenerate docs/metrics.md and the Grafana dashboard from
## package semconv
generate:
	$(GO) generate ./...

clean:
	rm -rf $(CACHE)
