# paxoscheck: `make check` runs everything CI runs; `make test` runs the tests.
GO ?= go
PKGS := ./...

.PHONY: all build test race lint vet fmt-check staticcheck actionlint check bench tlc sim-check explore-check fuzz help tlc-traces docs

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

check: lint test sim-check tlc ## everything CI runs

bench: ## benchmarks (figures go in README.md)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

fuzz: ## fuzz the trace reader for 60 s (not part of CI)
	$(GO) test -run '^$$' -fuzz FuzzRead -fuzztime 60s ./traces

tlc: ## run TLC on every model of spec/expected.tsv (TLA2TOOLS_JAR, else a pinned download; skips loudly without one)
	scripts/tlc.sh

tlc-traces: ## rerun TLC and rewrite the checked-in error traces in traces/tlc/
	TLC_UPDATE_TRACES=1 scripts/tlc.sh
