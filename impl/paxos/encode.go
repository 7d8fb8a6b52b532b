package paxos

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
)

// This file is the one place that writes down how a Node, its Durable state
// and a Message are laid out as bytes. The explorer's frontier and
// fingerprints, the world's canonical encoding and the file store all use
// it; nothing else spells out these fields.
//
// The encodings are total: every field of every value is written, whatever
// the node's role and whether or not the correct protocol ever sets it, so
// that two values encode equally exactly when they are equal. A checker
// must not merge two states because the correct code would keep a field
// zero: the code under test may not (a mutant that gives a proposer a
// promise is still told apart). Zero fields cost one bit: a node's state
// starts with a mask of its non-zero fields.

// ErrDecode is wrapped by every error of a Decoder: bytes that no Append
// function wrote.
var ErrDecode = errors.New("paxos: malformed encoding")

func appendValue(buf []byte, v Value) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(v)))
	return append(buf, v...)
}

// AppendBinary appends the encoding of m.
func (m Message) AppendBinary(buf []byte) []byte {
	buf = append(buf, byte(m.Type), byte(m.From), byte(m.To))
	buf = m.Bal.AppendBinary(buf)
	buf = m.VBal.AppendBinary(buf)
	return appendValue(buf, m.Val)
}

// AppendBinary appends the encoding of d.
func (d Durable) AppendBinary(buf []byte) []byte {
	buf = d.MaxBal.AppendBinary(buf)
	buf = d.MaxVBal.AppendBinary(buf)
	buf = appendValue(buf, d.MaxVal)
	return binary.AppendUvarint(buf, uint64(d.Round))
}

// AppendBinary appends the encoding of n whole: its identity (ID, Role,
// Index), then AppendState.
func (n *Node) AppendBinary(buf []byte) []byte {
	buf = append(buf, byte(n.ID), byte(n.Role), n.Index)
	return n.AppendState(buf)
}

// The bits of a node state's field mask, in the order the fields follow it.
const (
	fCrashed = 1 << iota
	fMem
	fPhase
	fValue
	fClients
	fPromised
	fHighVBal
	fHighVal
	fLowVBal
	fLowVal
	fSeen
	fDecided
	fProposal
	fVotes
	fLearned
)

// AppendState appends the encoding of everything of n but its identity
// (ID, Role, Index): what varies from state to state of one node. A mask
// of the non-zero fields comes first; the votes, when any is set, are a
// mask of the set ones over all MaxAcceptors entries and then those.
func (n *Node) AppendState(buf []byte) []byte { return n.appendState(buf, false) }

// AppendUnindexed is AppendState without the fields indexed by acceptor
// (AcceptorIndexed): the part of n that a permutation of acceptors leaves
// as it is. The explorer's symmetric fingerprint hashes it, and the
// indexed fields in their acceptors' columns.
func (n *Node) AppendUnindexed(buf []byte) []byte { return n.appendState(buf, true) }

// AcceptorIndexed returns the fields of n that are indexed by acceptor
// index, the ones a permutation of the acceptors moves: the bitmask of
// acceptors that promised to a proposer, and a learner's votes, entry i
// from acceptor i. PermuteAcceptors moves exactly these.
func (n *Node) AcceptorIndexed() (promised uint64, votes *[MaxAcceptors]Vote) {
	return n.Promised, &n.Votes
}

// PermuteAcceptors moves what n holds of acceptor i to acceptor fwd[i]
// (the fields AcceptorIndexed returns); an acceptor node itself becomes
// acceptor fwd[Index], with node id ids[fwd[Index]].
func (n *Node) PermuteAcceptors(fwd []int, ids []NodeID) {
	if n.Role == RoleAcceptor {
		n.Index = uint8(fwd[n.Index])
		n.ID = ids[n.Index]
	}
	// Bits past the acceptors name none: they stay where they are.
	p := n.Promised &^ (1<<uint(len(fwd)) - 1)
	for i, f := range fwd {
		if n.Promised&(1<<uint(i)) != 0 {
			p |= 1 << uint(f)
		}
	}
	n.Promised = p
	old := n.Votes
	for i, f := range fwd {
		n.Votes[f] = old[i]
	}
}

// IsZero reports whether v is the zero Vote (nothing heard).
func (v *Vote) IsZero() bool {
	return v.Bal.Round == 0 && v.Bal.Proposer == 0 && v.N == 0 && len(v.Val) == 0
}

// AppendBinary appends the encoding of v.
func (v *Vote) AppendBinary(buf []byte) []byte {
	buf = v.Bal.AppendBinary(buf)
	buf = appendValue(buf, v.Val)
	return append(buf, v.N)
}

func (n *Node) appendState(buf []byte, unindexed bool) []byte {
	var mask uint64
	set := func(bit uint64, nonZero bool) {
		if nonZero {
			mask |= bit
		}
	}
	set(fCrashed, n.Crashed)
	set(fMem, n.Mem != Durable{})
	set(fPhase, n.Phase != 0)
	set(fValue, n.Value != None)
	set(fClients, n.Clients != 0)
	set(fPromised, n.Promised != 0 && !unindexed)
	set(fHighVBal, n.HighVBal != Ballot{})
	set(fHighVal, n.HighVal != None)
	set(fLowVBal, n.LowVBal != Ballot{})
	set(fLowVal, n.LowVal != None)
	set(fSeen, n.Seen != Ballot{})
	set(fDecided, n.Decided != None)
	set(fProposal, n.Proposal != None)
	var votes uint64
	if !unindexed {
		for i := range n.Votes {
			if !n.Votes[i].IsZero() {
				votes |= 1 << uint(i)
			}
		}
	}
	set(fVotes, votes != 0)
	set(fLearned, n.Learned != None)
	buf = binary.AppendUvarint(buf, mask)
	if mask&fMem != 0 {
		buf = n.Mem.AppendBinary(buf)
	}
	if mask&fPhase != 0 {
		buf = append(buf, byte(n.Phase))
	}
	if mask&fValue != 0 {
		buf = appendValue(buf, n.Value)
	}
	if mask&fClients != 0 {
		buf = binary.AppendUvarint(buf, n.Clients)
	}
	if mask&fPromised != 0 {
		buf = binary.AppendUvarint(buf, n.Promised)
	}
	if mask&fHighVBal != 0 {
		buf = n.HighVBal.AppendBinary(buf)
	}
	if mask&fHighVal != 0 {
		buf = appendValue(buf, n.HighVal)
	}
	if mask&fLowVBal != 0 {
		buf = n.LowVBal.AppendBinary(buf)
	}
	if mask&fLowVal != 0 {
		buf = appendValue(buf, n.LowVal)
	}
	if mask&fSeen != 0 {
		buf = n.Seen.AppendBinary(buf)
	}
	if mask&fDecided != 0 {
		buf = appendValue(buf, n.Decided)
	}
	if mask&fProposal != 0 {
		buf = appendValue(buf, n.Proposal)
	}
	if mask&fVotes != 0 {
		buf = binary.AppendUvarint(buf, votes)
		for i := range n.Votes {
			if votes&(1<<uint(i)) != 0 {
				buf = n.Votes[i].AppendBinary(buf)
			}
		}
	}
	if mask&fLearned != 0 {
		buf = appendValue(buf, n.Learned)
	}
	return buf
}

// A Decoder reads back what the Append functions wrote. B is what is left
// to read; the first error sticks in Err (wrapping ErrDecode) and every
// later read returns zero values. Values equal to one of Intern are
// returned as that string, without allocating.
type Decoder struct {
	B      []byte
	Err    error
	Intern []Value
}

func (d *Decoder) fail(what string) {
	if d.Err == nil {
		d.Err = fmt.Errorf("%w: %s", ErrDecode, what)
	}
	d.B = nil
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if len(d.B) == 0 {
		d.fail("truncated")
		return 0
	}
	x := d.B[0]
	d.B = d.B[1:]
	return x
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	x, n := binary.Uvarint(d.B)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.B = d.B[n:]
	return x
}

func (d *Decoder) uint32() uint32 {
	x := d.Uvarint()
	if x > 1<<32-1 {
		d.fail("a 32-bit field out of range")
		return 0
	}
	return uint32(x)
}

// valueAt reads a Value at the start of b, as ballot.At does.
func (d *Decoder) valueAt(b []byte) (v Value, rest []byte, ok bool) {
	var n uint64
	k := 1
	if len(b) >= 1 && b[0] < 0x80 {
		n = uint64(b[0])
	} else if n, k = binary.Uvarint(b); k <= 0 {
		return None, b, false
	}
	if n == 0 {
		return None, b[k:], true
	}
	if uint64(len(b)-k) < n {
		return None, b, false
	}
	raw := b[k : k+int(n)]
	for _, v := range d.Intern {
		if string(v) == string(raw) {
			return v, b[k+int(n):], true
		}
	}
	return Value(raw), b[k+int(n):], true
}

// Ballot reads a Ballot.
func (d *Decoder) Ballot() Ballot {
	x, rest, ok := ballot.At(d.B)
	if !ok {
		d.fail("bad ballot")
		return Ballot{}
	}
	d.B = rest
	return x
}

// Value reads a Value.
func (d *Decoder) Value() Value {
	v, rest, ok := d.valueAt(d.B)
	if !ok {
		d.fail("truncated value")
		return None
	}
	d.B = rest
	return v
}

// Durable reads a Durable.
func (d *Decoder) Durable() Durable {
	var x Durable
	x.MaxBal = d.Ballot()
	x.MaxVBal = d.Ballot()
	x.MaxVal = d.Value()
	x.Round = d.uint32()
	return x
}

// Message reads a Message.
func (d *Decoder) Message() Message {
	b := d.B
	if len(b) < 3 {
		d.fail("truncated message")
		return Message{}
	}
	m := Message{Type: MsgType(b[0]), From: NodeID(b[1]), To: NodeID(b[2])}
	b = b[3:]
	ok := false
	if m.Bal, b, ok = ballot.At(b); ok {
		if m.VBal, b, ok = ballot.At(b); ok {
			m.Val, b, ok = d.valueAt(b)
		}
	}
	if !ok {
		d.fail("bad message")
		return Message{}
	}
	d.B = b
	return m
}

// Node reads a node written by Node.AppendBinary.
func (d *Decoder) Node() Node {
	var n Node
	n.ID, n.Role, n.Index = NodeID(d.Byte()), Role(d.Byte()), d.Byte()
	d.State(&n)
	return n
}

// State reads what AppendState wrote into n, keeping n's identity (ID,
// Role, Index) and setting every other field.
func (d *Decoder) State(n *Node) {
	*n = Node{ID: n.ID, Role: n.Role, Index: n.Index}
	mask := d.Uvarint()
	if mask >= fLearned<<1 {
		d.fail("unknown node fields")
		return
	}
	n.Crashed = mask&fCrashed != 0
	if mask&fMem != 0 {
		n.Mem = d.Durable()
	}
	if mask&fPhase != 0 {
		n.Phase = Phase(d.Byte())
	}
	if mask&fValue != 0 {
		n.Value = d.Value()
	}
	if mask&fClients != 0 {
		n.Clients = d.Uvarint()
	}
	if mask&fPromised != 0 {
		n.Promised = d.Uvarint()
	}
	if mask&fHighVBal != 0 {
		n.HighVBal = d.Ballot()
	}
	if mask&fHighVal != 0 {
		n.HighVal = d.Value()
	}
	if mask&fLowVBal != 0 {
		n.LowVBal = d.Ballot()
	}
	if mask&fLowVal != 0 {
		n.LowVal = d.Value()
	}
	if mask&fSeen != 0 {
		n.Seen = d.Ballot()
	}
	if mask&fDecided != 0 {
		n.Decided = d.Value()
	}
	if mask&fProposal != 0 {
		n.Proposal = d.Value()
	}
	if mask&fVotes != 0 {
		votes := d.Uvarint()
		if votes >= 1<<MaxAcceptors {
			d.fail("votes beyond MaxAcceptors")
			return
		}
		for i := range n.Votes {
			if votes&(1<<uint(i)) != 0 {
				v := &n.Votes[i]
				v.Bal = d.Ballot()
				v.Val = d.Value()
				v.N = d.Byte()
			}
		}
	}
	if mask&fLearned != 0 {
		n.Learned = d.Value()
	}
}

// DecodeDurable reads back all of b, which Durable.AppendBinary wrote (the
// payload of the file store's images, impl/storage).
func DecodeDurable(b []byte) (Durable, error) {
	d := Decoder{B: b}
	x := d.Durable()
	if d.Err == nil && len(d.B) != 0 {
		return Durable{}, fmt.Errorf("%w: %d bytes after the state", ErrDecode, len(d.B))
	}
	return x, d.Err
}
