package multipaxos

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/ballot"
)

// NodeID names a node; acceptors and proposers are distinct nodes.
type NodeID uint8

// ClientID names a client session. A client has at most one command
// outstanding, and numbers its commands 1, 2, ... (Command.Seq).
type ClientID uint8

// Slot is a position in the log, from 1 (spec Slots == 1..MaxSlot); 0 is
// no slot.
type Slot uint32

// Ballot is a ballot number: round, then the proposer's index.
type Ballot = ballot.Ballot

// Op is what a command does to the key-value state.
type Op uint8

// The operations. OpNoop is the no-op a leader fills a hole with (spec
// Noop): it takes no effect and has no client.
const (
	OpGet  Op = iota + 1 // read Key
	OpPut                // write Val to Key
	OpCAS                // write Val to Key if it holds Old ("" is absent)
	OpNoop               // nothing
)

var opNames = [...]string{OpGet: "get", OpPut: "put", OpCAS: "cas", OpNoop: "noop"}

// String names the operation.
func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// ParseOp is the inverse of Op.String.
func ParseOp(s string) (Op, error) {
	for i, n := range opNames {
		if n != "" && n == s {
			return Op(i), nil
		}
	}
	return 0, fmt.Errorf("unknown operation %q: want get, put, cas or noop", s)
}

// Command is a client's command, or the no-op. The zero Command is "no
// command" (spec None). Commands are plain comparable values: two
// commands are the same command exactly when they are ==, which for a
// client's command means the same client and sequence number.
type Command struct {
	Op     Op       `json:"op"`
	Client ClientID `json:"client,omitempty"`
	Seq    uint32   `json:"seq,omitempty"`
	Key    string   `json:"key,omitempty"`
	Val    string   `json:"val,omitempty"`
	Old    string   `json:"old,omitempty"`
}

// Noop is the no-op command.
var Noop = Command{Op: OpNoop}

// IsZero reports whether c is no command.
func (c Command) IsZero() bool { return c == Command{} }

// Valid reports whether c is a command some node may send: the no-op with
// no other field, or a client's command with a sequence number from 1, a
// key, and only the fields its operation reads.
func (c Command) Valid() bool {
	switch c.Op {
	case OpNoop:
		return c == Noop
	case OpGet:
		return c.Seq >= 1 && c.Key != "" && c.Val == "" && c.Old == ""
	case OpPut:
		return c.Seq >= 1 && c.Key != "" && c.Old == ""
	case OpCAS:
		return c.Seq >= 1 && c.Key != ""
	}
	return false
}

// String renders c compactly: "c0.1:put(k=v)", "noop", "-".
func (c Command) String() string {
	switch c.Op {
	case 0:
		return "-"
	case OpNoop:
		return "noop"
	}
	s := "c" + strconv.Itoa(int(c.Client)) + "." + strconv.FormatUint(uint64(c.Seq), 10) + ":" + c.Op.String() + "(" + c.Key
	switch c.Op {
	case OpPut:
		s += "=" + c.Val
	case OpCAS:
		s += ":" + c.Old + "->" + c.Val
	}
	return s + ")"
}

// Compare orders commands by every field.
func (c Command) Compare(o Command) int {
	return cmp.Or(cmp.Compare(c.Op, o.Op), cmp.Compare(c.Client, o.Client), cmp.Compare(c.Seq, o.Seq),
		strings.Compare(c.Key, o.Key), strings.Compare(c.Val, o.Val), strings.Compare(c.Old, o.Old))
}

// Reply answers a client's command: Get's value (Found false: the key is
// absent), CAS's outcome (OK), or a Put's acknowledgement.
type Reply struct {
	Client ClientID `json:"client"`
	Seq    uint32   `json:"seq"`
	Op     Op       `json:"op"`
	Value  string   `json:"value,omitempty"`
	Found  bool     `json:"found,omitempty"`
	OK     bool     `json:"ok,omitempty"`
}

// Vote is an acceptor's vote in one slot: its ballot and command (spec
// vote[a][s]). SlotVote is a vote with its slot.
type Vote struct {
	Bal Ballot  `json:"bal"`
	Cmd Command `json:"cmd"`
}

// SlotVote is a vote in slot Slot.
type SlotVote struct {
	Slot Slot `json:"slot"`
	Vote
}

// MsgType is the type of a message.
type MsgType uint8

// The message types: the spec's 1a..2b, and nack and decided (Go only).
const (
	Msg1a MsgType = iota + 1
	Msg1b
	Msg2a
	Msg2b
	MsgNack
	MsgDecided
)

var msgTypeNames = [...]string{Msg1a: "1a", Msg1b: "1b", Msg2a: "2a", Msg2b: "2b", MsgNack: "nack", MsgDecided: "decided"}

// String names t.
func (t MsgType) String() string {
	if int(t) < len(msgTypeNames) && msgTypeNames[t] != "" {
		return msgTypeNames[t]
	}
	return "msg(" + strconv.Itoa(int(t)) + ")"
}

// ParseMsgType is the inverse of MsgType.String.
func ParseMsgType(s string) (MsgType, error) {
	for i, n := range msgTypeNames {
		if n != "" && n == s {
			return MsgType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown message type %q", s)
}

// Message is a point-to-point message. Which fields mean something depends
// on Type:
//
//	1a       Bal, Slot              prepare ballot Bal for every slot from Slot on
//	1b       Bal, Slot, Votes       promise Bal; my votes in the slots from Slot on
//	2a       Bal, Slot, Cmd         accept Cmd in Slot at ballot Bal
//	2b       Bal, Slot, Cmd         voted for Cmd in Slot at ballot Bal
//	nack     Bal                    refused: I have promised Bal
//	decided  Slot, Cmd              Cmd is chosen in Slot
//
// Unused fields are zero, so that equal messages are ==. Votes is an
// immutable, comparable encoding of a list of votes (VoteList).
type Message struct {
	Type  MsgType  `json:"type"`
	From  NodeID   `json:"from"`
	To    NodeID   `json:"to"`
	Bal   Ballot   `json:"bal,omitzero"`
	Slot  Slot     `json:"slot,omitempty"`
	Cmd   Command  `json:"cmd,omitzero"`
	Votes VoteList `json:"votes,omitempty"`
}

// Route renders m's sender and addressee, e.g. "3->0".
func (m Message) Route() string { return fmt.Sprintf("%d->%d", m.From, m.To) }

// String renders m compactly for diagrams and errors.
func (m Message) String() string {
	switch m.Type {
	case Msg1a:
		return fmt.Sprintf("1a b=%s from s%d", m.Bal, m.Slot)
	case Msg1b:
		s := fmt.Sprintf("1b b=%s from s%d", m.Bal, m.Slot)
		vs, err := m.Votes.Votes()
		if err != nil {
			return s + " votes=?"
		}
		for _, v := range vs {
			s += fmt.Sprintf(" s%d:%s@%s", v.Slot, v.Cmd, v.Bal)
		}
		return s
	case Msg2a, Msg2b:
		return fmt.Sprintf("%s b=%s s%d %s", m.Type, m.Bal, m.Slot, m.Cmd)
	case MsgNack:
		return "nack b=" + m.Bal.String()
	case MsgDecided:
		return fmt.Sprintf("decided s%d %s", m.Slot, m.Cmd)
	}
	return m.Type.String()
}

// Compare orders messages by every field, so that a multiset of messages
// has one sorted form.
func (m Message) Compare(o Message) int {
	return cmp.Or(cmp.Compare(m.Type, o.Type), cmp.Compare(m.From, o.From), cmp.Compare(m.To, o.To),
		m.Bal.Compare(o.Bal), cmp.Compare(m.Slot, o.Slot), m.Cmd.Compare(o.Cmd),
		strings.Compare(string(m.Votes), string(o.Votes)))
}

// Role is what a node does.
type Role uint8

// The roles.
const (
	RoleAcceptor Role = iota + 1
	RoleProposer
)

// String returns "acceptor" or "proposer".
func (r Role) String() string {
	switch r {
	case RoleAcceptor:
		return "acceptor"
	case RoleProposer:
		return "proposer"
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}
