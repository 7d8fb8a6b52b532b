package paxos

import (
	"cmp"
	"fmt"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
	"strconv"
	"strings"
)

// NodeID names a node of the cluster. Acceptors, proposers and learners are
// distinct nodes; their IDs are unique across the whole configuration.
type NodeID uint8

// ClientID names a client. Clients are not nodes: a client request is an
// input to a proposer and a client reply is an effect of a proposer.
type ClientID uint8

// Value is a value that clients propose. The empty Value means "no value"
// (spec/Paxos.tla None) and cannot be proposed.
type Value string

// None is the absent value, spec/Paxos.tla None.
const None Value = ""

// Ballot is a ballot number (impl/ballot: one definition of the order of
// ballots for every protocol of the project).
type Ballot = ballot.Ballot

// MsgType is the type of a message.
type MsgType uint8

// The message types. 1a..2b are the spec's; Nack and Decided exist only in
// Go (see the package comment).
const (
	Msg1a MsgType = iota + 1
	Msg1b
	Msg2a
	Msg2b
	MsgNack
	MsgDecided
)

var msgTypeNames = [...]string{Msg1a: "1a", Msg1b: "1b", Msg2a: "2a", Msg2b: "2b", MsgNack: "nack", MsgDecided: "decided"}

// String returns the spec's name of t ("1a", "1b", "2a", "2b") or
// "nack"/"decided".
func (t MsgType) String() string {
	if int(t) < len(msgTypeNames) && msgTypeNames[t] != "" {
		return msgTypeNames[t]
	}
	return "msg(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText encodes t by name.
func (t MsgType) MarshalText() ([]byte, error) {
	if int(t) >= len(msgTypeNames) || msgTypeNames[t] == "" {
		return nil, fmt.Errorf("unknown message type %d", uint8(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes a name written by MarshalText.
func (t *MsgType) UnmarshalText(b []byte) error {
	x, err := ParseMsgType(string(b))
	if err != nil {
		return err
	}
	*t = x
	return nil
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
//	1a       Bal                 prepare ballot Bal
//	1b       Bal, VBal, Val      promise Bal; last vote was (VBal, Val)
//	2a       Bal, Val            accept Val at ballot Bal
//	2b       Bal, Val            voted for Val at ballot Bal
//	nack     Bal                 refused: the acceptor has promised Bal
//	decided  Val                 Val is chosen
//
// Unused fields are zero, so that equal messages compare equal with ==.
type Message struct {
	Type MsgType `json:"type"`
	From NodeID  `json:"from"`
	To   NodeID  `json:"to"`
	Bal  Ballot  `json:"bal,omitzero"`
	VBal Ballot  `json:"vbal,omitzero"`
	Val  Value   `json:"val,omitempty"`
}

// Route renders m's sender and addressee, e.g. "3->0".
func (m Message) Route() string { return fmt.Sprintf("%d->%d", m.From, m.To) }

// String renders m compactly for diagrams and errors, e.g. "1b 2.0 vbal=1.1 v=x".
func (m Message) String() string {
	switch m.Type {
	case Msg1a, MsgNack:
		return m.Type.String() + " b=" + m.Bal.String()
	case Msg1b:
		s := "1b b=" + m.Bal.String()
		if !m.VBal.IsZero() {
			s += " vbal=" + m.VBal.String() + " v=" + string(m.Val)
		}
		return s
	case Msg2a, Msg2b:
		return m.Type.String() + " b=" + m.Bal.String() + " v=" + string(m.Val)
	case MsgDecided:
		return "decided v=" + string(m.Val)
	}
	return m.Type.String()
}

// Less orders messages canonically (by every field), so that a multiset of
// messages has one sorted form.
func (m Message) Less(o Message) bool { return m.Compare(o) < 0 }

// Compare returns -1, 0 or +1 as m is before, equal to or after o in the
// order of Less.
func (m Message) Compare(o Message) int {
	if m.Type != o.Type {
		return cmp.Compare(m.Type, o.Type)
	}
	if m.From != o.From {
		return cmp.Compare(m.From, o.From)
	}
	if m.To != o.To {
		return cmp.Compare(m.To, o.To)
	}
	if c := m.Bal.Compare(o.Bal); c != 0 {
		return c
	}
	if c := m.VBal.Compare(o.VBal); c != 0 {
		return c
	}
	return strings.Compare(string(m.Val), string(o.Val))
}

// Role is what a node does.
type Role uint8

// The roles of Paxos Made Simple, section 2.
const (
	RoleAcceptor Role = iota + 1
	RoleProposer
	RoleLearner
)

// String returns "acceptor", "proposer" or "learner".
func (r Role) String() string {
	switch r {
	case RoleAcceptor:
		return "acceptor"
	case RoleProposer:
		return "proposer"
	case RoleLearner:
		return "learner"
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}
