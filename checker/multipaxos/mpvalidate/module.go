package mpvalidate

import (
	"fmt"
	"io/fs"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/tlc"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/spec"
)

// Variant is the spec a trace is followed by: MultiPaxos.tla with the
// substitutions of its bugs' models (spec/MCMultiPaxosBug<Name>.cfg's
// "X <- Y" lines: the one place that says which spec definition a bug
// replaces). A bug without a model (stale-read: a read answered outside
// the log, which the spec never sees) leaves the spec correct.
type Variant struct {
	// Bugs are the catalogue names of the bugs whose spec is in force.
	Bugs []string
	subs []string
}

// Correct is correct Multi-Paxos.
var Correct = Variant{}

// ModelOf is the TLC model of bug b (without .cfg), whether or not it
// exists: MCMultiPaxosBug and b's name in CamelCase.
func ModelOf(b mp.Bug) string {
	var w strings.Builder
	w.WriteString("MCMultiPaxosBug")
	for _, part := range strings.Split(b.String(), "-") {
		if part != "" {
			w.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return w.String()
}

// VariantOf is the spec of the bugs bs: each bug with a model brings its
// substitutions; two bugs that replace the same definition are an error.
func VariantOf(bs mp.Bugs) (Variant, error) {
	var v Variant
	by := map[string]string{} // a replaced definition: the bug that replaces it
	for _, b := range mp.Catalogue() {
		if !bs.Has(b) {
			continue
		}
		text, err := fs.ReadFile(spec.Configs, ModelOf(b)+".cfg")
		if err != nil {
			continue // no spec of its own: the correct spec follows it
		}
		subs := substitutions(string(text))
		if len(subs) == 0 {
			return v, fmt.Errorf("bug %s: %s.cfg substitutes no definition", b, ModelOf(b))
		}
		for _, s := range subs {
			def := strings.TrimSpace(strings.SplitN(s, "<-", 2)[0])
			if o, ok := by[def]; ok {
				return v, fmt.Errorf("bugs %s and %s: both replace the spec's %s, so no one spec has both", o, b, def)
			}
			by[def] = b.String()
		}
		v.Bugs = append(v.Bugs, b.String())
		v.subs = append(v.subs, subs...)
	}
	return v, nil
}

// substitutions are a cfg's "X <- Y" lines.
func substitutions(cfg string) []string {
	var out []string
	for _, line := range strings.Split(cfg, "\n") {
		if line = strings.TrimSpace(line); strings.Contains(line, "<-") && !strings.HasPrefix(line, `\*`) {
			out = append(out, line)
		}
	}
	return out
}

// String names the spec: "correct Multi-Paxos" or its bugs.
func (v Variant) String() string {
	if len(v.Bugs) == 0 {
		return "correct Multi-Paxos"
	}
	return "Multi-Paxos with " + strings.Join(v.Bugs, ", ")
}

// Batch is traces of one cluster's acceptors followed by one spec: what
// one TLC run checks.
type Batch struct {
	// Acceptors are the acceptors' names (A0, ...), Proposers the
	// proposers' (P3, ...): each a replica, from its first life on.
	Acceptors, Proposers []string
	Variant              Variant
	Logs                 [][]Entry
}

// Module is the TLA+ module of b, named name: it EXTENDS MultiPaxosTrace
// and defines the acceptors, commands, replicas and logs as constants
// for the cfg to substitute.
func (b *Batch) Module(name string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "%s MODULE %s %s\n", strings.Repeat("-", 20), name, strings.Repeat("-", 20))
	w.WriteString("\\* Written by paxoscheck validate: the traces as spec/MultiPaxosTrace.tla's logs.\n")
	w.WriteString("EXTENDS MultiPaxosTrace\n\n")
	cmds, reps := b.names()
	fmt.Fprintf(&w, "TAcceptors == {%s}\n", strings.Join(tlc.QuoteAll(b.Acceptors), ", "))
	fmt.Fprintf(&w, "TCommands == {%s}\n", strings.Join(tlc.QuoteAll(cmds), ", "))
	fmt.Fprintf(&w, "TReplicas == {%s}\n", strings.Join(tlc.QuoteAll(reps), ", "))
	// One trace a line, entries as spec/MultiPaxosTrace.tla's tuples.
	w.WriteString("TLogs == ")
	tlc.WriteLogs(&w, b.Logs, writeEntry)
	w.WriteString("\n\n")
	w.WriteString("TraceSpec == TraceInitFor(TLogs) /\\ [][TraceNextFor(TLogs)]_traceVars\n")
	w.WriteString(strings.Repeat("=", 77) + "\n")
	return w.String()
}

// Config is the cfg of b's module: its constants, the spec variant's
// substitutions, and whether TLC prints every state (diagnose).
func (b *Batch) Config(diagnose bool) string {
	var w strings.Builder
	w.WriteString("\\* Written by paxoscheck validate.\nCONSTANTS\n")
	// MCMultiPaxos's model values, which the trace does not use.
	for _, c := range []string{"a1", "a2", "a3", "c1", "c2", "r1", "r2"} {
		fmt.Fprintf(&w, "  %s = %s\n", c, c)
	}
	w.WriteString("  Acceptors <- TAcceptors\n  Commands <- TCommands\n  Replicas <- TReplicas\n  Noop = Noop\n  None = None\n")
	// Constant definitions TLC would work out at the start, and could not
	// for a long trace (spec/MultiPaxosTrace.tla's Unused).
	w.WriteString("  Symmetry <- Unused\n  Messages <- Unused\n")
	slot, bal := b.bounds()
	fmt.Fprintf(&w, "  MaxSlot = %d\n  MaxBallot = %d\n", slot, bal)
	for _, s := range b.Variant.subs {
		fmt.Fprintf(&w, "  %s\n", s)
	}
	fmt.Fprintf(&w, "  Diagnose = %s\n", boolean(diagnose))
	w.WriteString("SPECIFICATION TraceSpec\n")
	return w.String()
}

// names are every client command and every replica the logs name, sorted.
func (b *Batch) names() (cmds, reps []string) {
	cs, rs := map[string]bool{}, map[string]bool{}
	for _, p := range b.Proposers {
		rs[p] = true
	}
	for _, log := range b.Logs {
		for c := range clientCmds(log) {
			cs[cmdName(c)] = true
		}
		for _, e := range log {
			if e.Rep != "" {
				rs[e.Rep] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(cs)), slices.Sorted(maps.Keys(rs))
}

// bounds are the largest slot (at least 1) and spec ballot (at least 0)
// the logs name: the spec's MaxSlot and MaxBallot.
func (b *Batch) bounds() (slot mp.Slot, bal int) {
	slot = 1
	see := func(s mp.Slot, x int) { slot, bal = max(slot, s), max(bal, x) }
	for _, log := range b.Logs {
		for _, e := range log {
			see(e.Slot, e.Bal)
			for _, v := range e.Votes {
				see(v.Slot, v.Bal)
			}
			if p := e.Persist; p != nil {
				see(0, p.Bal)
				for _, v := range p.Votes {
					see(v.Slot, v.Bal)
				}
			}
		}
	}
	return slot, bal
}

// writeEntry writes e as spec/MultiPaxosTrace.tla's tuple <<Kind, Acc,
// Rep, Bal, Slot, Cmd, Effect, Votes, Lost, Persist>>.
func writeEntry(w *strings.Builder, e *Entry) {
	fmt.Fprintf(w, "<<%s,%s,%s,%d,%d,%s,%s,", tlc.Quote(e.Kind), tlc.Quote(e.Acc), tlc.Quote(e.Rep), e.Bal, e.Slot, command(e.Cmd), boolean(e.Effect))
	writeVotes(w, e.Votes)
	fmt.Fprintf(w, ",%s,", boolean(e.Lost))
	if p := e.Persist; p != nil {
		fmt.Fprintf(w, "<<%d,", p.Bal)
		writeVotes(w, p.Votes)
		w.WriteString(">>>>")
	} else {
		w.WriteString("<<>>>>")
	}
}

func writeVotes(w *strings.Builder, vs []Vote) {
	w.WriteString("{")
	for i, v := range vs {
		if i > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(w, "<<%d,%d,%s>>", v.Slot, v.Bal, command(v.Cmd))
	}
	w.WriteString("}")
}

// command is c as TLA+: the model value Noop, None for no command, else
// a string (cmdName).
func command(c mp.Command) string {
	switch {
	case c.IsZero():
		return "None"
	case c.Op == mp.OpNoop:
		return "Noop"
	}
	return tlc.Quote(cmdName(c))
}

// cmdName is a client's command as the spec's command: every field, each
// quoted, so that two commands are the same spec command exactly when
// they are the same Go command (c.String() could run two apart if a key
// or value held its separators).
func cmdName(c mp.Command) string {
	return fmt.Sprintf("c%d.%d %s %q %q %q", c.Client, c.Seq, c.Op, c.Key, c.Val, c.Old)
}

func boolean(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// clientCmds yields every client's command log names (not the no-op).
func clientCmds(log []Entry) iter.Seq[mp.Command] {
	return func(yield func(mp.Command) bool) {
		for _, e := range log {
			cs := []mp.Command{e.Cmd}
			for _, v := range e.Votes {
				cs = append(cs, v.Cmd)
			}
			if e.Persist != nil {
				for _, v := range e.Persist.Votes {
					cs = append(cs, v.Cmd)
				}
			}
			for _, c := range cs {
				if c.Op != 0 && c.Op != mp.OpNoop && !yield(c) {
					return
				}
			}
		}
	}
}
