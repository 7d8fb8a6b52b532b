# paxoscheck: `make check` runs everything CI runs; `make test` runs the tests.
GO ?= go
PKGS := ./...

.PHONY: all build test race lint vet fmt-check staticcheck actionlint check bench tlc validate sim-check explore-check reduction-check mutants fuzz help tlc-traces docs cluster-check cluster-soak cluster-bites

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F ':.*## ' '{ printf "  %-16s %s\n", $$1, $$2 }'

build: ## compile everything, and the paxoscheck and paxosd binaries into bin/
	$(GO) build $(PKGS)
	$(GO) build -o bin/paxoscheck ./cmd/paxoscheck
	$(GO) build -o bin/paxosd ./cmd/paxosd

test: ## unit, property and golden tests, with the race detector
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

lint: fmt-check vet staticcheck actionlint ## gofmt, go vet, staticcheck, actionlint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) tool staticcheck $(PKGS)

actionlint:
	$(GO) tool actionlint .github/workflows/*.yml

# The explorations and the simulation of make check are listed, one command
# line each, in scripts/check-runs.txt (make mutants runs the same lines).
RUNS := scripts/check-runs.txt

sim-check: build ## the seeded simulations of scripts/check-runs.txt (10,000 runs of the correct protocol, every fault on)
	@grep '^simulate ' $(RUNS) | while read -r line; do \
		echo "./bin/paxoscheck $$line"; ./bin/paxoscheck $$line --out $${TMPDIR:-/tmp}/paxoscheck-sim || exit 1; done

explore-check: build ## the exhaustive explorations of scripts/check-runs.txt, on the correct protocol
	@grep '^explore ' $(RUNS) | while read -r line; do \
		echo "./bin/paxoscheck $$line"; ./bin/paxoscheck $$line || exit 1; done

# The explorer's tests without the race detector: the heavy ones (the
# reductions against the full graph, the needs of coverage.go, the large
# catalogue searches, Paxos's and Multi-Paxos's, the CLI's two longest
# searches) skip themselves under -race (a raceOn constant in each of these
# packages), so make test leaves them to this target. The tests that run
# TLC are make validate's.
reduction-check: ## the explorer's tests without -race, which skips the heavy ones: reductions keep every abstract state, the needs of coverage.go hold, Multi-Paxos's catalogue searches, ...
	$(GO) test -count=1 ./checker/explore ./checker/paxos/paxosexplore ./checker/multipaxos/mpmodel ./checker/multipaxos/mpworld
	$(GO) test -count=1 -run '^(TestChooseInvariants|TestCheckpointKill9)$$' ./cmd/paxoscheck

mutants: ## every mutant of impl/paxos/testdata/mutants.txt against the explorer, the simulator and the tests (about 20 minutes)
	$(GO) run ./scripts/mutants

docs: ## regenerate docs/walkthrough.md from the tool's own output
	$(GO) run ./docs/gen

# A real cluster: paxosd processes on 127.0.0.1 under the nemesis (kill -9
# and restart, partitions, lossy, duplicating, delaying and corrupting
# links), then every checker on what they did.
NEMESIS = kill,partition,bridge
cluster-check: build ## a 30-second real cluster run (5 paxosd processes, every fault of the nemesis on, the lossy disk), checked; its directory is kept when it fails
	@d=$$(mktemp -d); ./bin/paxoscheck cluster --duration 30s --seed 1 --nemesis $(NEMESIS) --lossy-disk --dir $$d/run && rm -rf $$d

SOAK_RUNS ?= 20
cluster-soak: build ## SOAK_RUNS (20) cluster runs of 30 s, seeds 1.., each checked (the GitHub workflow's longer run)
	@for s in $$(seq 1 $(SOAK_RUNS)); do d=$$(mktemp -d); \
		echo "./bin/paxoscheck cluster --duration 30s --seed $$s --nemesis $(NEMESIS) --lossy-disk --dir $$d/run"; \
		./bin/paxoscheck cluster --duration 30s --seed $$s --nemesis $(NEMESIS) --lossy-disk --dir $$d/run > $$d/out.txt; status=$$?; \
		tail -9 $$d/out.txt; [ $$status -eq 0 ] || exit 1; rm -rf $$d; done

cluster-bites: build ## the catalogue on the real path: promise-not-persisted, accept-not-persisted and stale-read each caught by a cluster run within BITES_SEEDS (10) seeds (scripts/cluster-bites.sh)
	scripts/cluster-bites.sh

check: lint tlc test sim-check explore-check reduction-check validate cluster-check ## everything CI runs (tlc first: it fetches the pinned TLC that the tests of trace validation use)

bench: ## benchmarks (figures go in README.md)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

fuzz: ## fuzz the trace reader and the frame decoder for 60 s each (not part of CI)
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 60s ./traces/paxostrace
	$(GO) test -run '^$$' -fuzz '^FuzzReadFrame$$' -fuzztime 60s ./impl/transport

tlc: ## run TLC on every model of spec/expected.tsv (TLA2TOOLS_JAR, else a pinned download; skips loudly without one)
	scripts/tlc.sh

validate: ## trace validation by TLC, for each protocol: the scenario traces and 200 simulated runs are behaviours of its spec (spec/PaxosTrace.tla, spec/MultiPaxosTrace.tla), every counterexample is one of its bug's spec and is rejected by the correct spec where its bug acts (skips loudly without TLC)
	@out=$$($(GO) test -count=1 -v -run 'Validate|Rejected|Conformance|Drive' ./checker/paxos/tlcvalidate ./checker/multipaxos/mpvalidate ./cmd/paxoscheck 2>&1); status=$$?; \
	echo "$$out" | grep -E '^(--- |ok|FAIL)|TLC SKIPPED' | sed 's/.*TLC SKIPPED/TLC SKIPPED/' | sort -u; exit $$status

tlc-traces: ## rerun TLC and rewrite the checked-in error traces in traces/tlc/
	TLC_UPDATE_TRACES=1 scripts/tlc.sh
