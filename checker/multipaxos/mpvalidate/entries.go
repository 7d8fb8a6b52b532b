// Package mpvalidate checks traces of Multi-Paxos as behaviours of
// spec/MultiPaxos.tla (issue 15, as checker/paxos/tlcvalidate does for
// single-decree Paxos): it maps each trace onto the entries of
// spec/MultiPaxosTrace.tla's logs (Entries: the one mapping from trace
// events to spec actions), writes a TLA+ module holding the traces and a
// cfg (Batch), and runs TLC once for a batch of traces (Validate, through
// checker/tlc's Logs): a trace is a behaviour of the spec when TLC
// follows its log to the end, and is rejected at the first entry no spec
// action explains, with the spec state before it.
package mpvalidate

import (
	"fmt"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Spec action names, as spec/MultiPaxosTrace.tla's Act reads an entry's
// Kind.
const (
	KindPropose = "Propose"
	KindPhase1a = "Phase1a"
	KindPhase1b = "Phase1b"
	KindPhase2a = "Phase2a"
	KindPhase2b = "Phase2b"
	KindApply   = "Apply"
	// KindNone: a step the spec does not see (a stuttering step).
	KindNone = "None"
)

// Vote is a vote in spec terms: a slot, a spec ballot, a command.
type Vote struct {
	Slot mp.Slot
	Bal  int
	Cmd  mp.Command
}

// Persist is an acceptor's durable write in spec terms: its promise and
// its votes.
type Persist struct {
	Bal   int
	Votes []Vote
}

// Entry is one spec action a trace step shows (MultiPaxosTrace.tla's
// entry).
type Entry struct {
	// Step and Event are the trace step it comes from: one step may give
	// several entries (a leader's 2a for several slots, a replica
	// applying several slots, a mid-step crash's action and the crash).
	Step  int
	Event string
	// Kind is the spec action that explains it (KindNone: none, a
	// stuttering step); Acc the acceptor it acts at and Rep the replica
	// ("" if none); Bal its spec ballot (-1 if none), Slot its slot (a
	// 1b's first reported slot; 0 if none), Cmd its command (the zero
	// Command if none).
	Kind     string
	Acc, Rep string
	Bal      int
	Slot     mp.Slot
	Cmd      mp.Command
	// Effect: an Apply's command took effect (spec Effect appended it).
	Effect bool
	// Votes are a 1b's reported votes.
	Votes []Vote
	// Lost: a crash cut the step short before it sent (the spec's action
	// sends its messages, which the trace never saw).
	Lost bool
	// Persist is an acceptor's durable write (nil: none).
	Persist *Persist
}

// Entries maps t onto spec actions: the one place where a Multi-Paxos
// trace event meets the spec (spec/MultiPaxosTrace.tla; README's table).
//
//   - Invoke is Propose(command).
//   - A proposer's step is, in this order: a Phase1a(b) for the 1a of
//     ballot b it sends (a timeout); a Phase2a(b, s, c) for each 2a it
//     sends (a broadcast is one spec message: with a quorum of promises,
//     one per slot it leads; a request in phase 2; a window moving on);
//     an Apply(r) for each slot its replica applied (Step.Applied), with
//     the command the replica learned for it. The slots it only learned,
//     its nacks, decided messages and replies are its own.
//   - A proposer keeps only its round through a crash, and its replica
//     starts again from slot 1: each life of a proposer is a replica of
//     its own (P3, then P3#1 after its first crash), since a spec
//     replica never forgets.
//   - An acceptor's step is Phase1b when it takes a 1a and answers (or
//     writes), Phase2b when it takes a 2a and votes, each with its
//     durable write and, for a 1b, the votes it reported; a crash in the
//     middle of one, after its write, is that action with its messages
//     lost (with no write, the crash struck before the step did anything). Its crash and
//     restart are stuttering steps: every state change must come with a
//     durable write of that state, which the spec checks.
//   - The network's Drop and Duplicate are stuttering steps: the spec's
//     msgs is every message ever sent.
func Entries(t *mptrace.Trace) ([]Entry, error) {
	c, err := t.Header.Config()
	if err != nil {
		return nil, err
	}
	np := len(c.Proposers)
	life := map[mp.NodeID]int{}                    // a proposer's crashes so far
	learned := map[string]map[mp.Slot]mp.Command{} // per replica: what it learned
	var out []Entry
	for i := range t.Steps {
		s := &t.Steps[i]
		none := Entry{Step: s.Step, Event: s.Action, Kind: KindNone, Bal: -1}
		role, _, ok := c.RoleOf(s.Node)
		if !ok {
			return nil, fmt.Errorf("step %d: node %d is not in the cluster", s.Step, s.Node)
		}
		if s.Action == mptrace.EvDrop || s.Action == mptrace.EvDuplicate {
			out = append(out, none)
			continue
		}
		switch role {
		case mp.RoleProposer:
			rep := ReplicaName(s.Node, life[s.Node])
			n := len(out)
			type specMsg struct {
				typ  mp.MsgType
				bal  int
				slot mp.Slot
				cmd  mp.Command
			}
			sent := map[specMsg]bool{} // a broadcast is one spec message
			if s.Action == mptrace.EvInvoke {
				if s.Op == nil || *s.Op < 0 || *s.Op >= len(t.Header.Ops) {
					return nil, fmt.Errorf("step %d: Invoke of no operation of the header", s.Step)
				}
				out = append(out, Entry{Step: s.Step, Event: s.Action, Kind: KindPropose, Bal: -1, Cmd: t.Header.Ops[*s.Op].Cmd})
			}
			for _, m := range s.Sent {
				k := specMsg{m.Type, m.Bal.Spec(np), m.Slot, m.Cmd}
				if sent[k] || m.Type != mp.Msg1a && m.Type != mp.Msg2a {
					continue
				}
				sent[k] = true
				e := Entry{Step: s.Step, Event: s.Action, Kind: KindPhase2a, Bal: k.bal, Slot: m.Slot, Cmd: m.Cmd}
				if m.Type == mp.Msg1a {
					e.Kind, e.Slot = KindPhase1a, 0
				}
				out = append(out, e)
			}
			if learned[rep] == nil {
				learned[rep] = map[mp.Slot]mp.Command{}
			}
			for _, x := range s.Learned {
				learned[rep][x.Slot] = x.Cmd
			}
			for _, a := range s.Applied {
				cmd, ok := learned[rep][a.Slot]
				if !ok {
					return nil, fmt.Errorf("step %d: node %d applies slot %d, which its replica has not learned", s.Step, s.Node, a.Slot)
				}
				out = append(out, Entry{Step: s.Step, Event: s.Action, Kind: KindApply, Rep: rep, Bal: -1, Slot: a.Slot, Cmd: cmd, Effect: a.Effect})
			}
			if s.Action == mptrace.EvCrash {
				life[s.Node]++
			}
			if len(out) == n {
				out = append(out, none)
			}
		case mp.RoleAcceptor:
			e := none
			e.Acc = mptrace.NodeName(role, s.Node)
			if p := s.Persist; p != nil {
				e.Persist = &Persist{Bal: p.MaxBal.Spec(np), Votes: votes(p.Votes, np)}
			}
			// The spec's reply among the messages sent, if any.
			replied := false
			for _, x := range s.Sent {
				if x.Type == mp.Msg1b {
					vs, err := x.Votes.Votes()
					if err != nil {
						return nil, fmt.Errorf("step %d: msg %d: %w", s.Step, x.ID, err)
					}
					e.Votes, replied = votes(vs, np), true
				}
				replied = replied || x.Type == mp.Msg2b
			}
			// A crash while handling a message, after its write and before
			// its sends, is the spec's action with its messages lost; so
			// is a write with no reply (the spec sent it; the network may
			// lose it). A crash while handling a message the acceptor
			// would not take (no write) is a crash before it.
			if m := s.Msg; m != nil && (replied || s.Persist != nil) {
				switch m.Type {
				case mp.Msg1a:
					e.Kind, e.Bal, e.Slot = KindPhase1b, m.Bal.Spec(np), m.Slot
				case mp.Msg2a:
					e.Kind, e.Bal, e.Slot, e.Cmd = KindPhase2b, m.Bal.Spec(np), m.Slot, m.Cmd
				}
				e.Lost = !replied
			}
			if e.Kind == KindNone {
				// A nack, a crash, a restart: nothing of the spec's,
				// and no durable write to check against it.
				e = none
				if s.Persist != nil {
					return nil, fmt.Errorf("step %d: acceptor %d writes its durable state in a %s step, which no spec action explains", s.Step, s.Node, s.Action)
				}
			}
			out = append(out, e)
			if s.Action == mptrace.EvCrash && e.Kind != KindNone {
				out = append(out, none) // the crash itself
			}
		}
	}
	return out, nil
}

// ReplicaName names the replica of proposer id's life-th life (0: until
// its first crash) as the spec's Replicas: P3, P3#1, ...
func ReplicaName(id mp.NodeID, life int) string {
	n := mptrace.NodeName(mp.RoleProposer, id)
	if life > 0 {
		n += fmt.Sprintf("#%d", life)
	}
	return n
}

func votes(vs []mp.SlotVote, np int) []Vote {
	out := make([]Vote, 0, len(vs))
	for _, v := range vs {
		out = append(out, Vote{Slot: v.Slot, Bal: v.Bal.Spec(np), Cmd: v.Cmd})
	}
	return out
}
