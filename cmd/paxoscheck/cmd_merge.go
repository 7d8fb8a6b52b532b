package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/internal/english"
)

func init() {
	register(command{name: "merge-reports", summary: "combine the reports of a sharded search (explore --shard i/N --report FILE) into one verdict", run: runMerge})
}

// runMerge is `paxoscheck merge-reports REPORT...`: the reports of the N
// shards of one search (explore --shard i/N --report FILE), each once,
// combined into the whole search's verdict. A violation of any shard is
// the search's, the shortest counterexample winning; the search is
// complete only when every shard's share is; "sometimes" facts hold when
// any shard reached them. Exit code: 0 ok, 1 violation (or deadlock, or
// vacuous), 2 bad input (a report missing, malformed, twice, or of
// another search), 3 incomplete.
func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("merge-reports", "merge-reports REPORT...", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "paxoscheck merge-reports: "+format+"\n", a...)
		return exitBadInput
	}
	if fs.NArg() == 0 {
		return bad("no report given (see paxoscheck merge-reports --help)")
	}
	var reps []exploreReport
	for _, path := range fs.Args() {
		rep, err := readReport(path)
		if err != nil {
			return bad("%v", err)
		}
		reps = append(reps, rep)
	}
	first := reps[0]
	n := max(first.Shards, 1)
	seen := make([]string, n)
	for i, rep := range reps {
		path := fs.Arg(i)
		switch {
		case rep.Search != first.Search:
			return bad("%s is a report of another search (%q) than %s (%q)", path, rep.Search, fs.Arg(0), first.Search)
		case rep.Shards != first.Shards:
			return bad("%s is shard %d of %d, %s of %d", path, rep.Shard, rep.Shards, fs.Arg(0), first.Shards)
		case seen[rep.Shard] != "":
			return bad("shard %d twice: %s and %s", rep.Shard, seen[rep.Shard], path)
		case (rep.Split == nil) != (first.Split == nil) || (rep.Split != nil && (rep.Split.Depth != first.Split.Depth || rep.Split.Level != first.Split.Level || rep.Split.Above != first.Split.Above)):
			return bad("%s split the search elsewhere than %s: not shards of one search", path, fs.Arg(0))
		}
		seen[rep.Shard] = path
	}
	var missing []string
	for i, p := range seen {
		if p == "" {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return bad("shards %s of %d missing: a merge needs every shard", strings.Join(missing, ", "), n)
	}

	var stored, transitions, owned int64
	depth, seconds := 0, 0.0
	var chosen, learned bool
	var incomplete []string
	var worst *exploreReport
	for i := range reps {
		r := &reps[i]
		stored, transitions, depth, seconds = stored+r.Distinct, transitions+r.Transitions, max(depth, r.MaxDepth), seconds+r.Seconds
		chosen, learned = chosen || r.Chosen, learned || r.AllLearned
		if r.Split != nil {
			owned += r.Split.Owned
		}
		switch r.Verdict {
		case "violation", "deadlock":
			if worst == nil || beats(r, worst) {
				worst = r
			}
		case "incomplete":
			incomplete = append(incomplete, fmt.Sprintf("%d (%s)", r.Shard, r.Line))
		}
	}
	fmt.Fprintf(stdout, "merge-reports: %s of one search (%s)\n", english.Count(len(reps), "shard"), orAll(first.Search))
	fmt.Fprintf(stdout, "the shards stored %s and took %s, max depth %d, in %.2fs of their time together\n",
		english.Count(stored, "state"), english.Count(transitions, "transition"), depth, seconds)
	if sp := first.Split; sp != nil {
		below := stored - int64(len(reps))*(sp.Above+sp.Level)
		fmt.Fprintf(stdout, "split at depth %d: %s above it and %s at it, searched by every shard; the shards expanded %d of the split level's states between them, and stored %s below it (a state reachable below the states of several shards counts once in each)\n",
			sp.Depth, english.Count(sp.Above, "state"), english.Count(sp.Level, "state"), owned, english.Count(below, "state"))
		if owned != sp.Level && len(incomplete) == 0 {
			return bad("the shards expanded %d of the split level's %d states: reports of different runs?", owned, sp.Level)
		}
	} else {
		fmt.Fprintln(stdout, "the search ended before it split: every shard searched the whole graph")
	}
	switch {
	case worst != nil:
		fmt.Fprintln(stdout, worst.Line)
		if worst.Counterexample != "" {
			fmt.Fprintf(stdout, "counterexample (%d steps, shard %d): %s\n", worst.Steps, worst.Shard, worst.Counterexample)
		}
		return exitViolation
	case len(incomplete) > 0:
		slices.Sort(incomplete)
		fmt.Fprintf(stdout, "INCOMPLETE: shards %s did not finish their shares: no violation in what was searched, which is not every state\n", strings.Join(incomplete, "; "))
		return exitIncomplete
	case !chosen:
		fmt.Fprintln(stdout, "VACUOUS: no reachable state has a chosen value")
		return exitViolation
	case !learned:
		fmt.Fprintln(stdout, "VACUOUS: no reachable state has every learner learned")
		return exitViolation
	}
	fmt.Fprintln(stdout, "ok")
	return exitOK
}

// orAll words a search's identity: its flags, or the defaults.
func orAll(search string) string {
	if search == "" {
		return "explore's defaults"
	}
	return search
}

// beats says whether a's counterexample wins over b's: the shortest, then
// the lowest shard; one whose trace could not be written (no steps) only
// over another such.
func beats(a, b *exploreReport) bool {
	switch {
	case (a.Steps > 0) != (b.Steps > 0):
		return a.Steps > 0
	case a.Steps != b.Steps:
		return a.Steps < b.Steps
	}
	return a.Shard < b.Shard
}
