// Package multipaxostrace is Multi-Paxos's layer of the trace format
// (package traces holds the envelope): the header's cluster and
// operations, the steps' fields, their checks, and the diagram's labels.
// FORMAT.md describes the lines.
package multipaxostrace

import (
	"io"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// The envelope's types.
type (
	// Trace is a whole trace of Multi-Paxos.
	Trace = traces.Trace[Header, Step]
	// Violation names the invariant a trace breaks and the step after
	// which it first fails.
	Violation = traces.Violation
)

// The protocol these traces hold, and the version of its fields.
const (
	ProtocolName    = "multipaxos"
	ProtocolVersion = 3
)

// Event names: the TLA+ action (spec/MultiPaxos.tla) a step performs, or
// a Go-only event, or the harness's own.
const (
	EvInvoke    = "Invoke"    // a client's command arrives at its proposer (Propose)
	EvPhase1a   = "Phase1a"   // a proposer's timeout: a new ballot's 1a
	EvPhase1b   = "Phase1b"   // an acceptor takes a 1a
	EvPromise   = "Promise"   // a proposer takes a 1b (with a quorum: Phase2a for its slots)
	EvPhase2b   = "Phase2b"   // an acceptor takes a 2a
	EvVote      = "Vote"      // a proposer takes a 2b (with a quorum: the slot is chosen, Apply)
	EvNack      = "Nack"      // a proposer takes a nack (Go only)
	EvDecided   = "Decided"   // a proposer takes a decided message (Apply)
	EvCrash     = "Crash"     // a node crashes (with msg: while handling it)
	EvRestart   = "Restart"   // a node restarts from its durable state
	EvDrop      = "Drop"      // the network loses a message
	EvDuplicate = "Duplicate" // the network duplicates a message
)

// consumes maps each delivery event to the message type it takes.
var consumes = map[string]mp.MsgType{
	EvPhase1b: mp.Msg1a, EvPromise: mp.Msg1b, EvPhase2b: mp.Msg2a,
	EvVote: mp.Msg2b, EvNack: mp.MsgNack, EvDecided: mp.MsgDecided,
}

// DeliverEvent is the event of delivering a message of type t.
func DeliverEvent(t mp.MsgType) string {
	for ev, x := range consumes {
		if x == t {
			return ev
		}
	}
	return ""
}

// Consumes is the message type a delivery event takes (ok false: the
// event delivers nothing).
func Consumes(ev string) (mp.MsgType, bool) {
	t, ok := consumes[ev]
	return t, ok
}

// Actions lists every valid Step.Action.
var Actions = []string{EvInvoke, EvPhase1a, EvPhase1b, EvPromise, EvPhase2b, EvVote, EvNack, EvDecided,
	EvCrash, EvRestart, EvDrop, EvDuplicate}

// NodeIDs is a list of node ids written as a JSON array of numbers
// (traces.IDs).
type NodeIDs = traces.IDs[mp.NodeID]

// Op is one operation of the header: a client's command and the proposer
// it is sent to. Its index is the op id of Invoke steps.
type Op struct {
	ID       int        `json:"id"`
	Proposer mp.NodeID  `json:"proposer"`
	Cmd      mp.Command `json:"cmd"`
}

// Header is a trace's first line.
type Header struct {
	traces.Head
	Acceptors NodeIDs  `json:"acceptors"`
	Proposers NodeIDs  `json:"proposers"`
	Pipeline  int      `json:"pipeline"`
	Bugs      []string `json:"bugs,omitempty"`
	Ops       []Op     `json:"ops"`
	// Part is set in one node's own part of a cluster's trace (a
	// paxosd's file), and only there: see Part and Merge.
	Part *PartOf `json:"part,omitempty"`
	traces.Run
}

// PartOf says whose part of a cluster's trace a file is: the node that
// wrote it. A part holds that node's steps only, with the messages it
// consumed named by the ids their senders gave them (in their own
// parts), and its operations as commands (Step.Cmd) rather than indexes
// into Ops, which a part's header leaves empty: no node knows the whole
// workload. Merge makes one trace of the parts.
type PartOf struct {
	Node mp.NodeID `json:"node"`
}

// NewHead is the Head of every trace this package writes.
func NewHead() traces.Head {
	return traces.Head{Format: traces.FormatName, Version: traces.Version, Protocol: ProtocolName, ProtocolVersion: ProtocolVersion}
}

// Config returns the configuration the header describes.
func (h *Header) Config() (mp.Config, error) {
	c := mp.Config{Acceptors: h.Acceptors, Proposers: h.Proposers, Pipeline: h.Pipeline}
	b, err := mp.BugsNamed(h.Bugs)
	if err != nil {
		return c, err
	}
	c.Bugs = b
	return c, c.Validate()
}

// Msg is a message with the id it got when it was sent; a duplicate's
// copy names the original in DupOf.
type Msg struct {
	ID int `json:"id"`
	mp.Message
	DupOf int `json:"dup_of,omitempty"`
}

// Step is one line after the header: one action of one node (or of the
// network, for Drop and Duplicate: Node is the addressee).
type Step struct {
	Step   int       `json:"step"`
	Action string    `json:"action"`
	Node   mp.NodeID `json:"node"`
	// Msg is the message consumed (delivered, dropped, duplicated, or
	// being handled when a Crash struck mid-step).
	Msg *Msg `json:"msg,omitempty"`
	// Sent are the messages the step sent, in order.
	Sent []Msg `json:"sent,omitempty"`
	// Persist is the durable state the step wrote before Sent left.
	Persist *mp.Durable `json:"persist,omitempty"`
	// Learned are the slots the node's replica learned are chosen.
	Learned []mp.Entry `json:"learned,omitempty"`
	// Applied are the slots the node's replica applied, in order, each
	// with whether its command took effect.
	Applied []mp.Applied `json:"applied,omitempty"`
	// Op is an Invoke's operation (its index in Header.Ops).
	Op *int `json:"op,omitempty"`
	// Replies are the clients the step answered.
	Replies []mp.Reply `json:"replies,omitempty"`
	// Timer is what the step did to the node's timer.
	Timer mp.TimerOp `json:"timer,omitempty"`
	// Lamport is the step's Lamport clock on a real cluster: one more
	// than the larger of the node's previous step's and the consumed
	// message's (which carries its sender's). Every message a step sends
	// carries its clock, so a step comes after every step it depends on
	// in the order of (Lamport, Node): what Merge falls back on where
	// real time is not causal.
	Lamport uint64 `json:"lamport,omitempty"`
	// Cmd is an Invoke's command, in a part (Header.Part) only, where it
	// stands for Op.
	Cmd *mp.Command `json:"cmd,omitempty"`
	// Loaded is what a Restart read back from stable storage, in a part
	// only: Merge checks it is the node's last persisted state.
	Loaded *mp.Durable `json:"loaded,omitempty"`
	// PersistDelta, in a part only, says that Persist lists only the
	// votes that differ from the node's state before the step (its last
	// persist, or what its Restart loaded), with the whole promise and
	// round: an acceptor's log grows with every slot, and a part that
	// wrote it whole at every step would grow with its square. Merge
	// writes the whole state back.
	PersistDelta bool `json:"persist_delta,omitempty"`
	// GroupEnd, in a part only, marks the last step of a group: the steps
	// a node took one after the other and made durable with one write
	// (group commit), whose lines it writes before that write and whose
	// messages it sends after it. A restarted node may therefore find
	// only its last group missing from its store; a store that lacks an
	// earlier one lost a write the node had made durable.
	GroupEnd bool `json:"group_end,omitempty"`
	// Time is when the step happened, in Header.TimeUnit.
	Time int64 `json:"time"`
}

var (
	headerRequired = []string{"format", "version", "acceptors", "proposers", "pipeline", "ops", "time_unit"}
	stepRequired   = []string{"step", "action", "node", "time"}
)

// Format is Multi-Paxos's layer of the trace format.
var Format traces.Format[Header, Step] = format{}

type format struct{}

func (format) Protocol() (string, int)                    { return ProtocolName, ProtocolVersion }
func (format) Head(h *Header) (*traces.Head, *traces.Run) { return &h.Head, &h.Run }
func (format) HeaderKeys() []string                       { return headerRequired }
func (format) StepKeys() []string                         { return stepRequired }
func (format) StepOf(s *Step) (int, int64)                { return s.Step, s.Time }
func (format) NewChecker() traces.Checker[Header, Step]   { return &validator{} }

// Read reads and validates a whole trace.
func Read(r io.Reader) (Trace, error) { return traces.Read(Format, r) }

// ReadFile reads and validates the trace in file path.
func ReadFile(path string) (Trace, error) { return traces.ReadFile(Format, path) }

// Validate checks t as Read would.
func Validate(t *Trace) error { return traces.Validate(Format, t) }

// Write validates t and writes it as JSON Lines.
func Write(w io.Writer, t Trace) error { return traces.Write(Format, w, t) }

// WriteFile writes t to path atomically.
func WriteFile(path string, t Trace) error { return traces.WriteFile(Format, path, t) }
