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

# bug | extra flags | the line of the report that must catch it
table=(
	# A forgotten promise bites only when a leader of an older ballot still
	# reaches the acceptor and one more: the bridge nemesis sets that up, and
	# kills the bridge just after its promise.
	"promise-not-persisted|--nemesis bridge|^replay: VIOLATION"
	# With one proposer, no duel makes every acceptor write its whole state
	# every few slots, so a vote a kill -9 loses stays lost.
	"accept-not-persisted|--proposers 1 --nemesis kill|^replay: VIOLATION"
	# No invariant can catch a stale read; Porcupine on the history can.
	"stale-read||NOT LINEARIZABLE|not linearizable"
)

want=("$@")
status=0
for row in "${table[@]}"; do
	IFS='|' read -r bug flags pattern alt <<<"$row"
	[ -n "$alt" ] && pattern="$pattern|$alt"
	if [ ${#want[@]} -gt 0 ] && ! printf '%s\n' "${want[@]}" | grep -qx -- "$bug"; then
		continue
	fi
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
			status=1
			break
			;;
		*)
			echo "$bug: seed $seed: cluster exited $rc (not a verdict); run kept in $dir/run:" >&2
			tail -12 "$dir/out.txt" >&2
			status=1
			break
			;;
		esac
	done
	if [ -z "$caught" ] && [ $status -eq 0 ]; then
		echo "$bug: NOT CAUGHT in seeds 1..$max" >&2
		status=1
	fi
done
exit $status
