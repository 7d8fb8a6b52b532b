package world

import (
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
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
// deterministic order. Identical copies of a message in flight give one
// action each kind, not one per copy: they lead to the same state.
func (st *State) Actions(s *Setup, buf []Action) []Action {
	for i, m := range st.Net {
		if i > 0 && st.Net[i-1] == m {
			continue
		}
		to := st.Node(m.To)
		if to != nil && !to.Crashed {
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
		if n.Role == paxos.RoleProposer && n.Enabled(&s.Config, paxos.Input{Kind: paxos.InTimeout}) &&
			(s.MaxRound == 0 || nextRound(n) <= s.MaxRound) {
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
		if p := st.Node(c.Proposer); p != nil && !p.Crashed {
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
// leaves st unchanged.
func (st *State) Apply(s *Setup, a Action) (Outcome, error) {
	out := Outcome{Action: a}
	switch a.Kind {
	case ActDrop, ActDuplicate, ActDeliver, ActCrashMidStep:
		i, found := slices.BinarySearchFunc(st.Net, a.Msg, cmpMsg)
		if !found {
			return out, fmt.Errorf("%w: %s: message not in flight", paxos.ErrInput, a)
		}
		if s.SetNetwork && (a.Kind == ActDrop || a.Kind == ActDuplicate) {
			return out, fmt.Errorf("%w: %s: the set network has no drops or duplications", paxos.ErrInput, a)
		}
		switch a.Kind {
		case ActDrop:
			if !s.Unbounded && st.Used.Drops >= s.Budget.Drops {
				return out, fmt.Errorf("%w: %s: drop budget spent", paxos.ErrInput, a)
			}
			st.Net = slices.Delete(st.Net, i, i+1)
			st.Used.Drops++
			out.Event = traces.EvDrop
			return out, nil
		case ActDuplicate:
			if !s.Unbounded && st.Used.Dups >= s.Budget.Dups {
				return out, fmt.Errorf("%w: %s: duplication budget spent", paxos.ErrInput, a)
			}
			st.Net = slices.Insert(st.Net, i, a.Msg)
			st.Used.Dups++
			m := a.Msg
			out.Dup = &m
			out.Event = traces.EvDuplicate
			return out, nil
		}
		ni := st.NodeIndex(a.Msg.To)
		if ni < 0 {
			return out, fmt.Errorf("%w: %s: no such node", paxos.ErrInput, a)
		}
		n, eff, err := st.Nodes[ni].Step(&s.Config, paxos.Input{Kind: paxos.InDeliver, Msg: a.Msg})
		if err != nil {
			return out, err
		}
		if !s.SetNetwork {
			st.Net = slices.Delete(st.Net, i, i+1)
		}
		if a.Kind == ActCrashMidStep {
			// The durable write happened; the sends did not. In the spec
			// the step is atomic and loss is implicit, so its messages
			// count as sent (and lost): the vote it made durable stays a
			// vote in the invariants' msgs (checker/invariant.FromWorld).
			if eff.Persist != nil {
				st.Stored[ni] = *eff.Persist
			}
			for _, m := range eff.Send {
				st.addSent(m)
			}
			crashed, _, _ := n.Step(&s.Config, paxos.Input{Kind: paxos.InCrash})
			st.Nodes[ni] = crashed
			st.Used.Crashes++
			out.Event = traces.EvCrash
			out.Effects = paxos.Effects{Persist: eff.Persist}
			return out, nil
		}
		st.Nodes[ni] = n
		out.Event = deliverEvent(a.Msg.Type)
		out.Effects = eff
		st.effects(s, ni, eff)
		return out, nil
	case ActTimeout, ActCrash, ActRestart:
		ni := st.NodeIndex(a.Node)
		if ni < 0 {
			return out, fmt.Errorf("%w: %s: no such node", paxos.ErrInput, a)
		}
		in := paxos.Input{Kind: paxos.InTimeout}
		switch a.Kind {
		case ActCrash:
			in.Kind = paxos.InCrash
			out.Event = traces.EvCrash
		case ActRestart:
			in = paxos.Input{Kind: paxos.InRestart, Durable: st.Stored[ni]}
			out.Event = traces.EvRestart
		default:
			out.Event = traces.EvPhase1a
		}
		n, eff, err := st.Nodes[ni].Step(&s.Config, in)
		if err != nil {
			return out, err
		}
		if a.Kind == ActCrash {
			st.Used.Crashes++
		}
		st.Nodes[ni] = n
		out.Effects = eff
		st.effects(s, ni, eff)
		return out, nil
	case ActInvoke:
		if int(a.Client) >= len(s.Clients) || st.Invoked&(1<<a.Client) != 0 {
			return out, fmt.Errorf("%w: %s: no such client, or it already invoked", paxos.ErrInput, a)
		}
		c := s.Clients[a.Client]
		ni := st.NodeIndex(c.Proposer)
		n, eff, err := st.Nodes[ni].Step(&s.Config, paxos.Input{Kind: paxos.InRequest, Client: c.ID, Value: c.Value})
		if err != nil {
			return out, err
		}
		st.Nodes[ni] = n
		st.Invoked |= 1 << c.ID
		out.Event = traces.EvInvoke
		out.Effects = eff
		st.effects(s, ni, eff)
		return out, nil
	}
	return out, fmt.Errorf("%w: unknown action kind %d", paxos.ErrInput, a.Kind)
}

// effects carries out a step's effects in the order the core's contract
// demands: persist, then send, then answer clients.
func (st *State) effects(s *Setup, ni int, e paxos.Effects) {
	if e.Persist != nil {
		st.Stored[ni] = *e.Persist
	}
	for _, m := range e.Send {
		if s.SetNetwork {
			st.Net = insertSet(st.Net, m)
		} else {
			st.Net = insertSorted(st.Net, m)
		}
		st.addSent(m)
	}
	if e.Learned != paxos.None {
		st.Learned |= 1 << st.Nodes[ni].Index
	}
	for _, r := range e.Replies {
		st.Returned |= 1 << r.Client
	}
}

// addSent records m in Sent if it is a spec message (1b, 2a, 2b).
func (st *State) addSent(m paxos.Message) {
	switch m.Type {
	case paxos.Msg1b, paxos.Msg2a, paxos.Msg2b:
		m.To = 0
		st.Sent = insertSet(st.Sent, m)
	}
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
