package multipaxos

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/impl/ballot"
)

// This file is the one place that lays out Multi-Paxos's values in bytes:
// a node's state, its durable state, a message, a list of votes. The
// layout is total (every field of every role is written, whatever the
// code under test set) and canonical (equal values, and only equal
// values, encode equally): every count and string length is a varint,
// every list is written in its order. The explorer's states, the file
// store and the 1b's vote lists all use it.

// ErrDecode is wrapped by every error of a Decoder.
var ErrDecode = errors.New("multipaxos: malformed encoding")

// VoteList is a list of votes as a 1b carries it: their encoding
// (AppendVotes), kept as a string so that messages stay comparable values.
type VoteList string

// MakeVoteList encodes vs.
func MakeVoteList(vs []SlotVote) VoteList {
	if len(vs) == 0 {
		return ""
	}
	return VoteList(appendVotes(nil, vs))
}

// Votes decodes the list.
func (l VoteList) Votes() ([]SlotVote, error) {
	if l == "" {
		return nil, nil
	}
	d := Decoder{B: []byte(l)}
	vs := d.votes()
	if d.Err == nil && len(d.B) != 0 {
		d.fail("bytes after the votes")
	}
	return vs, d.Err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, x bool) []byte {
	if x {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendBinary appends c's encoding.
func (c Command) AppendBinary(b []byte) []byte {
	if c.Seq < 0x80 && len(c.Key) < 0x80 && len(c.Val) < 0x80 && len(c.Old) < 0x80 {
		// The same bytes, every varint being one byte, with one growth
		// of b: a command is most of an explored state's encoding.
		b = slices.Grow(b, 6+len(c.Key)+len(c.Val)+len(c.Old))
		b = append(append(b, byte(c.Op), byte(c.Client), byte(c.Seq), byte(len(c.Key))), c.Key...)
		b = append(append(b, byte(len(c.Val))), c.Val...)
		return append(append(b, byte(len(c.Old))), c.Old...)
	}
	return c.appendVarints(b)
}

// appendVarints is AppendBinary's layout, written as varints.
func (c Command) appendVarints(b []byte) []byte {
	b = append(b, byte(c.Op), byte(c.Client))
	b = binary.AppendUvarint(b, uint64(c.Seq))
	return appendString(appendString(appendString(b, c.Key), c.Val), c.Old)
}

func appendVotes(b []byte, vs []SlotVote) []byte {
	b = binary.AppendUvarint(b, uint64(len(vs)))
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v.Slot))
		b = v.Cmd.AppendBinary(v.Bal.AppendBinary(b))
	}
	return b
}

// AppendBinary appends d's encoding.
func (d *Durable) AppendBinary(b []byte) []byte {
	b = appendVotes(d.MaxBal.AppendBinary(b), d.Votes)
	return binary.AppendUvarint(b, uint64(d.Round))
}

// AppendBinary appends m's encoding.
func (m Message) AppendBinary(b []byte) []byte {
	b = append(b, byte(m.Type), byte(m.From), byte(m.To))
	b = binary.AppendUvarint(m.Bal.AppendBinary(b), uint64(m.Slot))
	return appendString(m.Cmd.AppendBinary(b), string(m.Votes))
}

// AppendBinary appends r's encoding.
func (r Reply) AppendBinary(b []byte) []byte {
	b = append(b, byte(r.Client))
	b = binary.AppendUvarint(b, uint64(r.Seq))
	b = appendString(append(b, byte(r.Op)), r.Value)
	return appendBool(appendBool(b, r.Found), r.OK)
}

func appendCommands(b []byte, cs []Command) []byte {
	b = binary.AppendUvarint(b, uint64(len(cs)))
	for _, c := range cs {
		b = c.AppendBinary(b)
	}
	return b
}

func appendEntries(b []byte, es []Entry) []byte {
	b = binary.AppendUvarint(b, uint64(len(es)))
	for _, e := range es {
		b = e.Cmd.AppendBinary(binary.AppendUvarint(b, uint64(e.Slot)))
	}
	return b
}

// AppendState appends everything of n but its ID, Role and Index (its
// place among the nodes implies them): every field, of both roles.
func (n *Node) AppendState(b []byte) []byte {
	b = appendBool(b, n.Crashed)
	b = n.Mem.AppendBinary(b)
	b = append(b, byte(n.Phase))
	b = binary.AppendUvarint(b, uint64(n.From))
	b = binary.AppendUvarint(b, n.Promised)
	b = appendVotes(b, n.Reported)
	b = binary.AppendUvarint(b, uint64(len(n.Props)))
	for _, p := range n.Props {
		b = p.Cmd.AppendBinary(binary.AppendUvarint(b, uint64(p.Slot)))
		b = binary.AppendUvarint(appendBool(b, p.Sent), p.Acks)
	}
	b = binary.AppendUvarint(b, uint64(n.NextSlot))
	b = appendCommands(b, n.Pending)
	b = n.Seen.AppendBinary(b)
	b = appendCommands(b, n.Waiting)
	b = binary.AppendUvarint(b, uint64(n.Rep.Next))
	b = appendEntries(b, n.Rep.Known)
	b = appendCommands(b, n.Rep.Applied)
	b = binary.AppendUvarint(b, uint64(len(n.Rep.KV.Pairs)))
	for _, p := range n.Rep.KV.Pairs {
		b = appendString(appendString(b, p.Key), p.Val)
	}
	b = binary.AppendUvarint(b, uint64(len(n.Rep.KV.Sessions)))
	for _, s := range n.Rep.KV.Sessions {
		b = binary.AppendUvarint(append(b, byte(s.Client)), uint64(s.Seq))
		b = s.Reply.AppendBinary(b)
	}
	return b
}

// Decoder reads what the Append functions wrote from the start of B,
// moving B on. The first error sticks in Err (wrapping ErrDecode) and
// every later read returns zero.
type Decoder struct {
	B   []byte
	Err error
}

func (d *Decoder) fail(what string) {
	if d.Err == nil {
		d.Err = fmt.Errorf("%w: %s", ErrDecode, what)
	}
	d.B = nil
}

// Uvarint reads a varint.
func (d *Decoder) Uvarint() uint64 {
	x, k := binary.Uvarint(d.B)
	if k <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.B = d.B[k:]
	return x
}

func (d *Decoder) u32() uint32 {
	x := d.Uvarint()
	if x > 1<<32-1 {
		d.fail("a 32-bit field out of range")
		return 0
	}
	return uint32(x)
}

// count reads a list's length, refusing one longer than the bytes left
// could hold (each element takes at least min bytes).
func (d *Decoder) count(min int) int {
	c := d.Uvarint()
	if c > uint64(len(d.B)/min) {
		d.fail(fmt.Sprintf("%d elements in %d bytes", c, len(d.B)))
		return 0
	}
	return int(c)
}

func (d *Decoder) byte1() byte {
	if len(d.B) == 0 {
		d.fail("short")
		return 0
	}
	x := d.B[0]
	d.B = d.B[1:]
	return x
}

func (d *Decoder) bool1() bool {
	x := d.byte1()
	if x > 1 {
		d.fail("bad boolean")
	}
	return x == 1
}

func (d *Decoder) str() string {
	n := d.Uvarint()
	if n > uint64(len(d.B)) {
		d.fail("string longer than the bytes left")
		return ""
	}
	s := string(d.B[:n])
	d.B = d.B[n:]
	return s
}

// Ballot reads a ballot.
func (d *Decoder) Ballot() Ballot {
	x, rest, ok := ballot.At(d.B)
	if !ok {
		d.fail("bad ballot")
		return Ballot{}
	}
	d.B = rest
	return x
}

// Command reads a command.
func (d *Decoder) Command() Command {
	c := Command{Op: Op(d.byte1()), Client: ClientID(d.byte1())}
	c.Seq = d.u32()
	c.Key, c.Val, c.Old = d.str(), d.str(), d.str()
	return c
}

func (d *Decoder) votes() []SlotVote {
	c := d.count(7)
	var vs []SlotVote
	for i := 0; i < c && d.Err == nil; i++ {
		s := Slot(d.u32())
		b := d.Ballot()
		vs = append(vs, SlotVote{Slot: s, Vote: Vote{Bal: b, Cmd: d.Command()}})
	}
	return vs
}

func (d *Decoder) commands() []Command {
	c := d.count(5)
	var cs []Command
	for i := 0; i < c && d.Err == nil; i++ {
		cs = append(cs, d.Command())
	}
	return cs
}

// Reply reads what Reply.AppendBinary wrote.
func (d *Decoder) Reply() Reply {
	r := Reply{Client: ClientID(d.byte1()), Seq: d.u32(), Op: Op(d.byte1())}
	r.Value = d.str()
	r.Found, r.OK = d.bool1(), d.bool1()
	return r
}

// Durable reads a durable state.
func (d *Decoder) Durable() Durable {
	x := Durable{MaxBal: d.Ballot()}
	x.Votes = d.votes()
	x.Round = d.u32()
	return x
}

// Message reads a message.
func (d *Decoder) Message() Message {
	m := Message{Type: MsgType(d.byte1()), From: NodeID(d.byte1()), To: NodeID(d.byte1())}
	m.Bal = d.Ballot()
	m.Slot = Slot(d.u32())
	m.Cmd = d.Command()
	m.Votes = VoteList(d.str())
	return m
}

// State reads what AppendState wrote into n, keeping n's ID, Role and
// Index.
func (d *Decoder) State(n *Node) {
	x := Node{ID: n.ID, Role: n.Role, Index: n.Index}
	x.Crashed = d.bool1()
	x.Mem = d.Durable()
	x.Phase = Phase(d.byte1())
	x.From = Slot(d.u32())
	x.Promised = d.Uvarint()
	x.Reported = d.votes()
	c := d.count(8)
	for i := 0; i < c && d.Err == nil; i++ {
		p := Proposal{Slot: Slot(d.u32())}
		p.Cmd = d.Command()
		p.Sent = d.bool1()
		p.Acks = d.Uvarint()
		x.Props = append(x.Props, p)
	}
	x.NextSlot = Slot(d.u32())
	x.Pending = d.commands()
	x.Seen = d.Ballot()
	x.Waiting = d.commands()
	x.Rep.Next = Slot(d.u32())
	c = d.count(6)
	for i := 0; i < c && d.Err == nil; i++ {
		s := Slot(d.u32())
		x.Rep.Known = append(x.Rep.Known, Entry{Slot: s, Cmd: d.Command()})
	}
	x.Rep.Applied = d.commands()
	c = d.count(2)
	for i := 0; i < c && d.Err == nil; i++ {
		k := d.str()
		x.Rep.KV.Pairs = append(x.Rep.KV.Pairs, Pair{Key: k, Val: d.str()})
	}
	c = d.count(6)
	for i := 0; i < c && d.Err == nil; i++ {
		s := Session{Client: ClientID(d.byte1()), Seq: d.u32()}
		s.Reply = d.Reply()
		x.Rep.KV.Sessions = append(x.Rep.KV.Sessions, s)
	}
	if d.Err == nil {
		*n = x
	}
}

// EncodeDurable and DecodeDurable are the file store's codec
// (storage.Codec) for a node's durable state.
func EncodeDurable(x Durable, b []byte) []byte { return x.AppendBinary(b) }

// DecodeDurable reads all of b as a durable state.
func DecodeDurable(b []byte) (Durable, error) {
	d := Decoder{B: b}
	x := d.Durable()
	if d.Err == nil && len(d.B) != 0 {
		d.fail("bytes after the durable state")
	}
	return x, d.Err
}
