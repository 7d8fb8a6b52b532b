// Package tlcvalidate checks traces of single-decree Paxos as behaviours
// of the spec (issue 15): it maps each trace onto the entries of
// spec/PaxosTrace.tla's Logs (Entries: the one mapping from trace events
// to spec actions), writes a TLA+ module holding the traces as a constant
// and a cfg (Module), and runs TLC once for a batch of traces (Validate):
// a trace is a behaviour of the spec when TLC follows its log to the end,
// and is rejected at the first entry no spec action explains, which a
// second run of that trace alone shows with the spec state before it.
package tlcvalidate

import (
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Spec action names, as spec/PaxosTrace.tla's Act reads an entry's Kind.
const (
	KindPropose = "Propose"
	KindPhase1a = "Phase1a"
	KindPhase1b = "Phase1b"
	KindPhase2a = "Phase2a"
	KindPhase2b = "Phase2b"
	KindLearn   = "Learn"
	KindCrash   = "Crash"
	// KindNone: a step the spec does not see (a stuttering step).
	KindNone = "None"
)

// Msg is a spec message (spec/Paxos.tla's Messages): ballots are spec
// ballots (-1: none), acceptors named as in the diagrams ("A0").
type Msg struct {
	Type      string
	Acc       string // 1b, 2b
	Bal       int
	MBal      int         // 1b
	MVal, Val paxos.Value // 1b; 2a, 2b
}

// Persist is an acceptor's durable write, in spec terms.
type Persist struct {
	Bal, VBal int
	Val       paxos.Value
}

// Entry is one spec action a trace step shows (PaxosTrace.tla's entry).
type Entry struct {
	// Step and Event are the trace step it comes from (one step may give
	// two entries: a mid-step crash is the action and then the crash).
	Step  int
	Event string
	// Kind is the spec action that explains it (KindNone: none, a
	// stuttering step); Acc the acceptor it acts at ("" if none); Bal
	// and Val its ballot and value (-1 and paxos.None if none).
	Kind string
	Acc  string
	Bal  int
	Val  paxos.Value
	// Sent are the spec messages the step sent, each once (a broadcast
	// is one spec message); Lost that a crash cut the step short before
	// it sent (the spec chooses its messages).
	Sent []Msg
	Lost bool
	// Persist is an acceptor's durable write (nil: none).
	Persist *Persist
}

// Entries maps t onto spec actions: the one place where a trace event
// meets the spec (FORMAT.md's event table; spec/PaxosTrace.tla).
//
//   - Invoke is Propose(value).
//   - A proposer's step is Phase1a(b) when it sends a 1a of ballot b (a
//     timeout), Phase2a(b, v) when it sends a 2a (a quorum of 1b, or at
//     once under skip-prepare), and nothing the spec sees otherwise
//     (nack, decided, Return, a crash or restart: the spec has no
//     proposer state).
//   - An acceptor's step is Phase1b when it sends a 1b, Phase2b when it
//     sends a 2b, with its durable write; a Crash is Crash(a) (PaxosCrash:
//     its memory becomes its durable state), a Restart nothing; a crash
//     in the middle of handling a 1a or a 2a is the Phase1b or Phase2b it
//     persisted, with its messages lost, followed by the crash.
//   - A learner's step is Learn(v) when it learns v, else nothing.
//   - The network's Drop and Duplicate are stuttering steps: the spec's
//     msgs is every message ever sent, which covers loss, duplication and
//     reordering.
//   - nack and decided messages are Go's own: never spec messages.
func Entries(t *paxostrace.Trace) ([]Entry, error) {
	c, err := t.Header.Config()
	if err != nil {
		return nil, err
	}
	np := len(c.Proposers)
	var out []Entry
	for i := range t.Steps {
		s := &t.Steps[i]
		e := Entry{Step: s.Step, Event: s.Action, Kind: KindNone, Bal: -1, Val: paxos.None}
		role, _, ok := c.RoleOf(s.Node)
		if !ok {
			return nil, fmt.Errorf("step %d: node %d is not in the cluster", s.Step, s.Node)
		}
		for _, m := range s.Sent {
			sm, ok := specMsg(&c, m.Message, np)
			if ok && !slices.Contains(e.Sent, sm) {
				e.Sent = append(e.Sent, sm)
			}
		}
		switch {
		case s.Action == paxostrace.EvDrop || s.Action == paxostrace.EvDuplicate:
			// The network's; nothing of the spec's.
			out = append(out, e)
			continue
		case s.Action == paxostrace.EvInvoke:
			e.Kind, e.Val = KindPropose, s.Value
			out = append(out, e)
			continue
		}
		switch role {
		case paxos.RoleProposer:
			for _, m := range e.Sent {
				switch m.Type {
				case "1a":
					e.Kind, e.Bal = KindPhase1a, m.Bal
				case "2a":
					e.Kind, e.Bal, e.Val = KindPhase2a, m.Bal, m.Val
				}
			}
		case paxos.RoleAcceptor:
			e.Acc = paxostrace.NodeName(role, s.Node)
			if s.Persist != nil {
				e.Persist = &Persist{Bal: s.Persist.MaxBal.Spec(np), VBal: s.Persist.MaxVBal.Spec(np), Val: s.Persist.MaxVal}
			}
			switch {
			case s.Action == paxostrace.EvCrash && s.Msg != nil:
				// Crashed while handling a message, after its write and
				// before its sends: the spec's atomic action, its
				// messages lost, then the crash.
				switch s.Msg.Type {
				case paxos.Msg1a:
					e.Kind, e.Lost = KindPhase1b, true
				case paxos.Msg2a:
					e.Kind, e.Lost = KindPhase2b, true
				}
				out = append(out, e)
				e = Entry{Step: s.Step, Event: s.Action, Kind: KindCrash, Acc: e.Acc, Bal: -1, Val: paxos.None}
			case s.Action == paxostrace.EvCrash:
				e.Kind = KindCrash
			default:
				for _, m := range e.Sent {
					switch m.Type {
					case "1b":
						e.Kind = KindPhase1b
					case "2b":
						e.Kind = KindPhase2b
					}
				}
			}
		case paxos.RoleLearner:
			if s.Learned != paxos.None {
				e.Kind, e.Val = KindLearn, s.Learned
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// specMsg is m as a spec message, ok false for Go's own (nack, decided).
// Ballots are spec ballots; the acceptor of a 1b or 2b is its sender.
func specMsg(c *paxos.Config, m paxos.Message, np int) (Msg, bool) {
	acc := func() string {
		r, _, _ := c.RoleOf(m.From)
		return paxostrace.NodeName(r, m.From)
	}
	switch m.Type {
	case paxos.Msg1a:
		return Msg{Type: "1a", Bal: m.Bal.Spec(np)}, true
	case paxos.Msg1b:
		return Msg{Type: "1b", Acc: acc(), Bal: m.Bal.Spec(np), MBal: m.VBal.Spec(np), MVal: m.Val}, true
	case paxos.Msg2a:
		return Msg{Type: "2a", Bal: m.Bal.Spec(np), Val: m.Val}, true
	case paxos.Msg2b:
		return Msg{Type: "2b", Acc: acc(), Bal: m.Bal.Spec(np), Val: m.Val}, true
	}
	return Msg{}, false
}
