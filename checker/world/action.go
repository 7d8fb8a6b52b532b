package world

import (
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/impl/runner"
	"github.com/paxoscheck/paxoscheck/impl/storage"
	"github.com/paxoscheck/paxoscheck/traces"
)

// ActionKind is what an action does.
type ActionKind uint8

// The actions of the state graph (issue 2, checker/sim; issue 4, the state
// graph).
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
type Action struct {
	Kind ActionKind
	// Node is the node acted on (for message actions, the addressee).
	Node paxos.NodeID
	// Msg is the message delivered, dropped or duplicated.
	Msg paxos.Message
	// Client is the client of an ActInvoke.
	Client paxos.ClientID
}

// String renders a for logs: "deliver 1a b=1.0 3->0".
func (a Action) String() string {
	switch a.Kind {
	case ActDeliver, ActDrop, ActDuplicate, ActCrashMidStep:
		return fmt.Sprintf("%s %s %d->%d", a.Kind, a.Msg, a.Msg.From, a.Msg.To)
	case ActInvoke:
		return fmt.Sprintf("invoke client %d at %d", a.Client, a.Node)
	}
	return fmt.Sprintf("%s %d", a.Kind, a.Node)
}

// Actions appends to buf every action enabled in st and returns it, in a
// deterministic order. Deliveries and client requests are offered only
// where the node takes them (paxos.Node.Enabled). Identical copies of a message in flight give one
// action each kind, not one per copy: they lead to the same state.
func (st *State) Actions(s *Setup, buf []Action) []Action {
	for i, m := range st.Net {
		if i > 0 && st.Net[i-1] == m {
			continue
		}
		to := st.Node(m.To)
		// A message its addressee refuses (paxos.Node.Enabled) is never
		// received, as a runtime would drop it.
		if to != nil && to.Enabled(&s.Config, paxos.Input{Kind: paxos.InDeliver, Msg: m}) {
			buf = append(buf, Action{Kind: ActDeliver, Node: m.To, Msg: m})
			if s.MidStepCrash && st.Used.Crashes < s.Budget.Crashes && s.crashable(m.To) {
				buf = append(buf, Action{Kind: ActCrashMidStep, Node: m.To, Msg: m})
			}
		}
		if s.SetNetwork {
			// Never a drop or a duplication: see Setup.SetNetwork.
			continue
		}
		if st.Used.Drops < s.Budget.Drops {
			buf = append(buf, Action{Kind: ActDrop, Node: m.To, Msg: m})
		}
		if st.Used.Dups < s.Budget.Dups {
			buf = append(buf, Action{Kind: ActDuplicate, Node: m.To, Msg: m})
		}
	}
	for i := range st.Nodes {
		n := &st.Nodes[i]
		if n.Crashed {
			buf = append(buf, Action{Kind: ActRestart, Node: n.ID})
			continue
		}
		if st.Timers&(1<<uint(i)) != 0 && s.InRoundBound(n) {
			buf = append(buf, Action{Kind: ActTimeout, Node: n.ID})
		}
		if st.Used.Crashes < s.Budget.Crashes && s.crashable(n.ID) {
			buf = append(buf, Action{Kind: ActCrash, Node: n.ID})
		}
	}
	for _, c := range s.Clients {
		if st.Invoked&(1<<c.ID) != 0 {
			continue
		}
		if p := st.Node(c.Proposer); p != nil && p.Enabled(&s.Config, paxos.Input{Kind: paxos.InRequest, Client: c.ID, Value: c.Value}) {
			buf = append(buf, Action{Kind: ActInvoke, Node: c.Proposer, Client: c.ID})
		}
	}
	return buf
}

// nextRound is the round a proposer's timeout would start (paxos timeout).
func nextRound(n *paxos.Node) uint32 {
	r := n.Mem.Round
	if n.Seen.Round > r {
		r = n.Seen.Round
	}
	return r + 1
}

// Outcome is what applying an action did, in enough detail to write it as a
// trace step.
type Outcome struct {
	Action  Action
	Event   string // a traces.Ev* name
	Effects paxos.Effects
	// Dup is the new copy made by ActDuplicate.
	Dup *paxos.Message
}

// Apply performs a on st in place (clone first to keep the old state) and
// returns what happened. An action that is not enabled is an error and
// leaves st unchanged. It is Peek followed by Commit.
func (st *State) Apply(s *Setup, a Action) (Outcome, error) {
	var c Change
	if err := st.Peek(s, a, &c); err != nil {
		return c.Outcome, err
	}
	st.Commit(s, &c)
	return c.Outcome, nil
}

// A Change is what one action does to a state, worked out by Peek without
// touching the state and carried out by Commit. At most one node steps; the
// explorer reads a Change to fingerprint the successor before (and
// instead of, when it is already known) building it.
type Change struct {
	Outcome
	// Index is the node that stepped (its new state is Node), or -1 for a
	// drop or a duplication.
	Index int
	Node  paxos.Node
	// Persist is the node's new stored state, or nil.
	Persist *paxos.Durable
	// Send lists the messages the step sent; they enter the network unless
	// Lost (a crash between persisting and sending), and Sent either way.
	Send []paxos.Message
	Lost bool
	// Take is the index in Net of the message taken out (a multiset
	// delivery or a drop), or -1; Copy inserts a copy of Action.Msg (a
	// duplication).
	Take int
	Copy bool
	// The counters after the action.
	Invoked, Returned, Learned, Timers uint64
	Used                               Budget
}

// Peek works out into c what a does to st, without changing st. An action
// that is not enabled is an error.
func (st *State) Peek(s *Setup, a Action, c *Change) error {
	c.Outcome = Outcome{Action: a}
	c.Index, c.Persist, c.Send, c.Lost, c.Take, c.Copy = -1, nil, nil, false, -1, false
	c.Invoked, c.Returned, c.Learned, c.Timers, c.Used = st.Invoked, st.Returned, st.Learned, st.Timers, st.Used
	var ni int
	switch a.Kind {
	case ActDrop, ActDuplicate, ActDeliver, ActCrashMidStep:
		i, found := slices.BinarySearchFunc(st.Net, a.Msg, paxos.Message.Compare)
		if !found {
			return fmt.Errorf("%w: %s: message not in flight", paxos.ErrInput, a)
		}
		if s.SetNetwork && (a.Kind == ActDrop || a.Kind == ActDuplicate) {
			return fmt.Errorf("%w: %s: the set network has no drops or duplications", paxos.ErrInput, a)
		}
		switch a.Kind {
		case ActDrop:
			if !s.Unbounded && st.Used.Drops >= s.Budget.Drops {
				return fmt.Errorf("%w: %s: drop budget spent", paxos.ErrInput, a)
			}
			c.Take = i
			c.Used.Drops++
			c.Event = traces.EvDrop
			return nil
		case ActDuplicate:
			if !s.Unbounded && st.Used.Dups >= s.Budget.Dups {
				return fmt.Errorf("%w: %s: duplication budget spent", paxos.ErrInput, a)
			}
			c.Copy = true
			c.Used.Dups++
			m := a.Msg
			c.Dup = &m
			c.Event = traces.EvDuplicate
			return nil
		}
		if !s.SetNetwork {
			c.Take = i
		}
		ni = st.NodeIndex(a.Msg.To)
	case ActTimeout, ActCrash, ActRestart:
		ni = st.NodeIndex(a.Node)
		if a.Kind == ActTimeout && ni >= 0 && st.Timers&(1<<uint(ni)) == 0 {
			return fmt.Errorf("%w: %s: the node's timer is not armed", paxos.ErrInput, a)
		}
	case ActInvoke:
		if int(a.Client) >= len(s.Clients) || st.Invoked&(1<<a.Client) != 0 {
			return fmt.Errorf("%w: %s: no such client, or it already invoked", paxos.ErrInput, a)
		}
		ni = st.NodeIndex(s.Clients[a.Client].Proposer)
		c.Invoked |= 1 << a.Client
	default:
		return fmt.Errorf("%w: unknown action kind %d", paxos.ErrInput, a.Kind)
	}
	if ni < 0 {
		return fmt.Errorf("%w: %s: no such node", paxos.ErrInput, a)
	}
	var r NodeStep
	if err := s.StepNode(&st.Nodes[ni], &st.Stored[ni], a, &c.Node, &r); err != nil {
		return err
	}
	c.Index = ni
	c.Persist, c.Send, c.Lost, c.Effects, c.Event = r.Persist, r.Send, r.Lost, r.Effects, r.Event
	bit := uint64(1) << uint(ni)
	switch {
	case a.Kind == ActCrash || a.Kind == ActCrashMidStep:
		c.Used.Crashes++
		c.Timers &^= bit // timers are volatile
	case r.Effects.Timer == paxos.TimerArm:
		c.Timers |= bit
	case r.Effects.Timer == paxos.TimerCancel:
		c.Timers &^= bit
	}
	if r.Effects.Learned != paxos.None {
		c.Learned |= 1 << st.Nodes[ni].Index
	}
	for _, rep := range r.Effects.Replies {
		c.Returned |= 1 << rep.Client
	}
	return nil
}

// NodeStep is what an action does to the one node it acts on, besides its
// new state: its new stored state (Persist, nil for none), the messages it
// sends (Lost: they never enter the network, a crash cut the step short
// after its durable write), the step's effects as a trace records them,
// and the trace event.
type NodeStep struct {
	Persist *paxos.Durable
	Send    []paxos.Message
	Lost    bool
	Effects paxos.Effects
	Event   string
}

// StepNode runs action a on node n, whose stable storage holds d, as the
// world runs it, and writes the node's new state to next and the rest to
// r: the node's part of Peek, without the network and the counters. It is
// the one definition of what an action asks of a node (a delivery, a crash
// in the middle of one, a timeout, a client request, a crash, a restart
// from d), shared by Peek and by the explorer's check of its reductions,
// which runs single nodes. Drops and duplications do not step a node and
// are errors here. Fault budgets are not checked. (Nodes are large values:
// the results go where the caller keeps them, not through a copy.)
func (s *Setup) StepNode(n *paxos.Node, d *paxos.Durable, a Action, next *paxos.Node, r *NodeStep) error {
	*r = NodeStep{}
	var in paxos.Input
	switch a.Kind {
	case ActDeliver, ActCrashMidStep:
		in = paxos.Input{Kind: paxos.InDeliver, Msg: a.Msg}
		r.Event = deliverEvent(a.Msg.Type)
	case ActTimeout:
		in = paxos.Input{Kind: paxos.InTimeout}
		r.Event = traces.EvPhase1a
	case ActCrash:
		in = paxos.Input{Kind: paxos.InCrash}
		r.Event = traces.EvCrash
	case ActRestart:
		in = paxos.Input{Kind: paxos.InRestart, Durable: *d}
		r.Event = traces.EvRestart
	case ActInvoke:
		if int(a.Client) >= len(s.Clients) {
			return fmt.Errorf("%w: %s: no such client", paxos.ErrInput, a)
		}
		cl := s.Clients[a.Client]
		in = paxos.Input{Kind: paxos.InRequest, Client: cl.ID, Value: cl.Value}
		r.Event = traces.EvInvoke
	default:
		return fmt.Errorf("%w: %s does not step a node", paxos.ErrInput, a)
	}
	var eff paxos.Effects
	var err error
	*next, eff, err = n.Step(&s.Config, in)
	if err != nil {
		return err
	}
	if a.Kind == ActCrashMidStep {
		// The durable write happened; the sends did not. In the spec
		// the step is atomic and loss is implicit, so its messages
		// count as sent (and lost): the vote it made durable stays a
		// vote in the invariants' msgs (checker/invariant.FromWorld).
		r.Persist, r.Send, r.Lost = eff.Persist, eff.Send, true
		*next, _, _ = next.Step(&s.Config, paxos.Input{Kind: paxos.InCrash})
		r.Event = traces.EvCrash
		r.Effects = paxos.Effects{Persist: eff.Persist}
		return nil
	}
	r.Effects = eff
	r.Persist, r.Send = eff.Persist, eff.Send
	return nil
}

// InRoundBound reports whether a timeout of node n stays within the search
// bound Setup.MaxRound: the round it would start is at most MaxRound (0:
// no bound). The world offers a node's timeout when its timer is armed
// (State.Timers) and the bound allows it.
func (s *Setup) InRoundBound(n *paxos.Node) bool {
	return s.MaxRound == 0 || nextRound(n) <= s.MaxRound
}

// Commit carries out a Change that Peek worked out on this very state.
func (st *State) Commit(s *Setup, c *Change) {
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
		// node), then send. Replies are the counters below.
		e := runner.Effects[paxos.Durable, paxos.Message, paxos.Reply]{Persist: c.Persist, Send: c.Send}
		// A Slot and the world's network never fail.
		_ = runner.Apply(e, storage.Slot[paxos.Durable]{D: &st.Stored[c.Index]}, network{st, s, c.Lost}, nil)
	}
	st.Invoked, st.Returned, st.Learned, st.Timers, st.Used = c.Invoked, c.Returned, c.Learned, c.Timers, c.Used
}

// network is the simulated network as the runner's transport: a message
// sent enters Net (a multiset, or with Setup.SetNetwork a set) and is
// recorded in Sent, the spec's msgs. The messages of a step cut short by a
// crash after its durable write (lost) are recorded in Sent only: in the
// spec the step is atomic and loss is implicit.
type network struct {
	st   *State
	s    *Setup
	lost bool
}

func (n network) Send(m paxos.Message) {
	switch {
	case n.lost:
	case n.s.SetNetwork:
		n.st.Net = insertSet(n.st.Net, m)
	default:
		n.st.Net = insertSorted(n.st.Net, m)
	}
	n.st.addSent(m)
}

// addSent records m in Sent if it is a spec message (1b, 2a, 2b).
func (st *State) addSent(m paxos.Message) {
	if f, ok := SentForm(m); ok {
		st.Sent = insertSet(st.Sent, f)
	}
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
		return traces.EvPhase1b
	case paxos.Msg1b:
		return traces.EvPhase2a
	case paxos.Msg2a:
		return traces.EvPhase2b
	case paxos.Msg2b:
		return traces.EvLearn
	case paxos.MsgNack:
		return traces.EvNack
	case paxos.MsgDecided:
		return traces.EvReturn
	}
	return "Deliver"
}
