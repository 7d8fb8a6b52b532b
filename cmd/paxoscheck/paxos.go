package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/paxoscheck/paxoscheck/checker/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Single-decree Paxos's entry for the trace commands: its traces
// (traces/paxostrace) checked, replayed and drawn by checker/paxosmodel
// and paxostrace's diagram labels. It reads traces whose header names no
// protocol (those of before the field).
func init() {
	registerProtocol(&traceProtocol{name: paxostrace.ProtocolName, unnamed: true,
		check: checkPaxos, replay: replayPaxos, read: readPaxos})
}

func checkPaxos(path string, opt replay.Options) (replay.Verdict, error) {
	t, err := paxostrace.ReadFile(path)
	if err != nil {
		return replay.Verdict{}, err
	}
	v, err := paxosmodel.Check(&t, opt)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

type paxosTrace struct{ t paxostrace.Trace }

func readPaxos(path string) (drawer, error) {
	t, err := paxostrace.ReadFile(path)
	return paxosTrace{t}, err
}

func (p paxosTrace) draw(w io.Writer, format string, ascii bool, title string) error {
	switch format {
	case "text":
		return paxostrace.RenderText(w, &p.t, paxostrace.TextOptions{ASCII: ascii})
	case "mermaid":
		return paxostrace.RenderMermaid(w, &p.t)
	case "html":
		// One self-contained page (checker/viewer): step through the
		// diagram, node states, diffs, invariants, Porcupine's view.
		return paxosmodel.WriteHTML(w, &p.t, viewer.Options{Title: title})
	}
	return fmt.Errorf("unknown format %q (want %s)", format, showFormats)
}

// replayPaxos is the replay command's view of a single-decree Paxos
// trace: each step re-executed on impl/paxos, the state change of the
// node it touched (a go-cmp diff of the paxos.Node, "-" before, "+"
// after), its durable write, the messages that left and joined the
// network, and the invariant verdict.
func replayPaxos(path string, stdout, stderr io.Writer) int {
	t, err := paxostrace.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %v\n", err)
		return exitBadInput
	}
	r, err := paxosmodel.NewReplayer(&t.Header)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %s: %v\n", path, err)
		return exitBadInput
	}
	h := &t.Header
	fmt.Fprintf(stdout, "trace %s: %d acceptors %v, %d proposers %v, %d learners %v", path,
		len(h.Acceptors), h.Acceptors, len(h.Proposers), h.Proposers, len(h.Learners), h.Learners)
	if len(h.Bugs) > 0 {
		fmt.Fprintf(stdout, ", bugs %s", strings.Join(h.Bugs, ","))
	}
	fmt.Fprintf(stdout, ", %d steps\n", len(t.Steps))

	// Every invariant is evaluated after every step; a step lists those it
	// newly breaks, so that a later, worse breach (Agreement after
	// Msg2aInv, say) is not hidden behind the first.
	tr := paxosmodel.Tracker{P: r.P}
	checkAll := func(step int) {
		for _, v := range tr.Observe(&r.State, step) {
			if step > 0 {
				fmt.Fprintf(stdout, "  invariant %s now violated: %s\n", v.Invariant, v.Detail)
			} else {
				fmt.Fprintf(stdout, "invariant %s violated in the initial state: %s\n", v.Invariant, v.Detail)
			}
		}
	}
	checkAll(0)
	for i := range t.Steps {
		s := &t.Steps[i]
		fmt.Fprintf(stdout, "\nstep %d: %s\n", s.Step, describeStep(s))
		ni := r.State.NodeIndex(s.Node)
		var before paxos.Node
		var stored paxos.Durable
		if ni >= 0 {
			before, stored = r.State.Nodes[ni], r.State.Stored[ni]
		}
		net := append([]paxos.Message(nil), r.State.Net...)
		if _, err := r.Step(s); err != nil {
			var d *replay.Divergence
			if errors.As(err, &d) {
				fmt.Fprintf(stdout, "  DIVERGENCE: %s: the code produces %s, the trace claims %s\n", d.Field, d.Want, d.Got)
				fmt.Fprintf(stdout, "\nverdict: the trace diverges from the code at step %d; replay stopped\n", d.Step)
				return exitViolation
			}
			fmt.Fprintf(stderr, "paxoscheck replay: %v\n", err)
			return exitBadInput
		}
		if ni >= 0 {
			after := r.State.Nodes[ni]
			if d := diff(before, after); d == "" {
				fmt.Fprintf(stdout, "  node %d: unchanged\n", s.Node)
			} else {
				fmt.Fprintf(stdout, "  node %d (-before +after):\n%s", s.Node, indent(d, "    "))
			}
			if st := r.State.Stored[ni]; st != stored {
				fmt.Fprintf(stdout, "  stored: %+v -> %+v\n", stored, st)
			}
		}
		gone, added := replay.NetDiff(net, r.State.Net)
		for _, m := range gone {
			fmt.Fprintf(stdout, "  net - %s %d->%d\n", m, m.From, m.To)
		}
		for _, m := range added {
			fmt.Fprintf(stdout, "  net + %s %d->%d\n", m, m.From, m.To)
		}
		checkAll(s.Step)
	}
	if len(tr.Broken) > 0 {
		first := tr.Broken[0]
		fmt.Fprintf(stdout, "\nverdict: invariant %s first violated after step %d: %s\n", first.Invariant, first.Step, first.Detail)
		var names []string
		for _, v := range tr.Broken {
			names = append(names, fmt.Sprintf("%s (step %d)", v.Invariant, v.Step))
		}
		fmt.Fprintf(stdout, "invariants violated during the trace: %s\n", strings.Join(names, ", "))
		return exitViolation
	}
	fmt.Fprintf(stdout, "\nverdict: all %d invariants hold after every step\n", len(invariant.All))
	return exitOK
}

// describeStep renders what a step does, in the trace's own terms.
func describeStep(s *paxostrace.Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at node %d", s.Action, s.Node)
	if s.Msg != nil {
		fmt.Fprintf(&b, ", msg #%d %s %d->%d", s.Msg.ID, s.Msg.Message, s.Msg.From, s.Msg.To)
	}
	if s.Client != nil {
		fmt.Fprintf(&b, ", client %d proposes %q", *s.Client, s.Value)
	}
	if s.Learned != paxos.None {
		fmt.Fprintf(&b, ", learns %q", s.Learned)
	}
	for _, r := range s.Replies {
		fmt.Fprintf(&b, ", answers client %d with %q", r.Client, r.Value)
	}
	fmt.Fprintf(&b, " (time %d)", s.Time)
	return b.String()
}

// diff is cmp.Diff(before, after) made deterministic: go-cmp deliberately
// varies its indentation between U+0020 and U+00A0 from run to run (its
// output is documented as unstable); replay output must be the same every
// time, so every U+00A0 becomes a space.
func diff(before, after paxos.Node) string {
	return strings.ReplaceAll(cmp.Diff(before, after), "\u00a0", " ")
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
