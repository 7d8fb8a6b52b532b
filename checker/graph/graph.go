package graph

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// State is a global state. Copy it with Clone: its slices are owned (but
// IDs, which never changes, is shared).
type State[I ~uint8, N any, M Message[M], D any] struct {
	// IDs are the nodes' ids, in the order of Nodes; shared by every
	// state of one graph, never modified.
	IDs []I
	// Nodes are in the protocol's order (Protocol.Nodes).
	Nodes []N
	// Stored is what each node has on stable storage, same order.
	Stored []D
	// Net is the multiset of messages in flight, sorted by
	// Protocol.Compare; with Options.SetNetwork, the set of messages ever
	// sent (the spec's msgs, with addressees), sorted.
	Net []M
	// Sent is the set of messages ever sent in their Protocol.SentForm,
	// sorted: the spec's msgs, which the invariants read.
	Sent []M
	// Invoked and Returned are sets of clients.
	Invoked, Returned Clients
	// Learned is the bitmask of nodes' Common.Learned bits: with the
	// invariants' Chosen it feeds the "sometimes" properties.
	Learned uint64
	// Timers is the bitmask of nodes (by index in Nodes) whose timer is
	// armed (Common.Timer): a timeout may come. A crash disarms it.
	Timers uint64
	// Used is the fault budget spent so far.
	Used Budget
	// History, with Options.History, is the client history of the path
	// to this state, by client; nil without.
	History []Call
}

// Call is one client's operation in State.History, as linearizability
// reads it: the order of calls and answers (which answers came before a
// call), and the answer. Before is the number of clients answered when
// the client invoked (while it is in Invoked); Rank the number answered
// before its answer, and Out the answer (Common.Outputs; while it is in
// Returned; the first answer, if it got several). Client j's answer came
// before client k's call exactly when j.Rank < k.Before.
type Call struct {
	Before, Rank uint8
	Out          string
}

// Validate reports the first problem with the graph's options for p.
func Validate[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], ids []I) error {
	o := p.GraphOptions()
	if p.NumClients() > MaxClients {
		return fmt.Errorf("%w: %d clients, at most %d", ErrSetup, p.NumClients(), MaxClients)
	}
	if len(ids) > 64 {
		return fmt.Errorf("%w: %d nodes, at most 64", ErrSetup, len(ids))
	}
	if o.Budget.Drops < 0 || o.Budget.Dups < 0 || o.Budget.Crashes < 0 {
		return fmt.Errorf("%w: negative fault budget: drops %d, duplications %d, crashes %d", ErrSetup, o.Budget.Drops, o.Budget.Dups, o.Budget.Crashes)
	}
	if o.SetNetwork && (o.Budget.Drops != 0 || o.Budget.Dups != 0) {
		return fmt.Errorf("%w: drop and duplication budgets %+v with the set network, which needs none (it has every drop and duplication)", ErrSetup, o.Budget)
	}
	if len(o.Follows) > p.NumClients() {
		return fmt.Errorf("%w: session order for %d clients, but there are %d", ErrSetup, len(o.Follows), p.NumClients())
	}
	for c, prev := range o.Follows {
		if prev >= p.NumClients() || prev == c || prev < -1 {
			return fmt.Errorf("%w: client %d follows client %d, which is not another client", ErrSetup, c, prev)
		}
	}
	for _, id := range o.Crashable {
		if !slices.Contains(ids, id) {
			return fmt.Errorf("%w: crashable node %d is not in the configuration", ErrSetup, id)
		}
	}
	return nil
}

// Init returns the initial state of p's graph.
func Init[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E]) (State[I, N, M, D], error) {
	nodes, err := p.Nodes()
	if err != nil {
		return State[I, N, M, D]{}, err
	}
	ids := make([]I, len(nodes))
	for i := range nodes {
		ids[i] = p.ID(&nodes[i])
	}
	if err := Validate(p, ids); err != nil {
		return State[I, N, M, D]{}, err
	}
	st := State[I, N, M, D]{IDs: ids, Nodes: nodes, Stored: make([]D, len(nodes))}
	if p.GraphOptions().History {
		st.History = make([]Call, p.NumClients())
	}
	return st, nil
}

// Clone returns a deep copy of st.
func (st *State[I, N, M, D]) Clone() State[I, N, M, D] {
	c := *st
	c.Nodes = slices.Clone(st.Nodes)
	c.Stored = slices.Clone(st.Stored)
	c.Net = slices.Clone(st.Net)
	c.Sent = slices.Clone(st.Sent)
	c.History = slices.Clone(st.History)
	return c
}

// NodeIndex returns the position of node id in st.Nodes, or -1.
func (st *State[I, N, M, D]) NodeIndex(id I) int {
	for i, x := range st.IDs {
		if x == id {
			return i
		}
	}
	return -1
}

// Node returns the state of node id, or nil.
func (st *State[I, N, M, D]) Node(id I) *N {
	if i := st.NodeIndex(id); i >= 0 {
		return &st.Nodes[i]
	}
	return nil
}

// AppendBinary appends the canonical encoding of st among the states of
// its graph: equal states, and only equal states, encode to equal bytes.
// A node's identity is implied by its position; nodes, stored states and
// messages are laid out as the protocol says (Protocol.AppendNode, ...).
// Every count is a varint, so no length is cut short (a byte count would
// take 300 messages for 44). The explorer's frontier holds exactly these
// bytes; DecodeBinary reads them.
func AppendBinary[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], buf []byte, st *State[I, N, M, D]) []byte {
	for i := range st.Nodes {
		buf = p.AppendNode(buf, &st.Nodes[i], &st.Stored[i])
	}
	buf = p.AppendMsgs(buf, st.Net)
	buf = p.AppendMsgs(buf, st.Sent)
	w := words(p.NumClients())
	for _, set := range [...]*Clients{&st.Invoked, &st.Returned} {
		for _, x := range set[:w] {
			buf = binary.AppendUvarint(buf, x)
		}
	}
	for _, x := range [...]uint64{st.Learned, st.Timers,
		uint64(st.Used.Drops), uint64(st.Used.Dups), uint64(st.Used.Crashes)} {
		buf = binary.AppendUvarint(buf, x)
	}
	return AppendHistory(buf, st)
}

// AppendHistory appends what st.History holds (nothing without
// Options.History): the Before of each client that invoked, and the Rank
// and Out of each that returned. Two states have the same history
// exactly when these bytes (with their masks) are equal.
func AppendHistory[I ~uint8, N any, M Message[M], D any](buf []byte, st *State[I, N, M, D]) []byte {
	for k, c := range st.History {
		if !st.Invoked.Has(k) {
			continue
		}
		buf = append(buf, c.Before)
		if st.Returned.Has(k) {
			buf = append(buf, c.Rank)
			buf = binary.AppendUvarint(buf, uint64(len(c.Out)))
			buf = append(buf, c.Out...)
		}
	}
	return buf
}

// ErrDecode is wrapped by the errors of DecodeBinary: bytes that
// AppendBinary did not write.
var ErrDecode = fmt.Errorf("graph: malformed state encoding")

// DecodeBinary reads what AppendBinary wrote (all of b) into st, reusing
// st's slices. init is the graph's initial state: it gives the nodes'
// identities, which the encoding leaves out.
func DecodeBinary[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], b []byte, init *State[I, N, M, D], st *State[I, N, M, D]) error {
	n := len(init.Nodes)
	if len(st.Nodes) != n {
		st.Nodes = make([]N, n)
		st.Stored = make([]D, n)
	}
	st.IDs = init.IDs
	var err error
	fail := func(what string, e error) error {
		return fmt.Errorf("%w: %s: %w", ErrDecode, what, e)
	}
	for k := 0; k < n; k++ {
		st.Nodes[k] = init.Nodes[k]
		if b, err = p.DecodeNode(b, &st.Nodes[k], &st.Stored[k]); err != nil {
			return fail(fmt.Sprintf("node %d", k), err)
		}
	}
	if st.Net, b, err = p.DecodeMsgs(b, st.Net); err != nil {
		return fail("messages in flight", err)
	}
	if st.Sent, b, err = p.DecodeMsgs(b, st.Sent); err != nil {
		return fail("messages sent", err)
	}
	w := words(p.NumClients())
	var counts [2*MaxClients/64 + 5]uint64
	for i := range counts[:2*w+5] {
		x, k := binary.Uvarint(b)
		if k <= 0 {
			return fail("counters", fmt.Errorf("bad varint"))
		}
		counts[i], b = x, b[k:]
	}
	st.Invoked, st.Returned = Clients{}, Clients{}
	copy(st.Invoked[:], counts[:w])
	copy(st.Returned[:], counts[w:2*w])
	rest := counts[2*w:]
	st.Learned, st.Timers = rest[0], rest[1]
	st.Used = Budget{Drops: int(rest[2]), Dups: int(rest[3]), Crashes: int(rest[4])}
	if init.History == nil {
		st.History = nil
	} else {
		if b, err = decodeHistory(b, st, len(init.History)); err != nil {
			return fail("client history", err)
		}
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the state", ErrDecode, len(b))
	}
	return nil
}

// decodeHistory reads what appendHistory wrote of st's n clients (st's
// masks read already).
func decodeHistory[I ~uint8, N any, M Message[M], D any](b []byte, st *State[I, N, M, D], n int) ([]byte, error) {
	st.History = slices.Grow(st.History[:0], n)[:n]
	for k := range st.History {
		c := Call{}
		if st.Invoked.Has(k) {
			if len(b) < 1 {
				return b, fmt.Errorf("client %d: cut short", k)
			}
			c.Before, b = b[0], b[1:]
			if st.Returned.Has(k) {
				if len(b) < 1 {
					return b, fmt.Errorf("client %d: cut short", k)
				}
				c.Rank, b = b[0], b[1:]
				l, w := binary.Uvarint(b)
				if w <= 0 || l > uint64(len(b)-w) {
					return b, fmt.Errorf("client %d: bad answer length", k)
				}
				c.Out, b = string(b[w:w+int(l)]), b[w+int(l):]
			}
		}
		st.History[k] = c
	}
	return b, nil
}

// search finds m in the sorted ms: where it is, or where it would go.
func search[M Message[M]](ms []M, m M) (int, bool) {
	return slices.BinarySearchFunc(ms, m, M.Compare)
}

func insertSorted[M Message[M]](ms []M, m M) []M {
	i, _ := search(ms, m)
	return slices.Insert(ms, i, m)
}

func insertSet[M Message[M]](ms []M, m M) []M {
	i, found := search(ms, m)
	if found {
		return ms
	}
	return slices.Insert(ms, i, m)
}
