package main

import (
	"fmt"
	"io"

	"github.com/paxoscheck/paxoscheck/internal/english"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

func init() {
	register(command{name: "merge", summary: "make one trace of a real cluster's parts (each paxosd's trace.jsonl)", run: runMergeTrace})
}

// runMergeTrace is `paxoscheck merge --out FILE PART...`: the parts that
// the nodes of a real cluster wrote (one each), merged into one trace in
// causal order (mptrace.Merge), which check, replay and show read.
// Exit code: 0 merged, 2 bad input (a part missing, malformed, of
// another cluster, or parts that do not fit together).
func runMergeTrace(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("merge", "merge --out FILE PART...", stderr)
	out := fs.String("out", "", "write the merged trace to `FILE` (required)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "paxoscheck merge: "+format+"\n", a...)
		return exitBadInput
	}
	switch {
	case fs.NArg() == 0:
		return bad("no part given: pass every node's trace.jsonl (see paxoscheck merge --help)")
	case *out == "":
		return bad("--out is required")
	}
	t, rep, err := mergeParts(fs.Args(), stdout)
	if err != nil {
		return bad("%v", err)
	}
	if err := mptrace.WriteFile(*out, t); err != nil {
		return bad("--out: %v", err)
	}
	fmt.Fprintf(stdout, "merged %s into %s: %s, %s; added %s and %s; %s never consumed\n",
		english.Count(rep.Parts, "part"), *out, english.Count(len(t.Steps), "step"), english.Count(len(t.Header.Ops), "operation"),
		english.Count(rep.Duplicates, "copy"), english.Count(rep.Crashes, "crash"), english.Count(rep.InFlight, "message"))
	return exitOK
}

// mergeParts reads the parts at paths and merges them, saying on w which
// parts were cut short.
func mergeParts(paths []string, w io.Writer) (mptrace.Trace, mptrace.MergeReport, error) {
	var parts []mptrace.Part
	for _, p := range paths {
		part, cut, err := mptrace.ReadPartFile(p)
		if err != nil {
			return mptrace.Trace{}, mptrace.MergeReport{}, err
		}
		if cut {
			fmt.Fprintf(w, "%s: its last line was cut short; merged up to the line before\n", p)
		}
		parts = append(parts, part)
	}
	return mptrace.Merge(parts, "cluster")
}
