package graph

import (
	"fmt"
	"slices"
	"sync"

	"github.com/paxoscheck/paxoscheck/impl/runner"
	"github.com/paxoscheck/paxoscheck/impl/storage"
)

// ActionKind is what an action does.
type ActionKind uint8

// The actions of the state graph.
const (
	ActDeliver ActionKind = iota + 1
	ActDrop
	ActDuplicate
	ActTimeout
	ActInvoke
	ActCrash
	ActRestart
	// ActCrashMidStep: Node starts handling Msg, writes its durable state,
	// and crashes before its messages leave.
	ActCrashMidStep
)

var actionNames = [...]string{ActDeliver: "deliver", ActDrop: "drop", ActDuplicate: "duplicate",
	ActTimeout: "timeout", ActInvoke: "invoke", ActCrash: "crash", ActRestart: "restart", ActCrashMidStep: "crash-mid-step"}

// String names the kind.
func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		return actionNames[k]
	}
	return fmt.Sprintf("action(%d)", uint8(k))
}

// Action is one transition of the state graph.
type Action[I, K ~uint8, M Message[M]] struct {
	Kind ActionKind
	// Node is the node acted on (for message actions, the addressee).
	Node I
	// Msg is the message delivered, dropped or duplicated.
	Msg M
	// Client is the client of an ActInvoke.
	Client K
}

// String renders a for logs: "deliver 1a b=1.0 to 0".
func (a Action[I, K, M]) String() string {
	switch a.Kind {
	case ActDeliver, ActDrop, ActDuplicate, ActCrashMidStep:
		if s, ok := any(a.Msg).(Router); ok {
			return fmt.Sprintf("%s %v %s", a.Kind, a.Msg, s.Route())
		}
		return fmt.Sprintf("%s %v to %d", a.Kind, a.Msg, a.Node)
	case ActInvoke:
		return fmt.Sprintf("invoke client %d at %d", a.Client, a.Node)
	}
	return fmt.Sprintf("%s %d", a.Kind, a.Node)
}

// Actions appends to buf every action enabled in st and returns it, in a
// deterministic order. Deliveries and client requests are offered only
// where the node takes them (Protocol.Enabled); a timeout only while the
// node's timer is armed, the protocol's bounds allow it and the node takes
// it. Identical
// copies of a message in flight give one action each kind, not one per
// copy: they lead to the same state.
func Actions[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], st *State[I, N, M, D], buf []Action[I, K, M]) []Action[I, K, M] {
	o := p.GraphOptions()
	canCrash := st.Used.Crashes < o.Budget.Crashes
	for i, m := range st.Net {
		if i > 0 && st.Net[i-1] == m {
			continue
		}
		to := p.To(m)
		n := st.Node(to)
		// A message its addressee refuses (Protocol.Enabled) is never
		// received, as a runtime would drop it.
		if n != nil && p.Enabled(n, Input[K, M, D]{Kind: InDeliver, Msg: m}) {
			buf = append(buf, Action[I, K, M]{Kind: ActDeliver, Node: to, Msg: m})
			if o.MidStepCrash && canCrash && crashable(o, to) {
				buf = append(buf, Action[I, K, M]{Kind: ActCrashMidStep, Node: to, Msg: m})
			}
		}
		if o.SetNetwork {
			// Never a drop or a duplication: see Options.SetNetwork.
			continue
		}
		if st.Used.Drops < o.Budget.Drops {
			buf = append(buf, Action[I, K, M]{Kind: ActDrop, Node: to, Msg: m})
		}
		if st.Used.Dups < o.Budget.Dups {
			buf = append(buf, Action[I, K, M]{Kind: ActDuplicate, Node: to, Msg: m})
		}
	}
	for i := range st.Nodes {
		n, id := &st.Nodes[i], st.IDs[i]
		if p.Crashed(n) {
			buf = append(buf, Action[I, K, M]{Kind: ActRestart, Node: id})
			continue
		}
		// A timer fires only while armed; the node may still refuse
		// the timeout (Enabled), as it may refuse a message: then it is
		// not offered, as a runtime's node would ignore it.
		if st.Timers&(1<<uint(i)) != 0 && p.TimeoutInBound(n) && p.Enabled(n, Input[K, M, D]{Kind: InTimeout}) {
			buf = append(buf, Action[I, K, M]{Kind: ActTimeout, Node: id})
		}
		if canCrash && crashable(o, id) {
			buf = append(buf, Action[I, K, M]{Kind: ActCrash, Node: id})
		}
	}
	for c := 0; c < p.NumClients(); c++ {
		if st.Invoked.Has(c) || !afterReturned(o, st.Returned, c) {
			continue
		}
		k := K(c)
		to := p.ClientNode(k)
		if n := st.Node(to); n != nil && p.Enabled(n, Input[K, M, D]{Kind: InRequest, Client: k}) {
			buf = append(buf, Action[I, K, M]{Kind: ActInvoke, Node: to, Client: k})
		}
	}
	return buf
}

// Offered reports whether Actions(p, st) would offer a: the same
// predicate, for one action, without listing the others (a replay that
// checks each action of a schedule calls it once per step).
func Offered[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], st *State[I, N, M, D], a Action[I, K, M]) bool {
	o := p.GraphOptions()
	canCrash := st.Used.Crashes < o.Budget.Crashes
	switch a.Kind {
	case ActDeliver, ActCrashMidStep, ActDrop, ActDuplicate:
		if _, found := search(st.Net, a.Msg); !found || p.To(a.Msg) != a.Node {
			return false
		}
		switch a.Kind {
		case ActDrop:
			return !o.SetNetwork && st.Used.Drops < o.Budget.Drops
		case ActDuplicate:
			return !o.SetNetwork && st.Used.Dups < o.Budget.Dups
		case ActCrashMidStep:
			if !o.MidStepCrash || !canCrash || !crashable(o, a.Node) {
				return false
			}
		}
		n := st.Node(a.Node)
		return n != nil && p.Enabled(n, Input[K, M, D]{Kind: InDeliver, Msg: a.Msg})
	case ActTimeout, ActCrash, ActRestart:
		i := st.NodeIndex(a.Node)
		if i < 0 {
			return false
		}
		n := &st.Nodes[i]
		if p.Crashed(n) {
			return a.Kind == ActRestart
		}
		switch a.Kind {
		case ActTimeout:
			return st.Timers&(1<<uint(i)) != 0 && p.TimeoutInBound(n) && p.Enabled(n, Input[K, M, D]{Kind: InTimeout})
		case ActCrash:
			return canCrash && crashable(o, a.Node)
		}
		return false
	case ActInvoke:
		c := int(a.Client)
		if c >= p.NumClients() || st.Invoked.Has(c) || !afterReturned(o, st.Returned, c) || p.ClientNode(a.Client) != a.Node {
			return false
		}
		n := st.Node(a.Node)
		return n != nil && p.Enabled(n, Input[K, M, D]{Kind: InRequest, Client: a.Client})
	}
	return false
}

// afterReturned reports whether client c's predecessor in its session
// (Options.Follows) has been answered, or it has none.
func afterReturned[I ~uint8](o *Options[I], returned Clients, c int) bool {
	return c >= len(o.Follows) || o.Follows[c] < 0 || returned.Has(o.Follows[c])
}

func crashable[I ~uint8](o *Options[I], id I) bool {
	return o.Crashable == nil || slices.Contains(o.Crashable, id)
}

// Outcome is what applying an action did, in enough detail to write it as a
// trace step.
type Outcome[I, K ~uint8, M Message[M], E any] struct {
	Action Action[I, K, M]
	// Event is the trace event (Protocol.Event, or the graph's own for
	// drops, duplications, crashes and restarts: EvDrop, ...).
	Event string
	// Effects are the stepping node's effects, as its core returned them.
	Effects E
	// Dup is the new copy made by ActDuplicate.
	Dup *M
}

// The events of the graph's own actions, as traces name them.
const (
	EvDrop      = "Drop"
	EvDuplicate = "Duplicate"
	EvCrash     = "Crash"
	EvRestart   = "Restart"
)

// Apply performs a on st in place (clone first to keep the old state) and
// returns what happened. An action that is not enabled is an error and
// leaves st unchanged. It is Peek followed by Commit.
func Apply[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], st *State[I, N, M, D], a Action[I, K, M]) (Outcome[I, K, M, E], error) {
	// The Change outlives the call (Protocol.Step writes the node into
	// it): one from the pool spares an allocation per step.
	c, _ := changes.Get().(*Change[I, K, N, M, D, E])
	if c == nil {
		c = new(Change[I, K, N, M, D, E])
	}
	defer changes.Put(c)
	if err := Peek(p, st, a, c); err != nil {
		return c.Outcome, err
	}
	Commit(p, st, c)
	return c.Outcome, nil
}

// changes holds spare Changes for Apply (of any protocol's types: one of
// other types is dropped).
var changes sync.Pool

// A Change is what one action does to a state, worked out by Peek without
// touching the state and carried out by Commit. At most one node steps; the
// explorer reads a Change to fingerprint the successor before (and
// instead of, when it is already known) building it.
type Change[I, K ~uint8, N any, M Message[M], D, E any] struct {
	Outcome[I, K, M, E]
	// Index is the node that stepped (its new state is Node), or -1 for a
	// drop or a duplication.
	Index int
	Node  N
	// Persist is the node's new stored state, or nil.
	Persist *D
	// Send lists the messages the step sent; they enter the network unless
	// Lost (a crash between persisting and sending), and Sent either way.
	Send []M
	Lost bool
	// Take is the index in Net of the message taken out (a multiset
	// delivery or a drop), or -1; Copy inserts a copy of Action.Msg (a
	// duplication).
	Take int
	Copy bool
	// The counters after the action.
	Invoked, Returned Clients
	Learned, Timers   uint64
	Used              Budget
	// Outputs are the step's answers (Common.Outputs).
	Outputs []Output
}

// Peek works out into c what a does to st, without changing st. An action
// that is not enabled is an error.
func Peek[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], st *State[I, N, M, D], a Action[I, K, M], c *Change[I, K, N, M, D, E]) error {
	o := p.GraphOptions()
	c.Outcome = Outcome[I, K, M, E]{Action: a}
	c.Index, c.Persist, c.Send, c.Lost, c.Take, c.Copy, c.Outputs = -1, nil, nil, false, -1, false, nil
	c.Invoked, c.Returned, c.Learned, c.Timers, c.Used = st.Invoked, st.Returned, st.Learned, st.Timers, st.Used
	var ni int
	switch a.Kind {
	case ActDrop, ActDuplicate, ActDeliver, ActCrashMidStep:
		i, found := search(st.Net, a.Msg)
		if !found {
			return fmt.Errorf("%w: %s: message not in flight", ErrInput, a)
		}
		if o.SetNetwork && (a.Kind == ActDrop || a.Kind == ActDuplicate) {
			return fmt.Errorf("%w: %s: the set network has no drops or duplications", ErrInput, a)
		}
		switch a.Kind {
		case ActDrop:
			if !o.Unbounded && st.Used.Drops >= o.Budget.Drops {
				return fmt.Errorf("%w: %s: drop budget spent", ErrInput, a)
			}
			c.Take = i
			c.Used.Drops++
			c.Event = EvDrop
			return nil
		case ActDuplicate:
			if !o.Unbounded && st.Used.Dups >= o.Budget.Dups {
				return fmt.Errorf("%w: %s: duplication budget spent", ErrInput, a)
			}
			c.Copy = true
			c.Used.Dups++
			m := a.Msg
			c.Dup = &m
			c.Event = EvDuplicate
			return nil
		}
		if !o.SetNetwork {
			c.Take = i
		}
		ni = st.NodeIndex(p.To(a.Msg))
	case ActTimeout, ActCrash, ActRestart:
		ni = st.NodeIndex(a.Node)
		if a.Kind == ActTimeout && ni >= 0 && st.Timers&(1<<uint(ni)) == 0 {
			return fmt.Errorf("%w: %s: the node's timer is not armed", ErrInput, a)
		}
	case ActInvoke:
		if int(a.Client) >= p.NumClients() || st.Invoked.Has(int(a.Client)) {
			return fmt.Errorf("%w: %s: no such client, or it already invoked", ErrInput, a)
		}
		if !afterReturned(o, st.Returned, int(a.Client)) {
			return fmt.Errorf("%w: %s: the client's previous operation has not returned", ErrInput, a)
		}
		ni = st.NodeIndex(p.ClientNode(a.Client))
		c.Invoked.Add(int(a.Client))
	default:
		return fmt.Errorf("%w: unknown action kind %d", ErrInput, a.Kind)
	}
	if ni < 0 {
		return fmt.Errorf("%w: %s: no such node", ErrInput, a)
	}
	var r NodeStep[M, D, E]
	if err := StepNode(p, &st.Nodes[ni], &st.Stored[ni], a, &c.Node, &r); err != nil {
		return err
	}
	c.Index = ni
	c.Persist, c.Send, c.Lost, c.Effects, c.Event, c.Outputs = r.Persist, r.Send, r.Lost, r.Effects, r.Event, r.Outputs
	bit := uint64(1) << uint(ni)
	switch {
	case a.Kind == ActCrash || a.Kind == ActCrashMidStep:
		c.Used.Crashes++
		c.Timers &^= bit // timers are volatile
	case r.Timer == TimerArm:
		c.Timers |= bit
	case r.Timer == TimerCancel:
		c.Timers &^= bit
	}
	c.Learned |= r.Learned
	c.Returned = c.Returned.Union(r.Returned)
	return nil
}

// NodeStep is what an action does to the one node it acts on, besides its
// new state: its new stored state (Persist, nil for none), the messages it
// sends (Lost: they never enter the network, a crash cut the step short
// after its durable write), the timer and counter bits of Common, the
// step's effects as a trace records them, and the trace event.
type NodeStep[M, D, E any] struct {
	Persist *D
	Send    []M
	Lost    bool
	Timer   TimerOp
	// Learned and Returned are Common's bits, and Outputs its answers
	// (none for a mid-step crash).
	Learned  uint64
	Returned Clients
	Outputs  []Output
	Effects  E
	Event    string
}

// StepNode runs action a on node n, whose stable storage holds d, as the
// graph runs it, and writes the node's new state to next and the rest to
// r: the node's part of Peek, without the network and the counters. It is
// the one definition of what an action asks of a node (a delivery, a crash
// in the middle of one, a timeout, a client request, a crash, a restart
// from d), shared by Peek and by the explorer's check of its reductions,
// which runs single nodes. Drops and duplications do not step a node and
// are errors here. Fault budgets are not checked. (Nodes may be large
// values: the results go where the caller keeps them, not through a copy.)
func StepNode[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], n *N, d *D, a Action[I, K, M], next *N, r *NodeStep[M, D, E]) error {
	*r = NodeStep[M, D, E]{}
	var in Input[K, M, D]
	switch a.Kind {
	case ActDeliver, ActCrashMidStep:
		in = Input[K, M, D]{Kind: InDeliver, Msg: a.Msg}
	case ActTimeout:
		in = Input[K, M, D]{Kind: InTimeout}
	case ActCrash:
		in = Input[K, M, D]{Kind: InCrash}
		r.Event = EvCrash
	case ActRestart:
		in = Input[K, M, D]{Kind: InRestart, Durable: *d}
		r.Event = EvRestart
	case ActInvoke:
		if int(a.Client) >= p.NumClients() {
			return fmt.Errorf("%w: %s: no such client", ErrInput, a)
		}
		in = Input[K, M, D]{Kind: InRequest, Client: a.Client}
	default:
		return fmt.Errorf("%w: %s does not step a node", ErrInput, a)
	}
	if r.Event == "" {
		r.Event = p.Event(a)
	}
	var err error
	var e Common[M, D]
	if r.Effects, e, err = p.Step(n, in, next); err != nil {
		return err
	}
	if a.Kind == ActCrashMidStep {
		// The durable write happened; the sends did not. In the spec
		// the step is atomic and loss is implicit, so its messages
		// count as sent (and lost): the vote it made durable stays a
		// vote in the invariants' msgs.
		// The write and the trace's effects are taken before the crash
		// step runs on next: what the code returned may point into the
		// state it wrote there (a Persist of &n.Mem, say).
		if e.Persist != nil {
			w := *e.Persist
			e.Persist = &w
		}
		r.Persist, r.Send, r.Lost = e.Persist, e.Send, true
		r.Effects = p.MidStepEffects(r.Effects)
		if _, _, err = p.Step(next, Input[K, M, D]{Kind: InCrash}, next); err != nil {
			return err
		}
		r.Event = EvCrash
		return nil
	}
	r.Persist, r.Send, r.Timer, r.Learned, r.Returned, r.Outputs = e.Persist, e.Send, e.Timer, e.Learned, e.Returned, e.Outputs
	return nil
}

// Commit carries out a Change that Peek worked out on this very state.
func Commit[I, K ~uint8, N any, M Message[M], D, E any](p Protocol[I, K, N, M, D, E], st *State[I, N, M, D], c *Change[I, K, N, M, D, E]) {
	o := p.GraphOptions()
	if c.Take >= 0 {
		st.Net = slices.Delete(st.Net, c.Take, c.Take+1)
	}
	if c.Copy {
		st.Net = insertSorted(st.Net, c.Action.Msg)
	}
	if c.Index >= 0 {
		st.Nodes[c.Index] = c.Node
		// The runner carries out the step's effects in the core's
		// contract order: persist (into this state's storage of the
		// node), then send. Replies are the counters below; the timers
		// are the state's bits, which Peek works out (a crash disarms
		// too, and the fingerprint reads them before the successor is
		// built), so Commit takes them from the Change.
		e := runner.Effects[D, M, struct{}]{Persist: c.Persist, Send: c.Send}
		// A Slot and the graph's network never fail.
		_ = runner.Apply(e, storage.Slot[D]{D: &st.Stored[c.Index]}, network[I, K, N, M, D, E]{p, o, st, c.Lost}, nil, nil)
	}
	if st.History != nil {
		answered := uint8(st.Returned.Len())
		if c.Action.Kind == ActInvoke {
			st.History[c.Action.Client] = Call{Before: answered}
		}
		for _, out := range c.Outputs {
			if k := out.Client; k < len(st.History) && !st.Returned.Has(k) && c.Returned.Has(k) {
				st.History[k].Rank, st.History[k].Out = answered, out.Out
			}
		}
	}
	st.Invoked, st.Returned, st.Learned, st.Timers, st.Used = c.Invoked, c.Returned, c.Learned, c.Timers, c.Used
}

// network is the simulated network as the runner's transport: a message
// sent enters Net (a multiset, or with Options.SetNetwork a set) and is
// recorded in Sent, the spec's msgs. The messages of a step cut short by a
// crash after its durable write (lost) are recorded in Sent only: in the
// spec the step is atomic and loss is implicit.
type network[I, K ~uint8, N any, M Message[M], D, E any] struct {
	p    Protocol[I, K, N, M, D, E]
	o    *Options[I]
	st   *State[I, N, M, D]
	lost bool
}

func (n network[I, K, N, M, D, E]) Send(m M) {
	switch {
	case n.lost:
	case n.o.SetNetwork:
		n.st.Net = insertSet(n.st.Net, m)
	default:
		n.st.Net = insertSorted(n.st.Net, m)
	}
	if f, ok := n.p.SentForm(m); ok {
		n.st.Sent = insertSet(n.st.Sent, f)
	}
}
