package paxosmodel

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// The HTML viewer's labels of single-decree Paxos: *Model is its
// viewer.Protocol.
var _ viewer.Protocol[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Step] = (*Model)(nil)

// BuildPage replays t and computes the viewer's page (viewer.Build).
func BuildPage(t *paxostrace.Trace, o viewer.Options) (*viewer.Page, error) {
	m, err := FromHeader(&t.Header)
	if err != nil {
		return nil, fmt.Errorf("viewer: trace header: %w", err)
	}
	h := replay.History{Ops: func() ([]porcupine.Operation, error) { return FromTrace(t) }, Check: Linearizable}
	o.Violation = t.Header.Violation
	return viewer.Build(m, t.Header, t.Header.Source, t.Steps, h, o)
}

// WriteHTML writes the viewer's page for t to w.
func WriteHTML(w io.Writer, t *paxostrace.Trace, o viewer.Options) error {
	p, err := BuildPage(t, o)
	if err != nil {
		return err
	}
	return p.WriteHTML(w)
}

// Columns are a lane per client (C0..), then the nodes in the
// configuration's order (A0, P3, L5), as in the text diagram of
// `paxoscheck show`.
func (m *Model) Columns() []viewer.Column {
	var cols []viewer.Column
	for _, c := range m.Clients {
		cols = append(cols, viewer.Column{ID: int(c.ID), Label: "C" + strconv.Itoa(int(c.ID)), Role: "client", Client: true})
	}
	for _, id := range m.Config.Nodes() {
		r, _, _ := m.Config.RoleOf(id)
		cols = append(cols, viewer.Column{ID: int(id), Label: label(&m.Config, id), Role: r.String()})
	}
	return cols
}

// ViewMsg is r as an arrow, labelled as the text diagram labels it
// (paxostrace.MessageLabel: a 1b shows its vbal even when none).
func (m *Model) ViewMsg(r replay.Ref[paxos.Message]) viewer.Arrow {
	return viewer.Arrow{ID: r.ID, Text: paxostrace.MessageLabel(r.Msg), Src: int(r.Msg.From), Dst: int(r.Msg.To), DupOf: r.DupOf}
}

// ViewStep is s as the page lists it.
func (m *Model) ViewStep(s *paxostrace.Step) viewer.StepView { return stepView(&m.Config, s) }

// ViewState renders every node of st, then the network.
func (m *Model) ViewState(st *graph.State[paxos.NodeID, paxos.Node, paxos.Message, paxos.Durable]) []viewer.NodeState {
	return nodeStates(&m.Setup, (*world.State)(st))
}

// ViewOps reads the history (FromTrace's operations) for the table.
func (m *Model) ViewOps(ops []porcupine.Operation) []viewer.Op {
	var out []viewer.Op
	for _, op := range ops {
		in, o, sp := op.Input.(Input), op.Output.(Output), op.Metadata.(Span)
		out = append(out, viewer.Op{Client: op.ClientId, Value: string(in.Value), InvokeStep: sp.InvokeStep,
			ReturnStep: sp.ReturnStep, Reply: string(o.Value)})
	}
	return out
}

// label is a node's lane name: the role's initial, upper case, and its id
// (A0, P3, L5), the text diagram's names.
func label(c *paxos.Config, id paxos.NodeID) string {
	r, _, ok := c.RoleOf(id)
	if !ok {
		return "?" + strconv.Itoa(int(id))
	}
	return paxostrace.NodeName(r, id)
}

func stepView(c *paxos.Config, s *paxostrace.Step) viewer.StepView {
	v := viewer.StepView{Step: s.Step, Action: s.Action, Node: int(s.Node)}
	var b strings.Builder
	b.WriteString(s.Action)
	b.WriteString(" at ")
	b.WriteString(label(c, s.Node))
	if s.Msg != nil {
		fmt.Fprintf(&b, ": #%d %s from %s", s.Msg.ID, paxostrace.MessageLabel(s.Msg.Message), label(c, s.Msg.From))
	}
	// The diagram shows the action's name at the node, so a mark says only
	// what the name does not: what the node learned.
	var marks []string
	if s.Action == paxostrace.EvInvoke && s.Client != nil {
		fmt.Fprintf(&b, ": C%d proposes %s", *s.Client, s.Value)
		v.Client = append(v.Client, viewer.ClientMsg{Client: int(*s.Client), Text: "propose " + val(s.Value)})
	}
	if s.Persist != nil {
		fmt.Fprintf(&b, "; persist %s", durable(*s.Persist))
	}
	if len(s.Sent) > 0 {
		b.WriteString("; sent")
		for _, m := range s.Sent {
			fmt.Fprintf(&b, " #%d %s to %s", m.ID, paxostrace.MessageLabel(m.Message), label(c, m.To))
		}
	}
	if s.Learned != paxos.None {
		fmt.Fprintf(&b, "; learned %s", s.Learned)
		marks = append(marks, "learned "+string(s.Learned))
	}
	for _, r := range s.Replies {
		fmt.Fprintf(&b, "; reply %s to C%d", r.Value, r.Client)
		v.Client = append(v.Client, viewer.ClientMsg{Client: int(r.Client), Reply: true, Text: "reply " + val(r.Value)})
	}
	v.Text = b.String()
	v.Mark = strings.Join(marks, ", ")
	return v
}

// val shows a value bare, "-" for none.
func val(v paxos.Value) string {
	if v == paxos.None {
		return "-"
	}
	return string(v)
}

func durable(d paxos.Durable) string {
	return fmt.Sprintf("{maxBal=%s maxVBal=%s maxVal=%s round=%d}", d.MaxBal, d.MaxVBal, val(d.MaxVal), d.Round)
}

// nodeStates renders every node of st, then the network.
func nodeStates(s *world.Setup, st *world.State) []viewer.NodeState {
	c := &s.Config
	out := make([]viewer.NodeState, 0, len(st.Nodes)+1)
	for i := range st.Nodes {
		n := &st.Nodes[i]
		d := st.Stored[i]
		ns := viewer.NodeState{ID: "node-" + strconv.Itoa(int(n.ID)), Title: n.Role.String() + " " + strconv.Itoa(int(n.ID))}
		f := func(name, v string) { ns.Fields = append(ns.Fields, viewer.Field{Name: name, Value: v}) }
		status := "up"
		if n.Crashed {
			status = "crashed"
		}
		f("status", status)
		switch n.Role {
		case paxos.RoleAcceptor:
			f("maxBal", n.Mem.MaxBal.String())
			f("maxVBal", n.Mem.MaxVBal.String())
			f("maxVal", val(n.Mem.MaxVal))
			f("stored", fmt.Sprintf("maxBal=%s maxVBal=%s maxVal=%s", d.MaxBal, d.MaxVBal, val(d.MaxVal)))
		case paxos.RoleProposer:
			f("ballot", n.Ballot().String())
			f("phase", n.Phase.String())
			f("value", val(n.Value))
			var prom []string
			for a := range c.Acceptors {
				if n.Promised&(1<<uint(a)) != 0 {
					prom = append(prom, label(c, c.Acceptors[a]))
				}
			}
			f("promised", "{"+strings.Join(prom, ",")+"}")
			f("highest vote", fmt.Sprintf("%s %s", n.HighVBal, val(n.HighVal)))
			f("proposal", val(n.Proposal))
			f("nacked by", n.Seen.String())
			f("decided", val(n.Decided))
			var cl []string
			for k := 0; k < 64; k++ {
				if n.Clients&(1<<uint(k)) != 0 {
					cl = append(cl, "C"+strconv.Itoa(k))
				}
			}
			f("waiting", "{"+strings.Join(cl, ",")+"}")
			f("stored", fmt.Sprintf("round=%d", d.Round))
		case paxos.RoleLearner:
			var votes []string
			for a := range c.Acceptors {
				v := n.Votes[a]
				if !v.Bal.IsZero() {
					votes = append(votes, fmt.Sprintf("%s:%s=%s", label(c, c.Acceptors[a]), v.Bal, val(v.Val)))
				}
			}
			f("votes", "{"+strings.Join(votes, " ")+"}")
			f("learned", val(n.Learned))
		}
		out = append(out, ns)
	}
	net := viewer.NodeState{ID: "node-net", Title: "network (in flight)"}
	for _, m := range st.Net {
		net.Fields = append(net.Fields, viewer.Field{Name: label(c, m.From) + "→" + label(c, m.To), Value: m.String()})
	}
	if len(net.Fields) == 0 {
		net.Fields = []viewer.Field{{Name: "empty", Value: "-"}}
	}
	return append(out, net)
}
