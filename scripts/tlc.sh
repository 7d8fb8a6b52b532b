#!/usr/bin/env bash
# scripts/tlc.sh: run TLC on every model pinned in spec/expected.tsv and compare
# each verdict and distinct-state count with the pinned one.
#
# Usage: scripts/tlc.sh [MODEL...]     (no argument: every model)
#
# TLC comes from $TLA2TOOLS_JAR if set; otherwise from a pinned, checksummed
# tla2tools.jar release cached in ${XDG_CACHE_HOME:-~/.cache}/paxoscheck/,
# downloaded on first use. Where no jar (or no java) can be had, it prints one
# line starting "TLC SKIPPED:" and exits 0, so that `make check` goes on
# (unless TLC_REQUIRED=1, as in CI, where it exits 1).
#
# Models expected to pass run with $TLC_WORKERS workers (default auto); models
# expected to fail run with one worker, so that breadth-first search finds the
# shortest counterexample and stops at the same state count on every run. The
# error trace of every failing model is written to traces/tlc/<Model>.txt when
# TLC_UPDATE_TRACES=1 (the checked-in traces, which a Go test feeds to the Go
# invariants), else to a temporary folder, so that a run never dirties the
# work tree.
#
# Exit status: 0 if every model matched (or TLC was skipped), 1 on any
# mismatch, 2 on a usage or setup error (bad checksum, unreadable jar).
set -euo pipefail

# The pinned release. v1.7.4 is TLC "Version 2.19 of 08 August 2024"; later
# GitHub releases (v1.8.0) are rolling pre-releases whose asset changes, so
# they cannot be pinned by checksum.
TLA_VERSION=1.7.4
TLA_URL="https://github.com/tlaplus/tlaplus/releases/download/v${TLA_VERSION}/tla2tools.jar"
TLA_SHA256=936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spec="$root/spec"
expected="$spec/expected.tsv"
tracedir="$root/traces/tlc"

skip() {
  echo "TLC SKIPPED: $* (set TLA2TOOLS_JAR to a tla2tools.jar to run the spec models)"
  # CI sets TLC_REQUIRED=1: there a skipped TLC is a failure, not a pass.
  [[ "${TLC_REQUIRED:-0}" == 1 ]] && exit 1
  exit 0
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# resolve_jar sets jar to the path of the tla2tools.jar to use, or skips.
# (It runs in the main shell, not in $(...), so that skip and exit end the script.)
resolve_jar() {
  if [[ -n "${TLA2TOOLS_JAR:-}" ]]; then
    if [[ ! -r "$TLA2TOOLS_JAR" ]]; then
      echo "tlc.sh: TLA2TOOLS_JAR=$TLA2TOOLS_JAR is not a readable file" >&2
      exit 2
    fi
    jar="$TLA2TOOLS_JAR"
    return
  fi
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/paxoscheck"
  jar="$cache/tla2tools-${TLA_VERSION}.jar"
  if [[ ! -f "$jar" ]]; then
    command -v curl >/dev/null 2>&1 || skip "no TLA2TOOLS_JAR, no cached jar and no curl to download tla2tools.jar v$TLA_VERSION"
    mkdir -p "$cache"
    local tmp="$jar.tmp.$$"
    if ! curl --max-time 20 --connect-timeout 5 -fsSL -o "$tmp" "$TLA_URL" 2>/dev/null; then
      rm -f "$tmp"
      skip "no TLA2TOOLS_JAR and could not download tla2tools.jar v$TLA_VERSION from $TLA_URL"
    fi
    mv "$tmp" "$jar"
  fi
  local got
  got="$(sha256_of "$jar")"
  if [[ "$got" != "$TLA_SHA256" ]]; then
    rm -f "$jar"
    echo "tlc.sh: $jar has sha256 $got, want $TLA_SHA256; deleted it" >&2
    exit 2
  fi
}

command -v java >/dev/null 2>&1 || skip "no java on PATH"
jar=""
resolve_jar
help="$(java -cp "$jar" tlc2.TLC -h 2>&1 || true)"
version="$(grep -m1 -o 'Version [0-9][^ ]*\( of [0-9]* [A-Za-z]* [0-9]*\)\?' <<<"$help" || true)"
echo "TLC ${version:-version unknown} from $jar"
# Newer TLC writes a trace-explorer spec for every error unless told not to;
# v1.7.4 does not and has no such flag.
extra=()
grep -q -- -noGenerateSpecTE <<<"$help" && extra+=(-noGenerateSpecTE)

work="$(mktemp -d "${TMPDIR:-/tmp}/paxoscheck-tlc.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# TLC runs on a copy of spec/, so that its states/ directory and any trace
# explorer modules it writes stay out of the repository.
cp "$spec"/*.tla "$spec"/*.cfg "$work"/
if [[ "${TLC_UPDATE_TRACES:-0}" != 1 ]]; then
  tracedir="$work/traces"
fi
mkdir -p "$tracedir"

# verdict_of prints "ok", "violation of NAME" or "property violated" (or
# "error: ...") for a TLC output file.
verdict_of() {
  local out="$1" name
  if name="$(grep -m1 -o '^Error: Invariant [A-Za-z0-9_]* is violated' "$out")"; then
    name="${name#Error: Invariant }"
    echo "violation of ${name% is violated}"
  elif grep -q -e '^Error: Temporal propert' -e '^Error: Action property' -e '^Error: Property .* is violated by the initial state' "$out"; then
    echo "property violated"
  elif grep -q '^Model checking completed. No error has been found.' "$out"; then
    echo "ok"
  elif grep -q '^Error: Deadlock reached' "$out"; then
    echo "error: deadlock"
  else
    echo "error: $(grep -m1 -e '^Error' -e 'Exception' "$out" || echo "no verdict in TLC output")"
  fi
}

# The line "N states generated, M distinct states found, K states left on queue."
# (TLC prints it once, at the end) gives the generated and distinct counts.
counts_of() {
  grep -E '^[0-9]+ states generated, [0-9]+ distinct states found' "$1" | tail -1 |
    sed -E 's/^([0-9]+) states generated, ([0-9]+) distinct.*/\1 \2/'
}

depth_of() {
  grep -m1 -oE 'depth of the complete state graph search is [0-9]+' "$1" | grep -oE '[0-9]+$' || echo "-"
}

# trace_of prints TLC's error report, from its first "Error:" line up to the
# final state counts, without the timing and progress lines that vary.
trace_of() {
  awk '/^Error:/ { on = 1 }
       /states generated, .* distinct states found/ { on = 0 }
       /^(Finished in|Progress\(|Checking temporal properties|Finished checking temporal|Starting\.\.\.|Checking [0-9]+ branches|Implied-temporal checking)/ { next }
       on' "$1"
}

want_models=("$@")
selected() {
  [[ ${#want_models[@]} -eq 0 ]] && return 0
  local m
  for m in "${want_models[@]}"; do [[ "$m" == "$1" ]] && return 0; done
  return 1
}

fmt="%-36s %-28s %-28s %10s %10s %10s %6s %7s  %s\n"
rows=()
failures=0
ran=0
while IFS=$'\t' read -r model module want_verdict want_distinct _; do
  [[ -z "$model" || "$model" == \#* ]] && continue
  selected "$model" || continue
  ran=$((ran + 1))
  workers="${TLC_WORKERS:-auto}"
  [[ "$want_verdict" != "ok" ]] && workers=1
  out="$work/$model.out"
  start=$(date +%s.%N)
  (cd "$work" && java -XX:+UseParallelGC -cp "$jar" tlc2.TLC \
      -workers "$workers" -deadlock "${extra[@]}" -metadir "$work/meta-$model" \
      -config "$model.cfg" "$module.tla") >"$out" 2>&1 || true
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  verdict="$(verdict_of "$out")"
  read -r generated distinct < <(counts_of "$out" || true) || true
  generated="${generated:--}"
  distinct="${distinct:--}"
  depth="$(depth_of "$out")"
  status=ok
  if [[ "$verdict" != "$want_verdict" || "$distinct" != "$want_distinct" ]]; then
    status=MISMATCH
    failures=$((failures + 1))
  fi
  if [[ "$verdict" != "ok" && "$verdict" != error:* ]]; then
    trace_of "$out" >"$tracedir/$model.txt"
  fi
  if [[ "$status" != ok ]]; then
    echo "--- $model: TLC output (tail) ---" >&2
    tail -n 30 "$out" >&2
  fi
  rows+=("$(printf "$fmt" "$model" "$want_verdict" "$verdict" "$want_distinct" "$distinct" "$generated" "$depth" "$secs" "$status")")
done <"$expected"

if [[ $ran -eq 0 ]]; then
  echo "tlc.sh: no model of spec/expected.tsv matched: ${want_models[*]}" >&2
  exit 2
fi
printf "$fmt" MODEL EXPECTED VERDICT WANT DISTINCT GENERATED DEPTH SECONDS STATUS
printf '%s\n' "${rows[@]}"
if [[ $failures -gt 0 ]]; then
  echo "tlc.sh: $failures of $ran models did not match spec/expected.tsv"
  exit 1
fi
echo "tlc.sh: all $ran models match spec/expected.tsv"
