package world

import (
	"encoding/binary"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// This file is single-decree Paxos's side of the protocol seam: *Setup
// answers the state graph's questions (graph.Protocol) by running and
// reading impl/paxos. Nothing here is a rule of Paxos that the code under
// test does not itself apply: inputs go through paxos.Node.Enabled and
// Step, the layout is impl/paxos's encoding.

// GraphOptions returns the graph's bounds and fault model.
func (s *Setup) GraphOptions() *graph.Options[paxos.NodeID] { return &s.Options }

// Nodes returns the initial state of every node, in Config.Nodes() order:
// acceptors, proposers, learners.
func (s *Setup) Nodes() ([]paxos.Node, error) {
	if err := s.validateCluster(); err != nil {
		return nil, err
	}
	ids := s.Config.Nodes()
	nodes := make([]paxos.Node, len(ids))
	for i, id := range ids {
		n, err := paxos.NewNode(&s.Config, id)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	return nodes, nil
}

// ID is n's node id.
func (s *Setup) ID(n *paxos.Node) paxos.NodeID { return n.ID }

// Crashed reports whether n is down.
func (s *Setup) Crashed(n *paxos.Node) bool { return n.Crashed }

// input is in as impl/paxos takes it. A request carries the value of its
// client (the header's).
func (s *Setup) input(in graph.Input[paxos.ClientID, paxos.Message, paxos.Durable]) paxos.Input {
	switch in.Kind {
	case graph.InDeliver:
		return paxos.Input{Kind: paxos.InDeliver, Msg: in.Msg}
	case graph.InTimeout:
		return paxos.Input{Kind: paxos.InTimeout}
	case graph.InRequest:
		var v paxos.Value
		if int(in.Client) < len(s.Clients) {
			v = s.Clients[in.Client].Value
		}
		return paxos.Input{Kind: paxos.InRequest, Client: in.Client, Value: v}
	case graph.InCrash:
		return paxos.Input{Kind: paxos.InCrash}
	case graph.InRestart:
		return paxos.Input{Kind: paxos.InRestart, Durable: in.Durable}
	}
	return paxos.Input{}
}

// Enabled reports whether n takes in (paxos.Node.Enabled).
func (s *Setup) Enabled(n *paxos.Node, in graph.Input[paxos.ClientID, paxos.Message, paxos.Durable]) bool {
	return n.Enabled(&s.Config, s.input(in))
}

// Step runs in on n (paxos.Node.Step) and says what of its effects the
// graph carries out and counts: a learner's learned value sets its learner
// index's bit, a reply its client's.
func (s *Setup) Step(n *paxos.Node, in graph.Input[paxos.ClientID, paxos.Message, paxos.Durable], next *paxos.Node) (e paxos.Effects, c graph.Common[paxos.Message, paxos.Durable], err error) {
	if e, err = n.StepTo(&s.Config, s.input(in), next); err != nil {
		return e, c, err
	}
	c = graph.Common[paxos.Message, paxos.Durable]{Persist: e.Persist, Send: e.Send, Timer: e.Timer}
	if e.Learned != paxos.None {
		c.Learned = 1 << n.Index
	}
	for _, r := range e.Replies {
		c.Returned.Add(int(r.Client))
	}
	return e, c, nil
}

// MidStepEffects is what a trace records of a step cut short after its
// durable write: that write.
func (s *Setup) MidStepEffects(e paxos.Effects) paxos.Effects {
	if e.Persist == nil {
		return paxos.Effects{}
	}
	w := *e.Persist
	return paxos.Effects{Persist: &w}
}

// TimeoutInBound applies the round bound (InRoundBound).
func (s *Setup) TimeoutInBound(n *paxos.Node) bool { return s.InRoundBound(n) }

// NumClients is the number of clients.
func (s *Setup) NumClients() int { return len(s.Clients) }

// ClientNode is the proposer client k sends to.
func (s *Setup) ClientNode(k paxos.ClientID) paxos.NodeID { return s.Clients[k].Proposer }

// To is m's addressee.
func (s *Setup) To(m paxos.Message) paxos.NodeID { return m.To }

// SentForm is SentForm.
func (s *Setup) SentForm(m paxos.Message) (paxos.Message, bool) { return SentForm(m) }

// Event names the spec action a delivery, a timeout or a request is.
func (s *Setup) Event(a Action) string {
	switch a.Kind {
	case ActTimeout:
		return paxostrace.EvPhase1a
	case ActInvoke:
		return paxostrace.EvInvoke
	}
	return deliverEvent(a.Msg.Type)
}

// AppendNode appends n's state and its stored state d (paxos.Node.AppendState,
// paxos.Durable.AppendBinary).
func (s *Setup) AppendNode(b []byte, n *paxos.Node, d *paxos.Durable) []byte {
	return d.AppendBinary(n.AppendState(b))
}

// AppendMsgs appends the count of ms and each (paxos.Message.AppendBinary).
func (s *Setup) AppendMsgs(b []byte, ms []paxos.Message) []byte {
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for i := range ms {
		b = ms[i].AppendBinary(b)
	}
	return b
}

// DecodeNode reads what AppendNode wrote. (Decoder does the same without
// allocating for known values.)
func (s *Setup) DecodeNode(b []byte, n *paxos.Node, d *paxos.Durable) ([]byte, error) {
	return decodeNode(paxos.Decoder{B: b}, n, d)
}

// DecodeMsgs reads what AppendMsgs wrote into dst's storage.
func (s *Setup) DecodeMsgs(b []byte, dst []paxos.Message) ([]paxos.Message, []byte, error) {
	return decodeMsgs(paxos.Decoder{B: b}, dst)
}

func decodeNode(d paxos.Decoder, n *paxos.Node, x *paxos.Durable) ([]byte, error) {
	d.State(n)
	*x = d.Durable()
	return d.B, d.Err
}

func decodeMsgs(d paxos.Decoder, dst []paxos.Message) ([]paxos.Message, []byte, error) {
	c := d.Uvarint()
	if c > uint64(len(d.B)) {
		return dst, d.B, fmt.Errorf("%w: %d messages in %d bytes", paxos.ErrDecode, c, len(d.B))
	}
	dst = dst[:0]
	for i := uint64(0); i < c && d.Err == nil; i++ {
		dst = append(dst, d.Message())
	}
	return dst, d.B, d.Err
}
