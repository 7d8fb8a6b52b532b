package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/internal/english"
)

// replaySteps is the replay command of every protocol: it re-executes
// steps on the code of p and prints, for each step, what it did (the
// viewer's wording of the step), the fields of every node that changed
// (by name, as the HTML viewer shows them: sets of node names, ballots as
// round.proposer), the messages that left and joined the network, and the
// invariants it newly breaks. The node views are the viewer's, so that the
// replay, the HTML page and the diagrams name one state one way. It ends
// with the verdict and returns the exit code.
func replaySteps[I, K ~uint8, N any, M graph.Message[M], D, E, S any](p viewer.Protocol[I, K, N, M, D, E, S], path string, steps []S, stdout, stderr io.Writer) int {
	r, err := replay.New(p)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %s: %v\n", path, err)
		return exitBadInput
	}
	labels := map[int]string{}
	byView := map[string]string{} // a node view's id to its column's label
	for _, c := range p.Columns() {
		labels[c.ID] = c.Label
		byView["node-"+strconv.Itoa(c.ID)] = c.Label
	}
	msgText := func(m M) string {
		a := p.ViewMsg(replay.Ref[M]{Msg: m})
		return fmt.Sprintf("%s %s→%s", a.Text, labels[a.Src], labels[a.Dst])
	}
	tr := replay.Tracker[I, K, N, M, D, E, S]{P: p}
	checkAll := func(step int, indent string) {
		for _, v := range tr.Observe(&r.State, step) {
			fmt.Fprintf(stdout, "%sVIOLATION: %s\n", indent, english.Violation(v.Invariant, step, v.Detail))
		}
	}
	checkAll(0, "")
	prev := p.ViewState(&r.State)
	for i := range steps {
		s := &steps[i]
		sv := p.ViewStep(s)
		fmt.Fprintf(stdout, "\nstep %d: %s\n", sv.Step, sv.Text)
		net := slices.Clone(r.State.Net)
		if _, err := r.Step(s); err != nil {
			var d *replay.Divergence
			if errors.As(err, &d) {
				fmt.Fprintf(stdout, "  DIVERGENCE: %s: the code produces %s, the trace claims %s\n", d.Field, d.Want, d.Got)
				fmt.Fprintf(stdout, "\nverdict: the trace diverges from the code at step %d; replay stopped\n", d.Step)
				return exitViolation
			}
			fmt.Fprintf(stderr, "paxoscheck replay: %s: %v\n", path, err)
			return exitBadInput
		}
		cur := p.ViewState(&r.State)
		printChanges(stdout, prev, cur, byView)
		gone, added := replay.NetDiff(net, r.State.Net)
		for _, m := range gone {
			fmt.Fprintf(stdout, "  net - %s\n", msgText(m))
		}
		for _, m := range added {
			fmt.Fprintf(stdout, "  net + %s\n", msgText(m))
		}
		checkAll(sv.Step, "  ")
		prev = cur
	}
	// The client history, and the header's claim, as check judges them.
	v, err := protocolOf(path).check(path, replay.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %v\n", err)
		return exitBadInput
	}
	lin := v.Linearizability
	fmt.Fprintf(stdout, "\nlinearizability: %s\n", lin)
	code := exitOK
	switch {
	case len(tr.Broken) > 0:
		first := tr.Broken[0]
		fmt.Fprintf(stdout, "verdict: VIOLATION: %s\n", english.Violation(first.Invariant, first.Step, first.Detail))
		var names []string
		for _, v := range tr.Broken {
			names = append(names, fmt.Sprintf("%s (step %d)", v.Invariant, v.Step))
		}
		fmt.Fprintf(stdout, "invariants violated during the trace: %s\n", strings.Join(names, ", "))
		code = exitViolation
	case lin.Verdict == linearize.Illegal:
		fmt.Fprintf(stdout, "verdict: VIOLATION: %s\n", english.Violation(replay.LinearizabilityCheck, len(steps), lin.Detail))
		code = exitViolation
	case lin.Verdict == linearize.Unknown:
		fmt.Fprintf(stdout, "verdict: UNKNOWN: every invariant holds after every step, but linearizability was not decided: %s\n", lin.Detail)
		code = exitViolation
	default:
		fmt.Fprintf(stdout, "verdict: every invariant holds after every step\n")
	}
	if v.Claimed != nil && v.ClaimConfirmed != nil && !*v.ClaimConfirmed {
		fmt.Fprintf(stdout, "the trace claims %s after step %d: NOT confirmed\n", v.Claimed.Invariant, v.Claimed.Step)
		code = exitViolation
	}
	return code
}

// printChanges prints, node by node, the fields whose shown value differs
// between before and after: "  P4: phase idle → phase2", the node named by
// its diagram label (labels, by view id; else the view's title). The
// network is left out (the replay lists its messages), and so is every
// node whose fields are all unchanged.
func printChanges(w io.Writer, before, after []viewer.NodeState, labels map[string]string) {
	old := map[string]map[string]string{}
	for _, n := range before {
		f := map[string]string{}
		for _, x := range n.Fields {
			f[x.Name] = x.Value
		}
		old[n.ID] = f
	}
	for _, n := range after {
		if n.ID == "node-net" { // the network's view (viewer.NodeState)
			continue
		}
		var changed []string
		for _, x := range n.Fields {
			if was, ok := old[n.ID][x.Name]; !ok || was != x.Value {
				changed = append(changed, fmt.Sprintf("%s %s → %s", x.Name, orDash(was), x.Value))
			}
		}
		if len(changed) > 0 {
			name, ok := labels[n.ID]
			if !ok {
				name = n.Title
			}
			fmt.Fprintf(w, "  %s: %s\n", name, strings.Join(changed, "; "))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
