package world

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// Budget bounds the faults of a run. Zero means the fault never happens.
type Budget struct {
	Drops   int `json:"drops"`
	Dups    int `json:"dups"`
	Crashes int `json:"crashes"`
}

// Setup is the static part of a world: the cluster, its clients and the
// bounds of the state graph.
type Setup struct {
	Config  paxos.Config
	Clients []traces.Client
	Budget  Budget
	// MaxRound bounds proposer rounds: a timeout is enabled only while the
	// proposer's next round stays at or below it. 0 means unbounded.
	MaxRound uint32
	// Crashable lists the nodes that may crash; nil means every node.
	Crashable []paxos.NodeID
	// MidStepCrash also offers, while the crash budget lasts, a crash in
	// the middle of handling a message: after its durable state is written
	// and before its messages leave (DESIGN.md, "The deterministic core").
	MidStepCrash bool
	// Unbounded lifts the fault budgets in Apply (not in Actions): a
	// replay follows its trace and does not enforce bounds.
	Unbounded bool
	// SetNetwork switches to the network of spec/Paxos.tla: msgs only
	// grows, and a message once sent may be received any number of times,
	// in any order, or never. Net is then a set, a delivery does not
	// remove the message, and drops and duplications are never offered:
	// the set network already contains every schedule of any number of
	// drops, duplications and reorderings (a message never delivered is a
	// lost one, one delivered again is a duplicate). Budget.Drops and
	// Budget.Dups must be zero. Paths of this graph become ordinary traces
	// through ToMultiset (network.go).
	SetNetwork bool
}

// ErrSetup is wrapped by every error about a Setup.
var ErrSetup = errors.New("invalid setup")

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
		s.Clients = append(s.Clients, traces.Client{ID: paxos.ClientID(i), Proposer: prop, Value: ClientValue(i)})
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
	if err := s.Config.Validate(); err != nil {
		return err
	}
	if len(s.Clients) > 64 {
		return fmt.Errorf("%w: %d clients, at most 64", ErrSetup, len(s.Clients))
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
	if s.Budget.Drops < 0 || s.Budget.Dups < 0 || s.Budget.Crashes < 0 {
		return fmt.Errorf("%w: negative fault budget %+v", ErrSetup, s.Budget)
	}
	if s.SetNetwork && (s.Budget.Drops != 0 || s.Budget.Dups != 0) {
		return fmt.Errorf("%w: drop and duplication budgets %+v with the set network, which needs none (it has every drop and duplication)", ErrSetup, s.Budget)
	}
	for _, id := range s.Crashable {
		if _, _, ok := s.Config.RoleOf(id); !ok {
			return fmt.Errorf("%w: crashable node %d is not in the configuration", ErrSetup, id)
		}
	}
	return nil
}

// Header returns a trace header describing s.
func (s *Setup) Header(source string) traces.Header {
	return traces.Header{
		Format: traces.FormatName, Version: traces.Version,
		Acceptors: slices.Clone(s.Config.Acceptors), Proposers: slices.Clone(s.Config.Proposers),
		Learners: slices.Clone(s.Config.Learners), Bugs: s.Config.Bugs.Names(),
		Clients: slices.Clone(s.Clients), Source: source, TimeUnit: "step",
	}
}

// SetupFromHeader rebuilds the Setup of a trace (with no fault budget: a
// replay follows the trace, it does not enforce bounds).
func SetupFromHeader(h *traces.Header) (Setup, error) {
	c, err := h.Config()
	if err != nil {
		return Setup{}, err
	}
	s := Setup{Config: c, Clients: h.Clients, MidStepCrash: true, Unbounded: true}
	return s, s.Validate()
}

func (s *Setup) crashable(id paxos.NodeID) bool {
	return s.Crashable == nil || slices.Contains(s.Crashable, id)
}

// State is a global state. Copy it with Clone: its slices are owned.
type State struct {
	// Nodes are in Config.Nodes() order: acceptors, proposers, learners.
	Nodes []paxos.Node
	// Stored is what each node has on stable storage, same order.
	Stored []paxos.Durable
	// Net is the multiset of messages in flight, sorted by Message.Less;
	// with Setup.SetNetwork, the set of messages ever sent (the spec's
	// msgs, with addressees), sorted.
	Net []paxos.Message
	// Sent is the set of 1b, 2a and 2b messages ever sent, with To cleared
	// (a broadcast is one entry), sorted: the spec's msgs, which the
	// invariants read. 1a, nack and decided carry nothing they need.
	Sent []paxos.Message
	// Invoked and Returned are bitmasks of clients.
	Invoked, Returned uint64
	// Learned is the bitmask of learners (by index) that have ever learned
	// a value; with Chosen it feeds the "sometimes" properties.
	Learned uint64
	// Timers is the bitmask of nodes (by index in Nodes) whose timer is
	// armed (paxos.Effects.Timer): a timeout may come. A crash disarms it.
	Timers uint64
	// Used is the fault budget spent so far.
	Used Budget
}

// Init returns the initial state of s.
func Init(s *Setup) (State, error) {
	if err := s.Validate(); err != nil {
		return State{}, err
	}
	ids := s.Config.Nodes()
	st := State{Nodes: make([]paxos.Node, len(ids)), Stored: make([]paxos.Durable, len(ids))}
	for i, id := range ids {
		n, err := paxos.NewNode(&s.Config, id)
		if err != nil {
			return State{}, err
		}
		st.Nodes[i] = n
	}
	return st, nil
}

// Clone returns a deep copy of st.
func (st *State) Clone() State {
	c := *st
	c.Nodes = slices.Clone(st.Nodes)
	c.Stored = slices.Clone(st.Stored)
	c.Net = slices.Clone(st.Net)
	c.Sent = slices.Clone(st.Sent)
	return c
}

// NodeIndex returns the position of node id in st.Nodes, or -1.
func (st *State) NodeIndex(id paxos.NodeID) int {
	for i := range st.Nodes {
		if st.Nodes[i].ID == id {
			return i
		}
	}
	return -1
}

// Node returns the state of node id, or nil.
func (st *State) Node(id paxos.NodeID) *paxos.Node {
	if i := st.NodeIndex(id); i >= 0 {
		return &st.Nodes[i]
	}
	return nil
}

// AppendBinary appends the canonical encoding of st among the states of
// its Setup: equal states, and only equal states, encode to equal bytes.
// A node's identity (id, role, index) is implied by its position; nodes,
// stored states and messages are laid out as impl/paxos's encoding says
// (paxos/encode.go, the one place). Every count is a varint, so no length
// is cut short (a byte count would take 300 messages for 44). The
// explorer's frontier holds exactly these bytes; DecodeBinary reads them.
func (st *State) AppendBinary(buf []byte) []byte {
	for i := range st.Nodes {
		buf = st.Nodes[i].AppendState(buf)
		buf = st.Stored[i].AppendBinary(buf)
	}
	buf = binary.AppendUvarint(buf, uint64(len(st.Net)))
	for _, m := range st.Net {
		buf = m.AppendBinary(buf)
	}
	buf = binary.AppendUvarint(buf, uint64(len(st.Sent)))
	for _, m := range st.Sent {
		buf = m.AppendBinary(buf)
	}
	for _, x := range [...]uint64{st.Invoked, st.Returned, st.Learned, st.Timers,
		uint64(st.Used.Drops), uint64(st.Used.Dups), uint64(st.Used.Crashes)} {
		buf = binary.AppendUvarint(buf, x)
	}
	return buf
}

// DecodeBinary reads what AppendBinary wrote (all of d.B) into st, reusing
// st's slices. ids holds the nodes' identities (the Nodes of Init): the
// encoding leaves them out. An error wraps paxos.ErrDecode.
func (st *State) DecodeBinary(d *paxos.Decoder, ids []paxos.Node) error {
	if len(st.Nodes) != len(ids) {
		st.Nodes = make([]paxos.Node, len(ids))
		st.Stored = make([]paxos.Durable, len(ids))
	}
	for k := range ids {
		n := &st.Nodes[k]
		n.ID, n.Role, n.Index = ids[k].ID, ids[k].Role, ids[k].Index
		d.State(n)
		st.Stored[k] = d.Durable()
	}
	st.Net = decodeMsgs(d, st.Net)
	st.Sent = decodeMsgs(d, st.Sent)
	st.Invoked, st.Returned, st.Learned, st.Timers = d.Uvarint(), d.Uvarint(), d.Uvarint(), d.Uvarint()
	st.Used.Drops, st.Used.Dups, st.Used.Crashes = int(d.Uvarint()), int(d.Uvarint()), int(d.Uvarint())
	if d.Err == nil && len(d.B) != 0 {
		return fmt.Errorf("%w: %d bytes after the state", paxos.ErrDecode, len(d.B))
	}
	return d.Err
}

func decodeMsgs(d *paxos.Decoder, dst []paxos.Message) []paxos.Message {
	n := d.Uvarint()
	dst = dst[:0]
	for i := uint64(0); i < n && d.Err == nil; i++ {
		dst = append(dst, d.Message())
	}
	return dst
}

func insertSorted(ms []paxos.Message, m paxos.Message) []paxos.Message {
	i, _ := slices.BinarySearchFunc(ms, m, paxos.Message.Compare)
	return slices.Insert(ms, i, m)
}

func insertSet(ms []paxos.Message, m paxos.Message) []paxos.Message {
	i, found := slices.BinarySearchFunc(ms, m, paxos.Message.Compare)
	if found {
		return ms
	}
	return slices.Insert(ms, i, m)
}
