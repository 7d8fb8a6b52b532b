package multipaxos

import (
	"errors"
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/impl/timer"
)

// Durable is what a node keeps on stable storage. An acceptor keeps its
// one promise and its votes, a log with one entry per slot it voted in,
// sorted by slot (spec maxBal and vote[a]); a proposer keeps the last
// round it started, so that after a restart it never reuses a ballot.
type Durable struct {
	MaxBal Ballot     `json:"maxBal,omitzero"`
	Votes  []SlotVote `json:"votes,omitempty"`
	Round  uint32     `json:"round,omitempty"`
}

// Equal reports whether d and o are the same durable state (nil and
// empty vote logs alike).
func (d Durable) Equal(o Durable) bool {
	return d.MaxBal == o.MaxBal && d.Round == o.Round && slices.Equal(d.Votes, o.Votes)
}

// Phase is where a proposer is in its current ballot.
type Phase uint8

// Proposer phases.
const (
	PhaseIdle Phase = iota // no ballot, or it stepped down
	Phase1                 // 1a sent, collecting promises
	Phase2                 // leading: a quorum promised, phase 2 slot by slot
)

// String names the phase.
func (p Phase) String() string {
	switch p {
	case PhaseIdle:
		return "idle"
	case Phase1:
		return "phase1"
	case Phase2:
		return "leading"
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// Proposal is a slot a leader has given a command at its ballot: Sent
// once its 2a went out; Acks are the acceptors (by index) whose 2b for
// it came back.
type Proposal struct {
	Slot Slot
	Cmd  Command
	Sent bool
	Acks uint64
}

// Entry is a slot a replica knows to be chosen, with its command.
type Entry struct {
	Slot Slot    `json:"slot"`
	Cmd  Command `json:"cmd"`
}

// Replica is a proposer's copy of the state machine: Next is the slot it
// applies next (spec next[r]); Known are the chosen slots at or above
// Next that it has learned, sorted; Applied are the commands that took
// effect, in order (spec applied[r]); KV is the key-value state and its
// dedup table.
type Replica struct {
	Next    Slot
	Known   []Entry
	Applied []Command
	KV      KV
}

// Node is the whole state of one node, a plain value (see the package
// comment on its slices). Only the fields of its Role are used.
type Node struct {
	ID    NodeID
	Role  Role
	Index uint8 // position in its role's list of Config
	// Crashed nodes take no input but a restart.
	Crashed bool

	// Mem is the durable state as held in memory: an acceptor's promise
	// and votes, a proposer's round. What is on stable storage is the
	// runner's.
	Mem Durable

	// Proposer, volatile: leader.
	Phase    Phase
	From     Slot       // the first slot of this ballot's phase 1
	Promised uint64     // acceptors (by index) that promised this ballot
	Reported []SlotVote // per slot, the vote the leader adopts of those reported, sorted
	Props    []Proposal // slots given a command at this ballot, not yet chosen, sorted
	NextSlot Slot       // the next slot the leader gives a command
	Pending  []Command  // waiting commands not yet given a slot at this ballot
	Seen     Ballot     // the highest ballot heard of in a nack

	// Proposer, volatile: the clients waiting here (their commands, in
	// arrival order), and the replica.
	Waiting []Command
	Rep     Replica
}

// NewNode returns the initial state of node id under c.
func NewNode(c *Config, id NodeID) (Node, error) {
	r, i, ok := c.RoleOf(id)
	if !ok {
		return Node{}, fmt.Errorf("%w: node %d is not in the configuration", ErrConfig, id)
	}
	n := Node{ID: id, Role: r, Index: uint8(i)}
	if r == RoleProposer {
		n.Rep.Next = 1
	}
	return n, nil
}

// Ballot returns the proposer's current ballot (zero before its first).
func (n *Node) Ballot() Ballot {
	if n.Mem.Round == 0 {
		return Ballot{}
	}
	return Ballot{Round: n.Mem.Round, Proposer: n.Index}
}

// InputKind says what happened to a node.
type InputKind uint8

// The inputs.
const (
	InDeliver InputKind = iota + 1 // a message addressed to the node
	InTimeout                      // its timer fired: a new ballot
	InRequest                      // a client's command
	InCrash                        // it stops; volatile state is gone
	InRestart                      // it comes back with Durable
)

// String names the input kind.
func (k InputKind) String() string {
	switch k {
	case InDeliver:
		return "deliver"
	case InTimeout:
		return "timeout"
	case InRequest:
		return "request"
	case InCrash:
		return "crash"
	case InRestart:
		return "restart"
	}
	return fmt.Sprintf("input(%d)", uint8(k))
}

// Input is one thing that happens to a node.
type Input struct {
	Kind    InputKind
	Msg     Message // InDeliver
	Cmd     Command // InRequest
	Durable Durable // InRestart
}

// TimerOp is what a step does to the node's timer (impl/timer: a
// proposer's retry timer, which fires InTimeout). A crash disarms it.
type TimerOp = timer.Op

// The timer operations.
const (
	TimerKeep   = timer.Keep   // leave it
	TimerArm    = timer.Arm    // arm it
	TimerCancel = timer.Cancel // disarm it
)

// Effects is what one step asks of its runner: persist Persist (when
// non-nil), then send Send, then answer Replies, then do Timer.
type Effects struct {
	Persist *Durable
	Send    []Message
	Replies []Reply
	Timer   TimerOp
	// Learned are the slots this step told the node's replica are chosen
	// (a leader's quorum of 2b, a decided message), for the checkers'
	// "sometimes" properties.
	Learned []Entry
	// Applied are the slots the replica applied in this step, in the
	// order it applied them, each with whether its command took effect
	// (not a no-op, nor a command applied before: the dedup table). A
	// trace records them, so that trace validation sees which slots a
	// replica applied when, and to what effect (spec Apply and Effect),
	// not only which it learned.
	Applied []Applied
}

// Applied is a slot a replica applied, and whether its command took
// effect (spec Effect appended it to the replica's applied commands).
type Applied struct {
	Slot   Slot `json:"slot"`
	Effect bool `json:"effect,omitempty"`
}

// ErrInput is wrapped by errors about inputs a node cannot take.
var ErrInput = errors.New("input not applicable")

// Enabled reports whether in can be applied to n. An enabled input may
// still change nothing (a stale message is ignored).
func (n *Node) Enabled(c *Config, in Input) bool {
	switch in.Kind {
	case InCrash:
		return !n.Crashed
	case InRestart:
		return n.Crashed
	}
	if n.Crashed {
		return false
	}
	switch in.Kind {
	case InDeliver:
		return in.Msg.To == n.ID && accepts(n.Role, in.Msg.Type) && wellFormed(c, in.Msg)
	case InTimeout:
		// A proposer retries while a client waits.
		return n.Role == RoleProposer && len(n.Waiting) > 0
	case InRequest:
		if n.Role != RoleProposer || !in.Cmd.Valid() || in.Cmd.Op == OpNoop {
			return false
		}
		for _, w := range n.Waiting {
			if w.Client == in.Cmd.Client {
				return false // a client has one command outstanding
			}
		}
		return true
	}
	return false
}

// accepts reports whether role r takes messages of type t.
func accepts(r Role, t MsgType) bool {
	switch r {
	case RoleAcceptor:
		return t == Msg1a || t == Msg2a
	case RoleProposer:
		return t == Msg1b || t == Msg2b || t == MsgNack || t == MsgDecided
	}
	return false
}

// wellFormed rejects messages no node sends: without a ballot (but
// decided), without a slot (but nack), a 2a, 2b or decided without a valid
// command, a 1b whose votes do not parse or lie below its slot or above
// its ballot, a sender that is not of the role that sends the type.
func wellFormed(c *Config, m Message) bool {
	r, _, ok := c.RoleOf(m.From)
	if !ok {
		return false
	}
	switch m.Type {
	case Msg1a, Msg2a:
		if r != RoleProposer {
			return false
		}
	default:
		if (m.Type == MsgDecided) != (r == RoleProposer) {
			return false
		}
	}
	switch m.Type {
	case Msg1a:
		return !m.Bal.IsZero() && m.Slot >= 1
	case Msg1b:
		vs, err := m.Votes.Votes()
		if err != nil || m.Bal.IsZero() || m.Slot < 1 {
			return false
		}
		for _, v := range vs {
			if v.Slot < m.Slot || v.Bal.IsZero() || m.Bal.Less(v.Bal) || !v.Cmd.Valid() {
				return false
			}
		}
		return true
	case Msg2a, Msg2b:
		return !m.Bal.IsZero() && m.Slot >= 1 && m.Cmd.Valid()
	case MsgNack:
		return !m.Bal.IsZero()
	case MsgDecided:
		return m.Slot >= 1 && m.Cmd.Valid()
	}
	return false
}

// Step applies in to n and returns the new state and the effects; n is
// not modified. An input Enabled refuses is an error wrapping ErrInput.
func (n Node) Step(c *Config, in Input) (Node, Effects, error) {
	e, err := n.StepTo(c, in, &n)
	return n, e, err
}

// Advance is Step for a caller that owns n alone and steps it along one
// run, never stepping an earlier state again (a node process, not a
// checker): n becomes the new state, and its logs (an acceptor's votes,
// a replica's applied log) grow in place, in amortised constant time,
// where Step copies them whole. Step copies because a checker steps one
// state many times over: two successors appending in place would write
// the same element of a shared array. Earlier states stay valid as
// values (an append never writes below their length), so a caller may
// keep the last durable state to diff against (Delta). Advance gives the
// same states and effects as Step (TestAdvanceIsStep); a checker replays
// what a node process did with Step and compares.
//
// This departs from DESIGN.md's "no pointers into shared memory": the
// states Advance makes share their logs' arrays with the node's earlier
// states. It is safe only for a caller that never steps an earlier state
// again, which no checker is; the measured reason is README's throughput
// table (a copy of the whole log per vote bounded the store at a few
// hundred commands a second).
func (n *Node) Advance(c *Config, in Input) (Effects, error) {
	own := *c
	own.owned = true
	return n.StepTo(&own, in, n)
}

// grow returns s with x appended: in place when the caller owns the
// state alone (Advance), otherwise into a new array, so that no other
// state sharing s's array sees it change (the core never writes a
// state's slices in place).
func grow[T any](c *Config, s []T, x T) []T {
	if c.owned {
		return append(s, x)
	}
	return append(append(make([]T, 0, len(s)+1), s...), x) // exactly: a checker holds many states
}

// StepTo is Step writing the new state to next (which may be n).
func (n *Node) StepTo(c *Config, in Input, next *Node) (Effects, error) {
	if next != n {
		*next = *n
	}
	if !next.Enabled(c, in) {
		return Effects{}, fmt.Errorf("%w: %s at %s %d", ErrInput, describeInput(in), next.Role, next.ID)
	}
	n = next
	var e Effects
	switch in.Kind {
	case InCrash:
		*n = Node{ID: n.ID, Role: n.Role, Index: n.Index, Crashed: true}
	case InRestart:
		*n = n.restart(in.Durable)
	case InTimeout:
		e = n.timeout(c)
	case InRequest:
		e = n.request(c, in.Cmd)
	case InDeliver:
		if n.Role == RoleAcceptor {
			e = n.acceptorDeliver(c, in.Msg)
		} else {
			e = n.proposerDeliver(c, in.Msg)
		}
	}
	return e, nil
}

func describeInput(in Input) string {
	switch in.Kind {
	case InDeliver:
		return fmt.Sprintf("deliver %s %s", in.Msg, in.Msg.Route())
	case InRequest:
		return "request " + in.Cmd.String()
	}
	return in.Kind.String()
}

// restart resumes from durable state d: an acceptor with its promise and
// votes, a proposer idle with its last round, no client waiting (their
// connections died with it) and an empty replica, which learns the log
// again from its next ballot's phase 1 and from decided messages.
func (n Node) restart(d Durable) Node {
	n = Node{ID: n.ID, Role: n.Role, Index: n.Index}
	switch n.Role {
	case RoleAcceptor:
		n.Mem = Durable{MaxBal: d.MaxBal, Votes: d.Votes}
	case RoleProposer:
		n.Mem = Durable{Round: d.Round}
		n.Rep.Next = 1
	}
	return n
}

// Delta is what changed from one durable state to the next, as a
// durable state: the promise and round whole, and only the votes that
// changed (ok false: a vote was removed, which a delta cannot say; the
// whole state is then written instead). A node's log store appends it
// (impl/storage.LogStore), and its part of a cluster's trace records it
// (traces/multipaxostrace, persist_delta): an acceptor's log grows with
// every slot, and written whole at every step it would cost its square.
func Delta(prev, next Durable) (d Durable, ok bool) {
	d = Durable{MaxBal: next.MaxBal, Round: next.Round}
	if len(prev.Votes) > 0 && len(next.Votes) >= len(prev.Votes) && &prev.Votes[0] == &next.Votes[0] {
		// next's votes are prev's array grown in place (Advance), or
		// prev's votes themselves: the core never writes a state's
		// slices in place, so the first len(prev) votes are prev's, and
		// the change is the tail. (Without this, a node's every write
		// would compare its whole log.)
		if tail := next.Votes[len(prev.Votes):]; len(tail) > 0 {
			d.Votes = slices.Clip(tail)
		}
		return d, true
	}
	return deltaByCompare(prev, next)
}

// deltaByCompare is Delta found by comparing the two logs slot by slot.
func deltaByCompare(prev, next Durable) (d Durable, ok bool) {
	d = Durable{MaxBal: next.MaxBal, Round: next.Round}
	i := 0
	for _, v := range next.Votes {
		if i < len(prev.Votes) && prev.Votes[i].Slot < v.Slot {
			return Durable{}, false // prev's slot is gone from next
		}
		if i < len(prev.Votes) && prev.Votes[i].Slot == v.Slot {
			if prev.Votes[i] != v {
				d.Votes = append(d.Votes, v)
			}
			i++
			continue
		}
		d.Votes = append(d.Votes, v)
	}
	if i < len(prev.Votes) {
		return Durable{}, false
	}
	return d, true
}

// ApplyDelta is the inverse of Delta: prev with d's promise and round and
// d's votes in place of prev's in their slots.
func ApplyDelta(prev, d Durable) Durable {
	out := Durable{MaxBal: d.MaxBal, Round: d.Round}
	i, j := 0, 0
	for i < len(prev.Votes) || j < len(d.Votes) {
		switch {
		case j == len(d.Votes) || i < len(prev.Votes) && prev.Votes[i].Slot < d.Votes[j].Slot:
			out.Votes = append(out.Votes, prev.Votes[i])
			i++
		case i == len(prev.Votes) || d.Votes[j].Slot < prev.Votes[i].Slot:
			out.Votes = append(out.Votes, d.Votes[j])
			j++
		default:
			out.Votes = append(out.Votes, d.Votes[j])
			i, j = i+1, j+1
		}
	}
	return out
}
