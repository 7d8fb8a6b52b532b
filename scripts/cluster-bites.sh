#!/usr/bin/env bash
# scripts/cluster-bites.sh: the Multi-Paxos catalogue on the real path
# (issue 14, item 4). For each bug below, real cluster runs (bin/paxoscheck
# cluster, lossy disk on) with the bug switched on, seeds 1, 2, ... until
# one fails the check that must catch it; the bug fails this script if no
# seed up to $BITES_SEEDS (default 10) catches it, or if a run fails any
# other way (a harness error, a failure of the wrong check).
#
# Usage: scripts/cluster-bites.sh [BUG...]     (no argument: every bug)
#
# Each line prints the seed that caught the bug, and the failing check's
# line. A run's timing is not reproducible, only its schedule, so the seed
# that catches a bug may differ from run to run; the bound is what holds.
# The directory of the catching run is kept and printed.
set -euo pipefail

max=${BITES_SEEDS:-10}
bin=${PAXOSCHECK:-./bin/paxoscheck}

# bug <tab> flags (never empty: tabs run together) <tab> the line of the report
# that must catch it
# (an extended regular expression)
table=(
	# A forgotten promise bites only when a leader of an older ballot still
	# reaches the acceptor and one more: the bridge nemesis sets that up, and
	# kills the bridge just after its promise.
	$'promise-not-persisted\t--nemesis bridge\t^replay: VIOLATION'
	# With one proposer, no duel makes every acceptor write its whole state
	# every few slots, so a vote a kill -9 loses stays lost.
	$'accept-not-persisted\t--proposers 1 --nemesis kill\t^replay: VIOLATION'
	# No invariant can catch a stale read; Porcupine on the history can. A
	# bridge keeps a deposed leader answering reads in its half while the
	# other half's leader commits writes through the bridge.
	$'stale-read\t--nemesis bridge\tNOT LINEARIZABLE|not linearizable'
)

want=("$@")
for w in "${want[@]}"; do
	if ! printf '%s\n' "${table[@]}" | cut -f1 | grep -qxF -- "$w"; then
		echo "cluster-bites: unknown bug $w (want one of: $(printf '%s\n' "${table[@]}" | cut -f1 | tr '\n' ' '))" >&2
		exit 2
	fi
done
status=0
for row in "${table[@]}"; do
	IFS=$'\t' read -r bug flags pattern <<<"$row"
	if [ ${#want[@]} -gt 0 ] && ! printf '%s\n' "${want[@]}" | grep -qxF -- "$bug"; then
		continue
	fi
	failed=""
	caught=""
	for seed in $(seq 1 "$max"); do
		dir=$(mktemp -d)
		# shellcheck disable=SC2206 # flags are words
		cmd=("$bin" cluster --duration 15s --lossy-disk $flags --bug "$bug" --seed "$seed")
		set +e
		"${cmd[@]}" --dir "$dir/run" >"$dir/out.txt" 2>&1
		rc=$?
		set -e
		case $rc in
		0) rm -rf "$dir" ;;
		1)
			if line=$(grep -E -m1 -- "$pattern" "$dir/out.txt"); then
				caught=$seed
				echo "$bug: caught at seed $seed of 1..$max (${cmd[*]}): $line; run kept in $dir/run"
				break
			fi
			echo "$bug: seed $seed failed, but not by the check that must catch it (want /$pattern/); run kept in $dir/run:" >&2
			tail -12 "$dir/out.txt" >&2
			status=1 failed=1
			break
			;;
		130) exit 130 ;;
		*)
			echo "$bug: seed $seed: cluster exited $rc (not a verdict); run kept in $dir/run:" >&2
			tail -12 "$dir/out.txt" >&2
			status=1 failed=1
			break
			;;
		esac
	done
	if [ -z "$caught" ] && [ -z "$failed" ]; then
		echo "$bug: NOT CAUGHT in seeds 1..$max" >&2
		status=1
	fi
done
exit $status
