package tlcvalidate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// Variant is the spec a trace is followed by: spec/PaxosTrace.tla's
// constants Bug (PaxosBugs: "none" for correct Paxos), NotPersisted
// (PaxosCrash's persistence bugs) and Quorums (MinorityQuorums for the
// minority-quorum bug).
type Variant struct {
	Bug          string
	NotPersisted []string
	Minority     bool
}

// Correct is correct Paxos.
var Correct = Variant{Bug: "none"}

// VariantOf is the spec of the bugs bs: each catalogue bug has its spec
// (spec/PaxosBugs.tla, spec/PaxosCrash.tla, MinorityQuorums); PaxosBugs
// holds one bug at a time, so two of its bugs together are an error.
func VariantOf(bs paxos.Bugs) (Variant, error) {
	v := Correct
	for _, b := range paxos.Catalogue() {
		if !bs.Has(b) {
			continue
		}
		switch b {
		case paxos.BugPromiseNotPersisted, paxos.BugAcceptNotPersisted:
			v.NotPersisted = append(v.NotPersisted, b.String())
		case paxos.BugMinorityQuorum:
			v.Minority = true
		default:
			if v.Bug != "none" {
				return v, fmt.Errorf("bugs %s and %s: the spec (PaxosBugs.tla) switches on one of its bugs at a time", v.Bug, b)
			}
			v.Bug = b.String()
		}
	}
	return v, nil
}

// String names the spec: "correct Paxos" or its bugs.
func (v Variant) String() string {
	var bugs []string
	if v.Bug != "none" {
		bugs = append(bugs, v.Bug)
	}
	bugs = append(bugs, v.NotPersisted...)
	if v.Minority {
		bugs = append(bugs, paxos.BugMinorityQuorum.String())
	}
	if len(bugs) == 0 {
		return "correct Paxos"
	}
	slices.Sort(bugs)
	return "Paxos with " + strings.Join(bugs, ", ")
}

// Batch is traces of one cluster's acceptors followed by one spec: what
// one TLC run checks.
type Batch struct {
	Acceptors []string
	Variant   Variant
	Logs      [][]Entry
}

// Module is the TLA+ module of b, named name: it EXTENDS PaxosTrace and
// defines the acceptors, the values and the logs as constants for the cfg
// to substitute.
func (b *Batch) Module(name string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "%s MODULE %s %s\n", strings.Repeat("-", 20), name, strings.Repeat("-", 20))
	w.WriteString("\\* Written by paxoscheck validate: the traces as spec/PaxosTrace.tla's logs.\n")
	w.WriteString("EXTENDS PaxosTrace\n\n")
	fmt.Fprintf(&w, "TAcceptors == {%s}\n", strings.Join(tlc.QuoteAll(b.Acceptors), ", "))
	fmt.Fprintf(&w, "TValues == {%s}\n", strings.Join(tlc.QuoteAll(b.values()), ", "))
	// One trace a line, entries as spec/PaxosTrace.tla's tuples: TLC's
	// parser reads thousands of traces in seconds.
	w.WriteString("TLogs == ")
	tlc.WriteLogs(&w, b.Logs, writeEntry)
	w.WriteString("\n\n")
	w.WriteString("TraceSpec == TraceInitFor(TLogs) /\\ [][TraceNextFor(TLogs)]_traceVars\n")
	w.WriteString(strings.Repeat("=", 77) + "\n")
	return w.String()
}

// Config is the cfg of b's module: its constants, the spec variant, and
// whether TLC prints every state (diagnose: a rejected log's report).
func (b *Batch) Config(diagnose bool) string {
	var w strings.Builder
	w.WriteString("\\* Written by paxoscheck validate.\nCONSTANTS\n")
	w.WriteString("  Acceptors <- TAcceptors\n  Values <- TValues\n  None = None\n")
	fmt.Fprintf(&w, "  MaxBallot = %d\n", b.maxBallot())
	fmt.Fprintf(&w, "  Bug = %s\n", tlc.Quote(b.Variant.Bug))
	fmt.Fprintf(&w, "  NotPersisted = {%s}\n", strings.Join(tlc.QuoteAll(b.Variant.NotPersisted), ", "))
	if b.Variant.Minority {
		w.WriteString("  Quorums <- MinorityQuorums\n")
	}
	fmt.Fprintf(&w, "  Diagnose = %s\n", map[bool]string{true: "TRUE", false: "FALSE"}[diagnose])
	w.WriteString("SPECIFICATION TraceSpec\n")
	return w.String()
}

// values is every value the logs name, sorted.
func (b *Batch) values() []string {
	set := map[string]bool{}
	add := func(v paxos.Value) {
		if v != paxos.None {
			set[string(v)] = true
		}
	}
	for _, log := range b.Logs {
		for _, e := range log {
			add(e.Val)
			for _, m := range e.Sent {
				add(m.Val)
				add(m.MVal)
			}
			if e.Persist != nil {
				add(e.Persist.Val)
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// maxBallot is the largest spec ballot the logs name (at least 0), the
// spec's MaxBallot.
func (b *Batch) maxBallot() int {
	m := 0
	for _, log := range b.Logs {
		for _, e := range log {
			m = max(m, e.Bal)
			for _, s := range e.Sent {
				m = max(m, s.Bal, s.MBal)
			}
			if e.Persist != nil {
				m = max(m, e.Persist.Bal, e.Persist.VBal)
			}
		}
	}
	return m
}

// writeEntry writes e as spec/PaxosTrace.tla's tuple <<Kind, Acc, Bal,
// Val, Sent, Lost, Persist>> (the step it comes from is the Go side's).
func writeEntry(w *strings.Builder, e *Entry) {
	fmt.Fprintf(w, "<<%s,%s,%d,%s,{", tlc.Quote(e.Kind), tlc.Quote(e.Acc), e.Bal, value(e.Val))
	for i, m := range e.Sent {
		if i > 0 {
			w.WriteString(",")
		}
		writeMsg(w, &m)
	}
	fmt.Fprintf(w, "},%s,", map[bool]string{true: "TRUE", false: "FALSE"}[e.Lost])
	if p := e.Persist; p != nil {
		fmt.Fprintf(w, "<<%d,%d,%s>>>>", p.Bal, p.VBal, value(p.Val))
	} else {
		w.WriteString("<<>>>>")
	}
}

// writeMsg writes m with spec/PaxosTrace.tla's M1a .. M2b.
func writeMsg(w *strings.Builder, m *Msg) {
	switch m.Type {
	case "1a":
		fmt.Fprintf(w, "M1a(%d)", m.Bal)
	case "1b":
		fmt.Fprintf(w, "M1b(%s,%d,%d,%s)", tlc.Quote(m.Acc), m.Bal, m.MBal, value(m.MVal))
	case "2a":
		fmt.Fprintf(w, "M2a(%d,%s)", m.Bal, value(m.Val))
	case "2b":
		fmt.Fprintf(w, "M2b(%s,%d,%s)", tlc.Quote(m.Acc), m.Bal, value(m.Val))
	}
}

// value is v as TLA+: a string, or the model value None.
func value(v paxos.Value) string {
	if v == paxos.None {
		return "None"
	}
	return tlc.Quote(string(v))
}
