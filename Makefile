# paxoscheck: `make check` runs everything CI runs; `make test` runs the tests.
GO ?= go
PKGS := ./...

.PHONY: all build test race lint vet fmt-check staticcheck actionlint check bench tlc sim-check explore-check reduction-check fuzz help tlc-traces docs

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

build: ## compile everything and the paxoscheck binary into bin/
	$(GO) build $(PKGS)
	$(GO) build -o bin/paxoscheck ./cmd/paxoscheck

test: ## unit, property and golden tests, with the race detector
	$(GO) test -race -count=1 $(PKGS)

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

sim-check: build ## 10,000 seeded simulated runs of the correct protocol, every fault on
	./bin/paxoscheck simulate --runs 10000 --seed 1 --out $${TMPDIR:-/tmp}/paxoscheck-sim

# The exhaustive runs of make check (issue 4, item 8; see README "The
# explorer"): 3 acceptors, 2 proposers, one acceptor crash-restart. First
# item 8 itself: the spec's message-set network (every drop, duplication
# and reordering, so it holds one drop and one duplication) with 2 clients
# and proposer rounds up to 2 (12.7M states, about 3.5 minutes on 2 cores).
# Then shorter runs that cover what it does not: 1 client at rounds up to 2
# with mid-step crashes, and the budgeted multiset network with 2 clients,
# with and without one drop.
explore-check: build ## exhaustive exploration of the correct protocol
	./bin/paxoscheck explore --network set --acceptors 3 --proposers 2 --clients 2 --max-round 2 --crashes 1 --crash-roles acceptor --progress 30s
	./bin/paxoscheck explore --network set --acceptors 3 --proposers 2 --clients 1 --max-round 2 --crashes 1 --crash-roles acceptor --mid-step-crash
	./bin/paxoscheck explore --network set --acceptors 3 --proposers 2 --clients 2 --max-round 1 --crashes 1 --crash-roles acceptor
	./bin/paxoscheck explore --acceptors 3 --proposers 2 --clients 2 --max-round 1 --crashes 1 --crash-roles acceptor
	./bin/paxoscheck explore --acceptors 3 --proposers 2 --clients 2 --max-round 1 --drops 1 --crashes 1 --crash-roles acceptor

# The reductions against the full graph (abstract states reached with and
# without them); too slow under -race, so outside make test.
reduction-check: ## the explorer's reductions keep every abstract state
	$(GO) test -count=1 -run 'TestReductionsKeepAbstractStates' ./checker/explore

docs: ## regenerate docs/walkthrough.md from the tool's own output
	$(GO) run ./docs/gen

check: lint test sim-check explore-check reduction-check tlc ## everything CI runs

bench: ## benchmarks (figures go in README.md)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

fuzz: ## fuzz the trace reader for 60 s (not part of CI)
	$(GO) test -run '^$$' -fuzz FuzzRead -fuzztime 60s ./traces

tlc: ## run TLC on every model of spec/expected.tsv (TLA2TOOLS_JAR, else a pinned download; skips loudly without one)
	scripts/tlc.sh

tlc-traces: ## rerun TLC and rewrite the checked-in error traces in traces/tlc/
	TLC_UPDATE_TRACES=1 scripts/tlc.sh
