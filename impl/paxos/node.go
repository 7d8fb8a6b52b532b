package paxos

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/impl/timer"
)

// Durable is the state a node keeps on stable storage. An acceptor keeps its
// promise and its last vote (spec maxBal, maxVBal, maxVal); a proposer keeps
// the last round it started, so that after a restart it never reuses a
// ballot (two 2a of one ballot with different values would break
// OneValuePerBallot). Learners keep nothing.
type Durable struct {
	MaxBal  Ballot `json:"maxBal,omitzero"`
	MaxVBal Ballot `json:"maxVBal,omitzero"`
	MaxVal  Value  `json:"maxVal,omitempty"`
	Round   uint32 `json:"round,omitempty"`
}

// Vote is what a learner last heard from one acceptor.
type Vote struct {
	Bal Ballot
	Val Value
	// N counts the 2b messages received for Bal; only the
	// learner-counts-duplicates bug reads it.
	N uint8
}

// Phase is where a proposer is in its current ballot.
type Phase uint8

// Proposer phases.
const (
	PhaseIdle Phase = iota // no ballot started since the last (re)start
	Phase1                 // 1a sent, collecting 1b
	Phase2                 // 2a sent
)

// String names the phase.
func (p Phase) String() string {
	switch p {
	case PhaseIdle:
		return "idle"
	case Phase1:
		return "phase1"
	case Phase2:
		return "phase2"
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// Node is the whole state of one node: a plain value with no pointers into
// shared memory, so copying it with = copies it. Only the fields of the
// node's Role are used; the others stay zero.
type Node struct {
	ID   NodeID
	Role Role
	// Index is the node's position in its role's list of Config.
	Index uint8
	// Crashed nodes take no input but Restart.
	Crashed bool

	// Acceptor and proposer state as held in memory. For an acceptor,
	// Mem.MaxBal/MaxVBal/MaxVal are the spec's variables; for a proposer,
	// Mem.Round is its current round. What is on stable storage is kept by
	// the runner, not here.
	Mem Durable

	// Proposer, volatile.
	Phase    Phase
	Value    Value  // the value of the first client request (own value)
	Clients  uint64 // bitmask of clients waiting for a reply
	Promised uint64 // bitmask of acceptor indices that sent 1b for the current ballot
	HighVBal Ballot // highest vote reported in the current ballot's 1b
	HighVal  Value  // its value
	LowVBal  Ballot // lowest vote reported (pick-lowest-promised-value bug only)
	LowVal   Value  // its value
	Seen     Ballot // highest ballot heard of in a nack
	Decided  Value  // value heard in a decided message
	Proposal Value  // value sent in 2a at the current ballot

	// Learner, volatile.
	Votes   [MaxAcceptors]Vote
	Learned Value
}

// NewNode returns the initial state of node id under c.
func NewNode(c *Config, id NodeID) (Node, error) {
	r, i, ok := c.RoleOf(id)
	if !ok {
		return Node{}, fmt.Errorf("%w: node %d is not in the configuration", ErrConfig, id)
	}
	return Node{ID: id, Role: r, Index: uint8(i)}, nil
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

// The inputs of DESIGN.md, "The deterministic core".
const (
	// InDeliver hands the node a message addressed to it.
	InDeliver InputKind = iota + 1
	// InTimeout fires a proposer's timer: it starts a new, higher ballot.
	InTimeout
	// InRequest is a client request Propose(Value) at a proposer.
	InRequest
	// InCrash stops the node; its volatile state is gone.
	InCrash
	// InRestart brings a crashed node back with its durable state.
	InRestart
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
	Kind InputKind
	// Msg is the delivered message (InDeliver).
	Msg Message
	// Client and Value make a client request (InRequest).
	Client ClientID
	Value  Value
	// Durable is the state read back from stable storage (InRestart).
	Durable Durable
}

// Reply answers a client: Value is the chosen value.
type Reply struct {
	Client ClientID `json:"client"`
	Value  Value    `json:"value"`
}

// TimerOp is what a step does to its node's timer (impl/timer): a node
// has one timer (a proposer's retry timer); when it fires, the node gets
// an InTimeout. Timers are volatile: a crash disarms them.
type TimerOp = timer.Op

// The timer operations.
const (
	TimerKeep   = timer.Keep   // leave the timer as it is
	TimerArm    = timer.Arm    // arm it: a timeout may come
	TimerCancel = timer.Cancel // disarm it: no timeout will come
)

// Effects is what one step asks of its runner: persist Persist (when
// non-nil) first, then send Send, then deliver Replies to clients; and
// arm or cancel the node's timer (Timer).
type Effects struct {
	Persist *Durable
	Send    []Message
	// Learned is the value a learner learned in this step (None if none).
	Learned Value
	Replies []Reply
	// Timer is what the step does to the node's timer. A proposer arms
	// it when it gets a value to propose and cancels it when it hears a
	// value is decided: it retries (times out) only in between.
	Timer TimerOp
}

// ErrInput is wrapped by errors about inputs that a node cannot take (a
// message addressed to another node, a timeout at an acceptor, ...). A
// runner that only offers enabled inputs never sees it.
var ErrInput = fmt.Errorf("input not applicable")

// Enabled reports whether in can be applied to n at all. Applying an input
// that is enabled may still do nothing (a stale message is ignored).
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
		return in.Msg.To == n.ID && accepts(n.Role, in.Msg.Type) && wellFormed(in.Msg)
	case InTimeout:
		// A proposer retries only while it has a value to propose and has
		// not heard that a value is chosen.
		return n.Role == RoleProposer && n.Value != None && n.Decided == None
	case InRequest:
		return n.Role == RoleProposer && in.Value != None && in.Client < 64 && n.Clients&(1<<in.Client) == 0
	}
	return false
}

// wellFormed rejects messages that no role ever sends: a protocol message
// without a ballot, or a 2a, 2b or decided without a value. Taking them
// would be unsafe, not just odd: a 2b at the zero ballot matches the empty
// vote slot of every acceptor the learner has not heard from, so one such
// message makes a quorum; an acceptor would vote for a 2a at the zero
// ballot and announce it in such a 2b; a decided without a value answers
// clients with None.
func wellFormed(m Message) bool {
	switch m.Type {
	case Msg2a, Msg2b:
		return !m.Bal.IsZero() && m.Val != None
	case MsgDecided:
		return m.Val != None
	}
	return !m.Bal.IsZero()
}

func accepts(r Role, t MsgType) bool {
	switch r {
	case RoleAcceptor:
		return t == Msg1a || t == Msg2a
	case RoleProposer:
		return t == Msg1b || t == MsgNack || t == MsgDecided
	case RoleLearner:
		return t == Msg2b
	}
	return false
}

// Step applies in to n and returns the new state and the effects. n itself
// is not modified. An input for which Enabled is false is an error wrapping
// ErrInput; the returned state is then n unchanged.
func (n Node) Step(c *Config, in Input) (Node, Effects, error) {
	e, err := n.StepTo(c, in, &n)
	return n, e, err
}

// StepTo is Step writing the new state to next (which may be n itself)
// instead of returning it: nodes are large values, and a runner that keeps
// them in place saves a copy.
func (n *Node) StepTo(c *Config, in Input, next *Node) (Effects, error) {
	if !n.Enabled(c, in) {
		if next != n {
			*next = *n
		}
		return Effects{}, fmt.Errorf("%w: %s at %s %d", ErrInput, describeInput(in), n.Role, n.ID)
	}
	if next != n {
		*next = *n
	}
	n = next
	var e Effects
	switch in.Kind {
	case InCrash:
		*n = n.crash()
	case InRestart:
		*n = n.restart(in.Durable)
	case InTimeout:
		e = n.timeout(c)
	case InRequest:
		e = n.request(in.Client, in.Value)
	case InDeliver:
		switch n.Role {
		case RoleAcceptor:
			e = n.acceptorDeliver(c, in.Msg)
		case RoleProposer:
			e = n.proposerDeliver(c, in.Msg)
		case RoleLearner:
			e = n.learnerDeliver(c, in.Msg)
		}
	}
	return e, nil
}

func describeInput(in Input) string {
	switch in.Kind {
	case InDeliver:
		return fmt.Sprintf("deliver %s from %d to %d", in.Msg, in.Msg.From, in.Msg.To)
	case InRequest:
		return fmt.Sprintf("request from client %d value %q", in.Client, in.Value)
	}
	return in.Kind.String()
}

// crash forgets everything: what survives is on the runner's storage.
func (n Node) crash() Node {
	return Node{ID: n.ID, Role: n.Role, Index: n.Index, Crashed: true}
}

// restart resumes from durable state d. A proposer comes back idle, with no
// client waiting (their connections died with it), but with its last round
// so that its next ballot is new.
func (n Node) restart(d Durable) Node {
	n = Node{ID: n.ID, Role: n.Role, Index: n.Index}
	switch n.Role {
	case RoleAcceptor:
		n.Mem = Durable{MaxBal: d.MaxBal, MaxVBal: d.MaxVBal, MaxVal: d.MaxVal}
	case RoleProposer:
		n.Mem = Durable{Round: d.Round}
	}
	return n
}
