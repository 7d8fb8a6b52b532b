package paxostrace

import (
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// The envelope's names, for this package's users.
const (
	FormatName = traces.FormatName
	Version    = traces.Version
	TimeStep   = traces.TimeStep
	TimeNanos  = traces.TimeNanos
)

// The envelope's types and errors.
type (
	// Violation names the invariant a trace breaks and the step after
	// which it first fails.
	Violation = traces.Violation
	// ParseError is a malformed trace: where, and why.
	ParseError = traces.ParseError
	// Trace is a whole trace of single-decree Paxos.
	Trace = traces.Trace[Header, Step]
)

// ErrMalformed is matched by every error about a malformed trace.
var ErrMalformed = traces.ErrMalformed

// The protocol whose runs this package's traces hold, and its version:
// Header.Protocol and Header.ProtocolVersion. (Its steps embed
// single-decree Paxos's messages and states; a trace of another protocol,
// or of another version of this one, is refused, not misread.)
const (
	ProtocolName = "paxos"
	// ProtocolVersion 1: the layout since steps record their timer
	// operations (timers are effects). A header that names no protocol
	// is of before the field, and may be of before timers too: it is
	// refused, its steps could diverge from the code at the first timer.
	ProtocolVersion = 1
)

// Event names: the TLA+ action a step performs (spec/Paxos.tla), plus the
// harness's own events. See FORMAT.md.
const (
	EvPhase1a   = "Phase1a"   // a proposer's timeout: a new ballot, 1a sent
	EvPhase1b   = "Phase1b"   // an acceptor handles a 1a
	EvPhase2a   = "Phase2a"   // a proposer handles a 1b (2a sent at a quorum)
	EvPhase2b   = "Phase2b"   // an acceptor handles a 2a
	EvLearn     = "Learn"     // a learner handles a 2b
	EvNack      = "Nack"      // a proposer handles a nack (Go only)
	EvReturn    = "Return"    // a proposer handles a decided message and answers its clients
	EvInvoke    = "Invoke"    // a client sends Propose(value) to its proposer
	EvCrash     = "Crash"     // a node crashes (with msg: while handling it, after persisting, before sending)
	EvRestart   = "Restart"   // a crashed node restarts from its durable state
	EvDrop      = "Drop"      // the network loses a message
	EvDuplicate = "Duplicate" // the network duplicates a message
)

// Client is a client of the cluster: it sends Propose(Value) to Proposer.
type Client struct {
	ID       paxos.ClientID `json:"id"`
	Proposer paxos.NodeID   `json:"proposer"`
	Value    paxos.Value    `json:"value"`
}

// NodeIDs is a list of node ids written as a JSON array of numbers
// (traces.IDs).
type NodeIDs = traces.IDs[paxos.NodeID]

// NewHead is the Head of every trace this package writes.
func NewHead() traces.Head {
	return traces.Head{Format: FormatName, Version: Version, Protocol: ProtocolName, ProtocolVersion: ProtocolVersion}
}

// Header is the first line of a trace: the envelope's Head (format,
// versions, protocol), the cluster and its clients, and the envelope's Run
// (source, seed, time unit, violation). Head.Protocol is ProtocolName,
// Head.ProtocolVersion ProtocolVersion.
type Header struct {
	traces.Head
	Acceptors NodeIDs  `json:"acceptors"`
	Proposers NodeIDs  `json:"proposers"`
	Learners  NodeIDs  `json:"learners"`
	Bugs      []string `json:"bugs,omitempty"`
	Clients   []Client `json:"clients"`
	traces.Run
}

// Msg is a message with the stable id it got when it was sent. A duplicate
// gets a new id; its DupOf names the original.
type Msg struct {
	ID int `json:"id"`
	paxos.Message
	DupOf int `json:"dup_of,omitempty"`
}

// Step is one line after the header: one action of one node (or of the
// network, for Drop and Duplicate, where Node is the message's addressee).
type Step struct {
	Step   int          `json:"step"`
	Action string       `json:"action"`
	Node   paxos.NodeID `json:"node"`
	// Msg is the message consumed (delivered, dropped, duplicated, or being
	// handled when a Crash struck mid-step).
	Msg *Msg `json:"msg,omitempty"`
	// Sent are the messages the step put on the network, in order.
	Sent []Msg `json:"sent,omitempty"`
	// Persist is the durable state written by the step, before Sent left.
	Persist *paxos.Durable `json:"persist,omitempty"`
	// Learned is the value a learner learned in this step.
	Learned paxos.Value `json:"learned,omitempty"`
	// Client and Value describe an Invoke.
	Client *paxos.ClientID `json:"client,omitempty"`
	Value  paxos.Value     `json:"value,omitempty"`
	// Replies are client returns made by this step.
	Replies []paxos.Reply `json:"replies,omitempty"`
	// Timer is what the step did to its node's timer (paxos.Effects.Timer;
	// TimerKeep, absent from the file, leaves it as it was).
	Timer paxos.TimerOp `json:"timer,omitempty"`
	// Time is when the step happened, in Header.TimeUnit.
	Time int64 `json:"time"`
}

// Config returns the paxos configuration the header describes.
func (h *Header) Config() (paxos.Config, error) {
	c := paxos.Config{Acceptors: h.Acceptors, Proposers: h.Proposers, Learners: h.Learners}
	for _, n := range h.Bugs {
		b, err := paxos.ParseBug(n)
		if err != nil {
			return c, err
		}
		c.Bugs |= paxos.Bugs(b)
	}
	return c, c.Validate()
}
