package explore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// errCorrupt reports a frontier encoding that does not decode: a bug in
// this package, never bad input.
var errCorrupt = errors.New("explore: corrupt state encoding")

// codec writes the encoding of a world.State that the frontier stores,
// and reads it back. The encoding
// lists every field of every node (a node's id, role and index are implied
// by its position), the stored states, the network and Sent as sorted
// lists, and the client, learner and budget counters, so that two states of
// one Setup encode equally exactly when they are equal.
type codec struct {
	setup    *world.Setup
	numAcc   int
	numProp  int
	numNodes int
	// accIdx maps a node id to its acceptor index, or -1; nodeIdx to its
	// index in world.State.Nodes, or -1.
	accIdx, nodeIdx [256]int8
	// template holds each node's initial state (id, role, index).
	template []paxos.Node
	// values interns the values a state can hold, so decoding does not
	// allocate.
	values []paxos.Value
}

func newCodec(s *world.Setup) (*codec, error) {
	c := &codec{setup: s, numAcc: len(s.Config.Acceptors), numProp: len(s.Config.Proposers)}
	for i := range c.accIdx {
		c.accIdx[i], c.nodeIdx[i] = -1, -1
	}
	for i, id := range s.Config.Acceptors {
		c.accIdx[id] = int8(i)
	}
	init, err := world.Init(s)
	if err != nil {
		return nil, err
	}
	c.template = init.Nodes
	for i, n := range init.Nodes {
		c.nodeIdx[n.ID] = int8(i)
	}
	c.numNodes = len(init.Nodes)
	for _, cl := range s.Clients {
		c.values = append(c.values, cl.Value)
	}
	return c, nil
}

func putBallot(b []byte, x paxos.Ballot) []byte {
	b = binary.AppendUvarint(b, uint64(x.Round))
	return append(b, x.Proposer)
}

func putValue(b []byte, v paxos.Value) []byte {
	b = append(b, byte(len(v)))
	return append(b, v...)
}

func putDurable(b []byte, d *paxos.Durable) []byte {
	b = putBallot(b, d.MaxBal)
	b = putBallot(b, d.MaxVBal)
	b = putValue(b, d.MaxVal)
	return binary.AppendUvarint(b, uint64(d.Round))
}

func putMsg(b []byte, m *paxos.Message) []byte {
	b = append(b, byte(m.Type), byte(m.From), byte(m.To))
	b = putBallot(b, m.Bal)
	b = putBallot(b, m.VBal)
	return putValue(b, m.Val)
}

// encode appends the encoding of st, as the frontier holds it
// (fingerprints are computed from the state itself, hash.go).
func (c *codec) encode(b []byte, st *world.State) []byte {
	b = c.appendNodes(b, st)
	b = c.encodeMsgs(b, st.Net)
	b = c.encodeMsgs(b, st.Sent)
	return c.appendCounters(b, st)
}

// appendNodes appends every node's state and storage.
func (c *codec) appendNodes(b []byte, st *world.State) []byte {
	for k := 0; k < c.numNodes; k++ {
		b = c.appendNodeState(b, &st.Nodes[k])
		b = putDurable(b, &st.Stored[k])
	}
	return b
}

// appendNodeState appends every field of n that varies (its id, role and
// index are implied by its position).
func (c *codec) appendNodeState(b []byte, n *paxos.Node) []byte {
	b = append(b, boolByte(n.Crashed))
	b = putDurable(b, &n.Mem)
	switch n.Role {
	case paxos.RoleProposer:
		b = append(b, byte(n.Phase))
		b = putValue(b, n.Value)
		b = binary.AppendUvarint(b, n.Clients)
		b = binary.AppendUvarint(b, n.Promised)
		b = putBallot(b, n.HighVBal)
		b = putValue(b, n.HighVal)
		b = putBallot(b, n.LowVBal)
		b = putValue(b, n.LowVal)
		b = putBallot(b, n.Seen)
		b = putValue(b, n.Decided)
		b = putValue(b, n.Proposal)
	case paxos.RoleLearner:
		for i := 0; i < c.numAcc; i++ {
			v := &n.Votes[i]
			b = putBallot(b, v.Bal)
			b = putValue(b, v.Val)
			b = append(b, v.N)
		}
		b = putValue(b, n.Learned)
	}
	return b
}

// appendNode appends node n whole, its id included.
func (c *codec) appendNode(b []byte, n *paxos.Node) []byte {
	return c.appendNodeState(append(b, byte(n.ID)), n)
}

// appendCounters appends the client, learner and budget counters.
func (c *codec) appendCounters(b []byte, st *world.State) []byte {
	b = binary.AppendUvarint(b, st.Invoked)
	b = binary.AppendUvarint(b, st.Returned)
	b = binary.AppendUvarint(b, st.Learned)
	b = binary.AppendUvarint(b, st.Timers)
	b = binary.AppendUvarint(b, uint64(st.Used.Drops))
	b = binary.AppendUvarint(b, uint64(st.Used.Dups))
	return binary.AppendUvarint(b, uint64(st.Used.Crashes))
}

// encodeMsgs writes a sorted list of messages.
func (c *codec) encodeMsgs(b []byte, ms []paxos.Message) []byte {
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for i := range ms {
		b = putMsg(b, &ms[i])
	}
	return b
}

func boolByte(x bool) byte {
	if x {
		return 1
	}
	return 0
}

// decoder reads an identity encoding.
type decoder struct {
	c   *codec
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	x := d.b[0]
	d.b = d.b[1:]
	return x
}

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) ballot() paxos.Ballot {
	r := d.uvarint()
	return paxos.Ballot{Round: uint32(r), Proposer: d.byte()}
}

func (d *decoder) value() paxos.Value {
	n := int(d.byte())
	if n == 0 {
		return paxos.None
	}
	if len(d.b) < n {
		d.err = errCorrupt
		return paxos.None
	}
	raw := d.b[:n]
	d.b = d.b[n:]
	for _, v := range d.c.values {
		if string(v) == string(raw) {
			return v
		}
	}
	// Not a client value: cannot happen in a world (nodes only hold
	// client values), but decode it faithfully anyway.
	return paxos.Value(raw)
}

func (d *decoder) durable() paxos.Durable {
	var x paxos.Durable
	x.MaxBal = d.ballot()
	x.MaxVBal = d.ballot()
	x.MaxVal = d.value()
	x.Round = uint32(d.uvarint())
	return x
}

func (d *decoder) msgs(dst []paxos.Message) []paxos.Message {
	n := int(d.uvarint())
	dst = dst[:0]
	for i := 0; i < n && d.err == nil; i++ {
		var m paxos.Message
		m.Type = paxos.MsgType(d.byte())
		m.From = paxos.NodeID(d.byte())
		m.To = paxos.NodeID(d.byte())
		m.Bal = d.ballot()
		m.VBal = d.ballot()
		m.Val = d.value()
		dst = append(dst, m)
	}
	return dst
}

// decode reads an identity encoding into st, reusing its slices.
func (c *codec) decode(b []byte, st *world.State) error {
	d := decoder{c: c, b: b}
	if len(st.Nodes) != c.numNodes {
		st.Nodes = make([]paxos.Node, c.numNodes)
		st.Stored = make([]paxos.Durable, c.numNodes)
	}
	for k := 0; k < c.numNodes; k++ {
		n := &st.Nodes[k]
		*n = c.template[k]
		n.Crashed = d.byte() != 0
		n.Mem = d.durable()
		switch n.Role {
		case paxos.RoleProposer:
			n.Phase = paxos.Phase(d.byte())
			n.Value = d.value()
			n.Clients = d.uvarint()
			n.Promised = d.uvarint()
			n.HighVBal = d.ballot()
			n.HighVal = d.value()
			n.LowVBal = d.ballot()
			n.LowVal = d.value()
			n.Seen = d.ballot()
			n.Decided = d.value()
			n.Proposal = d.value()
		case paxos.RoleLearner:
			for j := 0; j < c.numAcc; j++ {
				n.Votes[j].Bal = d.ballot()
				n.Votes[j].Val = d.value()
				n.Votes[j].N = d.byte()
			}
			n.Learned = d.value()
		}
		st.Stored[k] = d.durable()
	}
	st.Net = d.msgs(st.Net)
	st.Sent = d.msgs(st.Sent)
	st.Invoked = d.uvarint()
	st.Returned = d.uvarint()
	st.Learned = d.uvarint()
	st.Timers = d.uvarint()
	st.Used.Drops = int(d.uvarint())
	st.Used.Dups = int(d.uvarint())
	st.Used.Crashes = int(d.uvarint())
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return fmt.Errorf("%w (%d bytes)", d.err, len(b))
	}
	return nil
}
