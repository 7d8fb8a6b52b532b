package mpworld

import (
	"encoding/binary"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

var _ graph.Protocol[mp.NodeID, OpID, mp.Node, mp.Message, mp.Durable, mp.Effects] = (*Setup)(nil)

// Input is a graph input.
type Input = graph.Input[OpID, mp.Message, mp.Durable]

// GraphOptions returns the graph's bounds and fault model.
func (s *Setup) GraphOptions() *graph.Options[mp.NodeID] { return &s.Options }

// Nodes returns the initial state of every node: acceptors, then
// proposers.
func (s *Setup) Nodes() ([]mp.Node, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	ids := s.Config.Nodes()
	nodes := make([]mp.Node, len(ids))
	for i, id := range ids {
		n, err := mp.NewNode(&s.Config, id)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	return nodes, nil
}

// ID is n's id.
func (s *Setup) ID(n *mp.Node) mp.NodeID { return n.ID }

// Crashed reports whether n is down.
func (s *Setup) Crashed(n *mp.Node) bool { return n.Crashed }

func (s *Setup) input(in Input) mp.Input {
	switch in.Kind {
	case graph.InDeliver:
		return mp.Input{Kind: mp.InDeliver, Msg: in.Msg}
	case graph.InTimeout:
		return mp.Input{Kind: mp.InTimeout}
	case graph.InRequest:
		var c mp.Command
		if int(in.Client) < len(s.Ops) {
			c = s.Ops[in.Client].Cmd
		}
		return mp.Input{Kind: mp.InRequest, Cmd: c}
	case graph.InCrash:
		return mp.Input{Kind: mp.InCrash}
	case graph.InRestart:
		return mp.Input{Kind: mp.InRestart, Durable: in.Durable}
	}
	return mp.Input{}
}

// Enabled reports whether n takes in (multipaxos.Node.Enabled).
func (s *Setup) Enabled(n *mp.Node, in Input) bool { return n.Enabled(&s.Config, s.input(in)) }

// Step runs in on n and says what of its effects the graph carries out
// and counts: a replica that learned a slot sets its proposer index's
// Learned bit, a reply the bit of the operation it answers (and, with
// Options.History, the reply in its encoding, multipaxos.Reply.AppendBinary).
func (s *Setup) Step(n *mp.Node, in Input, next *mp.Node) (e mp.Effects, c graph.Common[mp.Message, mp.Durable], err error) {
	if e, err = n.StepTo(&s.Config, s.input(in), next); err != nil {
		return e, c, fmt.Errorf("%w: %w", graph.ErrInput, err)
	}
	c = graph.Common[mp.Message, mp.Durable]{Persist: e.Persist, Send: e.Send, Timer: e.Timer}
	if len(e.Learned) > 0 {
		c.Learned = 1 << n.Index
	}
	for _, r := range e.Replies {
		if k := s.opAt(n.ID, r.Client, r.Seq); k >= 0 {
			c.Returned.Add(k)
			if s.History {
				c.Outputs = append(c.Outputs, graph.Output{Client: k, Out: string(r.AppendBinary(nil))})
			}
		}
	}
	return e, c, nil
}

// OpOf returns the operation of client's command seq, or -1.
func (s *Setup) OpOf(client mp.ClientID, seq uint32) int {
	for k, op := range s.Ops {
		if op.Cmd.Client == client && op.Cmd.Seq == seq {
			return k
		}
	}
	return -1
}

// opAt returns the operation of client's command seq that goes to node
// id (a command retried at another proposer is one operation there),
// else OpOf's.
func (s *Setup) opAt(id mp.NodeID, client mp.ClientID, seq uint32) int {
	for k, op := range s.Ops {
		if op.Cmd.Client == client && op.Cmd.Seq == seq && op.Proposer == id {
			return k
		}
	}
	return s.OpOf(client, seq)
}

// MidStepEffects is what a trace records of a step cut short after its
// durable write: that write.
func (s *Setup) MidStepEffects(e mp.Effects) mp.Effects {
	if e.Persist == nil {
		return mp.Effects{}
	}
	w := *e.Persist
	return mp.Effects{Persist: &w}
}

// TimeoutInBound applies the round bound: the round a timeout would start
// (above the proposer's own and every one it heard of) is at most
// MaxRound.
func (s *Setup) TimeoutInBound(n *mp.Node) bool {
	bound := s.MaxRound
	if int(n.Index) < len(s.Rounds) && s.Rounds[n.Index] != 0 {
		bound = s.Rounds[n.Index]
	}
	return bound == 0 || max(n.Mem.Round, n.Seen.Round)+1 <= bound
}

// NumClients is the number of operations.
func (s *Setup) NumClients() int { return len(s.Ops) }

// ClientNode is the proposer operation k goes to.
func (s *Setup) ClientNode(k OpID) mp.NodeID { return s.Ops[k].Proposer }

// To is m's addressee.
func (s *Setup) To(m mp.Message) mp.NodeID { return m.To }

// SentForm records the 2b messages, without their addressee, in Sent:
// the votes, from which the invariants read what is chosen (spec msgs'
// 2b). No other message is needed by an invariant.
func (s *Setup) SentForm(m mp.Message) (mp.Message, bool) {
	if m.Type != mp.Msg2b {
		return mp.Message{}, false
	}
	m.To = 0
	return m, true
}

// Event names the event of a delivery, timeout or request
// (multipaxostrace's names).
func (s *Setup) Event(a Action) string {
	switch a.Kind {
	case graph.ActTimeout:
		return mptrace.EvPhase1a
	case graph.ActInvoke:
		return mptrace.EvInvoke
	}
	return mptrace.DeliverEvent(a.Msg.Type)
}

// AppendNode appends n's state, then d.
func (s *Setup) AppendNode(b []byte, n *mp.Node, d *mp.Durable) []byte {
	return d.AppendBinary(n.AppendState(b))
}

// AppendMsgs appends the count of ms and each message.
func (s *Setup) AppendMsgs(b []byte, ms []mp.Message) []byte {
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for i := range ms {
		b = ms[i].AppendBinary(b)
	}
	return b
}

// DecodeNode reads what AppendNode wrote.
func (s *Setup) DecodeNode(b []byte, n *mp.Node, d *mp.Durable) ([]byte, error) {
	dec := mp.Decoder{B: b}
	dec.State(n)
	*d = dec.Durable()
	return dec.B, dec.Err
}

// DecodeMsgs reads what AppendMsgs wrote into dst's storage.
func (s *Setup) DecodeMsgs(b []byte, dst []mp.Message) ([]mp.Message, []byte, error) {
	dec := mp.Decoder{B: b}
	c := dec.Uvarint()
	if c > uint64(len(dec.B)) {
		return dst, dec.B, fmt.Errorf("%w: %d messages in %d bytes", mp.ErrDecode, c, len(dec.B))
	}
	dst = dst[:0]
	for i := uint64(0); i < c && dec.Err == nil; i++ {
		dst = append(dst, dec.Message())
	}
	return dst, dec.B, dec.Err
}
