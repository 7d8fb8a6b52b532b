package world

import (
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// The generic state graph (checker/graph) at single-decree Paxos's types.
type (
	// Budget bounds the faults of a run. Zero means the fault never
	// happens.
	Budget = graph.Budget
	// Options are the graph's bounds and fault model.
	Options = graph.Options[paxos.NodeID]
	// Action is one transition of the state graph.
	Action = graph.Action[paxos.NodeID, paxos.ClientID, paxos.Message]
	// ActionKind is what an action does.
	ActionKind = graph.ActionKind
	// Outcome is what applying an action did, in enough detail to write
	// it as a trace step.
	Outcome = graph.Outcome[paxos.NodeID, paxos.ClientID, paxos.Message, paxos.Effects]
	// Change is what one action does to a state (State.Peek, Commit).
	Change = graph.Change[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects]
	// NodeStep is what an action does to the one node it acts on
	// (Setup.StepNode).
	NodeStep = graph.NodeStep[paxos.Message, paxos.Durable, paxos.Effects]

	gstate = graph.State[paxos.NodeID, paxos.Node, paxos.Message, paxos.Durable]
	proto  = graph.Protocol[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects]
)

// The actions of the state graph.
const (
	ActDeliver      = graph.ActDeliver
	ActDrop         = graph.ActDrop
	ActDuplicate    = graph.ActDuplicate
	ActTimeout      = graph.ActTimeout
	ActInvoke       = graph.ActInvoke
	ActCrash        = graph.ActCrash
	ActRestart      = graph.ActRestart
	ActCrashMidStep = graph.ActCrashMidStep
)

// Setup is the static part of a world: the cluster, its clients and the
// bounds of the state graph. *Setup is single-decree Paxos's
// graph.Protocol (adapter.go).
type Setup struct {
	Config  paxos.Config
	Clients []paxostrace.Client
	// MaxRound bounds proposer rounds: a timeout is enabled only while the
	// proposer's next round stays at or below it. 0 means unbounded.
	MaxRound uint32
	// Options are the fault budgets and the network (graph.Options).
	Options
}

// ErrSetup is wrapped by every error about a Setup.
var ErrSetup = graph.ErrSetup

// DefaultSetup is the cluster of issue 2: 3 acceptors, 2 proposers, 1
// learner, and 2 clients proposing distinct values, one at each proposer.
func DefaultSetup() Setup {
	return NewSetup(3, 2, 1, 2)
}

// NewSetup builds a cluster of a acceptors, p proposers, l learners and c
// clients; client i proposes value "v<i>" (x, y, z... for the first few) at
// proposer i mod p.
func NewSetup(a, p, l, c int) Setup {
	s := Setup{Config: paxos.NewConfig(a, p, l)}
	for i := 0; i < c; i++ {
		var prop paxos.NodeID
		if p > 0 {
			prop = s.Config.Proposers[i%p]
		}
		s.Clients = append(s.Clients, paxostrace.Client{ID: paxos.ClientID(i), Proposer: prop, Value: ClientValue(i)})
	}
	return s
}

// ClientValue is the value client i proposes in generated setups.
func ClientValue(i int) paxos.Value {
	if i < 3 {
		return paxos.Value(string(rune('x' + i)))
	}
	return paxos.Value(fmt.Sprintf("v%d", i))
}

// Validate reports the first problem with s.
func (s *Setup) Validate() error {
	if err := s.validateCluster(); err != nil {
		return err
	}
	return graph.Validate[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s, s.Config.Nodes())
}

// validateCluster checks what only Paxos knows: the configuration and the
// clients.
func (s *Setup) validateCluster() error {
	if err := s.Config.Validate(); err != nil {
		return err
	}
	for i, c := range s.Clients {
		if int(c.ID) != i {
			return fmt.Errorf("%w: client %d has id %d, want ids 0..n-1 in order", ErrSetup, i, c.ID)
		}
		if r, _, ok := s.Config.RoleOf(c.Proposer); !ok || r != paxos.RoleProposer {
			return fmt.Errorf("%w: client %d sends to node %d, which is not a proposer", ErrSetup, i, c.Proposer)
		}
		if c.Value == paxos.None {
			return fmt.Errorf("%w: client %d proposes the empty value", ErrSetup, i)
		}
	}
	return nil
}

// Header returns a trace header describing s.
func (s *Setup) Header(source string) paxostrace.Header {
	return paxostrace.Header{
		Head:      paxostrace.NewHead(),
		Acceptors: slices.Clone(s.Config.Acceptors), Proposers: slices.Clone(s.Config.Proposers),
		Learners: slices.Clone(s.Config.Learners), Bugs: s.Config.Bugs.Names(),
		Clients: slices.Clone(s.Clients), Run: traces.Run{Source: source, TimeUnit: traces.TimeStep},
	}
}

// SetupFromHeader rebuilds the Setup of a trace (with no fault budget: a
// replay follows the trace, it does not enforce bounds).
func SetupFromHeader(h *paxostrace.Header) (Setup, error) {
	c, err := h.Config()
	if err != nil {
		return Setup{}, err
	}
	s := Setup{Config: c, Clients: h.Clients}
	s.MidStepCrash, s.Unbounded = true, true
	return s, s.Validate()
}

// State is a global state of the Paxos world: graph.State at Paxos's
// types, with the graph's operations as methods. Copy it with Clone.
type State gstate

func (st *State) g() *gstate { return (*gstate)(st) }

// Init returns the initial state of s.
func Init(s *Setup) (State, error) {
	st, err := graph.Init[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s)
	return State(st), err
}

// Clone returns a deep copy of st.
func (st *State) Clone() State { return State(st.g().Clone()) }

// NodeIndex returns the position of node id in st.Nodes, or -1.
func (st *State) NodeIndex(id paxos.NodeID) int { return st.g().NodeIndex(id) }

// Node returns the state of node id, or nil.
func (st *State) Node(id paxos.NodeID) *paxos.Node { return st.g().Node(id) }

// Actions appends to buf every action enabled in st (graph.Actions).
func (st *State) Actions(s *Setup, buf []Action) []Action {
	return graph.Actions[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s, st.g(), buf)
}

// Apply performs a on st in place (graph.Apply).
func (st *State) Apply(s *Setup, a Action) (Outcome, error) {
	return graph.Apply[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s, st.g(), a)
}

// Peek works out into c what a does to st, without changing st
// (graph.Peek).
func (st *State) Peek(s *Setup, a Action, c *Change) error {
	return graph.Peek[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s, st.g(), a, c)
}

// Commit carries out a Change that Peek worked out on this very state.
func (st *State) Commit(s *Setup, c *Change) {
	graph.Commit[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s, st.g(), c)
}

// AppendBinary appends the canonical encoding of st among the states of
// s (graph.AppendBinary; the layout is impl/paxos's, paxos/encode.go).
func (st *State) AppendBinary(s *Setup, buf []byte) []byte {
	return graph.AppendBinary[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s, buf, st.g())
}

// A Decoder reads back what State.AppendBinary wrote, for one Setup,
// without allocating for the values it knows (the clients').
type Decoder struct {
	*Setup
	init   State
	intern []paxos.Value
}

// NewDecoder returns a Decoder for the states of s.
func NewDecoder(s *Setup) (*Decoder, error) {
	init, err := Init(s)
	if err != nil {
		return nil, err
	}
	d := &Decoder{Setup: s, init: init}
	for _, c := range s.Clients {
		d.intern = append(d.intern, c.Value)
	}
	return d, nil
}

// Decode reads all of b into st, reusing its slices (graph.DecodeBinary).
func (d *Decoder) Decode(b []byte, st *State) error {
	return graph.DecodeBinary[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](d, b, d.init.g(), st.g())
}

// DecodeNode reads what AppendNode wrote.
func (d *Decoder) DecodeNode(b []byte, n *paxos.Node, x *paxos.Durable) ([]byte, error) {
	return decodeNode(paxos.Decoder{B: b, Intern: d.intern}, n, x)
}

// DecodeMsgs reads what AppendMsgs wrote into dst's storage.
func (d *Decoder) DecodeMsgs(b []byte, dst []paxos.Message) ([]paxos.Message, []byte, error) {
	return decodeMsgs(paxos.Decoder{B: b, Intern: d.intern}, dst)
}

// StepNode runs action a on node n, whose stable storage holds d, as the
// world runs it (graph.StepNode): the one definition of what an action
// asks of a node, shared by Peek and the explorer's certifier.
func (s *Setup) StepNode(n *paxos.Node, d *paxos.Durable, a Action, next *paxos.Node, r *NodeStep) error {
	return graph.StepNode[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](s, n, d, a, next, r)
}

// ToMultiset turns a path of the set network into one of the multiset
// network (graph.ToMultiset).
func ToMultiset(path []Action) []Action { return graph.ToMultiset(path) }

// InRoundBound reports whether a timeout of node n stays within the search
// bound Setup.MaxRound: the round it would start is at most MaxRound (0:
// no bound). The world offers a node's timeout when its timer is armed
// (State.Timers) and the bound allows it.
func (s *Setup) InRoundBound(n *paxos.Node) bool {
	return s.MaxRound == 0 || nextRound(n) <= s.MaxRound
}

// TakesTimeout reports whether n takes a timeout now (paxos.Node.Enabled):
// the world offers one only while n's timer is armed, within the round
// bound, and when n takes it.
func (s *Setup) TakesTimeout(n *paxos.Node) bool {
	return n.Enabled(&s.Config, paxos.Input{Kind: paxos.InTimeout})
}

// nextRound is the round a proposer's timeout would start (paxos timeout).
func nextRound(n *paxos.Node) uint32 {
	r := n.Mem.Round
	if n.Seen.Round > r {
		r = n.Seen.Round
	}
	return r + 1
}

// SentForm is how m is recorded in Sent, the spec's msgs: a 1b, 2a or 2b
// message with its addressee cleared (the spec's messages name none); ok
// is false for the other types, which Sent does not hold.
func SentForm(m paxos.Message) (f paxos.Message, ok bool) {
	switch m.Type {
	case paxos.Msg1b, paxos.Msg2a, paxos.Msg2b:
		m.To = 0
		return m, true
	}
	return m, false
}

func deliverEvent(t paxos.MsgType) string {
	switch t {
	case paxos.Msg1a:
		return paxostrace.EvPhase1b
	case paxos.Msg1b:
		return paxostrace.EvPhase2a
	case paxos.Msg2a:
		return paxostrace.EvPhase2b
	case paxos.Msg2b:
		return paxostrace.EvLearn
	case paxos.MsgNack:
		return paxostrace.EvNack
	case paxos.MsgDecided:
		return paxostrace.EvReturn
	}
	return "Deliver"
}

var _ proto = (*Setup)(nil)
