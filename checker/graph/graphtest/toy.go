package graphtest

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// Toy is a protocol that is not Paxos, for the tests of the generic
// packages (the graph, the explorer): node 0 is a pinger that, when its client asks, arms its timer;
// on a timeout it persists its count and sends a ping to node 1; node 1
// answers every ping with a pong; a pong cancels the pinger's timer and
// answers the client. Nodes are plain values, messages comparable. Its
// whole graph has a few dozen states.
type Toy struct {
	Opt graph.Options[ToyID]
	// KeepTimer: a pong answers the client but leaves the timer armed
	// (code whose timer outlives its reason).
	KeepTimer bool
}

// ToyID is a toy node's id, ToyClient a client's.
type (
	ToyID     uint8
	ToyClient uint8
)

// ToyNode is a toy node's state.
type ToyNode struct {
	ID      ToyID
	Down    bool
	Count   uint8 // pings sent (durable)
	Waiting bool  // the pinger's client waits
}

// ToyMsg is a ping or a pong.
type ToyMsg struct {
	Kind     byte // 'p'ing or 'o' (pong)
	From, To ToyID
	N        uint8
}

// Compare orders messages (graph.Message).
func (m ToyMsg) Compare(o ToyMsg) int {
	return cmp.Or(cmp.Compare(m.Kind, o.Kind), cmp.Compare(m.From, o.From), cmp.Compare(m.To, o.To), cmp.Compare(m.N, o.N))
}

// ToyEffects are what one toy step does.
type ToyEffects struct {
	Persist *uint8
	Send    []ToyMsg
	Timer   graph.TimerOp
	Reply   bool
}

var _ graph.Protocol[ToyID, ToyClient, ToyNode, ToyMsg, uint8, ToyEffects] = (*Toy)(nil)

func (p *Toy) GraphOptions() *graph.Options[ToyID]                   { return &p.Opt }
func (p *Toy) Nodes() ([]ToyNode, error)                             { return []ToyNode{{ID: 0}, {ID: 1}}, nil }
func (p *Toy) ID(n *ToyNode) ToyID                                   { return n.ID }
func (p *Toy) Crashed(n *ToyNode) bool                               { return n.Down }
func (p *Toy) TimeoutInBound(n *ToyNode) bool                        { return n.Count < 2 }
func (p *Toy) NumClients() int                                       { return 1 }
func (p *Toy) ClientNode(ToyClient) ToyID                            { return 0 }
func (p *Toy) To(m ToyMsg) ToyID                                     { return m.To }
func (p *Toy) SentForm(m ToyMsg) (ToyMsg, bool)                      { return m, m.Kind == 'p' }
func (p *Toy) MidStepEffects(e ToyEffects) ToyEffects                { return ToyEffects{Persist: e.Persist} }
func (p *Toy) Event(a graph.Action[ToyID, ToyClient, ToyMsg]) string { return a.Kind.String() }

func (p *Toy) Enabled(n *ToyNode, in graph.Input[ToyClient, ToyMsg, uint8]) bool {
	switch {
	case in.Kind == graph.InRestart:
		return n.Down
	case n.Down:
		return false
	case in.Kind == graph.InDeliver:
		return in.Msg.To == n.ID
	case in.Kind == graph.InRequest:
		return n.ID == 0 && !n.Waiting
	case in.Kind == graph.InTimeout:
		return n.ID == 0 && n.Waiting
	}
	return in.Kind == graph.InCrash
}

func (p *Toy) Step(n *ToyNode, in graph.Input[ToyClient, ToyMsg, uint8], next *ToyNode) (ToyEffects, graph.Common[ToyMsg, uint8], error) {
	if !p.Enabled(n, in) {
		return ToyEffects{}, graph.Common[ToyMsg, uint8]{}, fmt.Errorf("%w: %d at node %d", graph.ErrInput, in.Kind, n.ID)
	}
	*next = *n
	var e ToyEffects
	switch in.Kind {
	case graph.InCrash:
		*next = ToyNode{ID: n.ID, Down: true}
	case graph.InRestart:
		*next = ToyNode{ID: n.ID, Count: in.Durable}
	case graph.InRequest:
		next.Waiting, e.Timer = true, graph.TimerArm
	case graph.InTimeout:
		next.Count++
		c := next.Count
		e.Persist, e.Send = &c, []ToyMsg{{Kind: 'p', From: 0, To: 1, N: c}}
	case graph.InDeliver:
		if in.Msg.Kind == 'p' {
			e.Send = []ToyMsg{{Kind: 'o', From: 1, To: 0, N: in.Msg.N}}
		} else if next.Waiting {
			next.Waiting, e.Timer, e.Reply = false, graph.TimerCancel, true
			if p.KeepTimer {
				e.Timer = graph.TimerKeep
			}
		}
	}
	c := graph.Common[ToyMsg, uint8]{Persist: e.Persist, Send: e.Send, Timer: e.Timer}
	if e.Reply {
		// The pinger learns that its ping got through, and answers.
		c.Returned, c.Learned = graph.ClientSet(0), 1
	}
	return e, c, nil
}

func (p *Toy) AppendNode(b []byte, n *ToyNode, d *uint8) []byte {
	return append(b, toyBool(n.Down), n.Count, toyBool(n.Waiting), *d)
}

func (p *Toy) AppendMsgs(b []byte, ms []ToyMsg) []byte {
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for _, m := range ms {
		b = append(b, m.Kind, byte(m.From), byte(m.To), m.N)
	}
	return b
}

var errToyShort = errors.New("short")

func (p *Toy) DecodeNode(b []byte, n *ToyNode, d *uint8) ([]byte, error) {
	if len(b) < 4 {
		return b, errToyShort
	}
	n.Down, n.Count, n.Waiting, *d = b[0] == 1, b[1], b[2] == 1, b[3]
	return b[4:], nil
}

func (p *Toy) DecodeMsgs(b []byte, dst []ToyMsg) ([]ToyMsg, []byte, error) {
	c, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < 4*c {
		return dst, b, errToyShort
	}
	b, dst = b[k:], dst[:0]
	for i := uint64(0); i < c; i++ {
		dst = append(dst, ToyMsg{Kind: b[0], From: ToyID(b[1]), To: ToyID(b[2]), N: b[3]})
		b = b[4:]
	}
	return dst, b, nil
}

func toyBool(x bool) byte {
	if x {
		return 1
	}
	return 0
}
