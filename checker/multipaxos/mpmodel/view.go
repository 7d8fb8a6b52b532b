package mpmodel

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// The HTML viewer's labels of Multi-Paxos: *Model is its viewer.Protocol.
var _ viewer.Protocol[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Step] = (*Model)(nil)

// BuildPage replays t and computes the viewer's page (viewer.Build).
func BuildPage(t *mptrace.Trace, o viewer.Options) (*viewer.Page, error) {
	m, err := FromHeader(&t.Header)
	if err != nil {
		return nil, fmt.Errorf("viewer: trace header: %w", err)
	}
	h := replay.History{
		Ops: func() ([]porcupine.Operation, error) { return FromTrace(t) },
		Check: func(ops []porcupine.Operation, timeout time.Duration) linearize.Result {
			return linearize.Check(&KV, ops, timeout)
		},
	}
	o.Violation = t.Header.Violation
	return viewer.Build(m, t.Header, t.Header.Source, t.Steps, h, o)
}

// WriteHTML replays t and writes the viewer's page for it to w.
func WriteHTML(w io.Writer, t *mptrace.Trace, o viewer.Options) error {
	p, err := BuildPage(t, o)
	if err != nil {
		return err
	}
	return p.WriteHTML(w)
}

// label is a node's lane name: the role's initial, upper case, and its id
// (A0, P3), the text diagram's names.
func (m *Model) label(id mp.NodeID) string {
	r, _, ok := m.Config.RoleOf(id)
	if !ok {
		return "?" + strconv.Itoa(int(id))
	}
	return mptrace.NodeName(r, id)
}

// Columns are a lane per client session (C0.., in the order of their
// first operation, as mptrace.Diagram orders them), then the nodes:
// acceptors, then proposers.
func (m *Model) Columns() []viewer.Column {
	var cols []viewer.Column
	seen := map[mp.ClientID]bool{}
	for _, op := range m.Ops {
		if c := op.Cmd.Client; !seen[c] {
			seen[c] = true
			cols = append(cols, viewer.Column{ID: int(c), Label: "C" + strconv.Itoa(int(c)), Role: "client", Client: true})
		}
	}
	for _, id := range m.Config.Nodes() {
		r, _, _ := m.Config.RoleOf(id)
		cols = append(cols, viewer.Column{ID: int(id), Label: m.label(id), Role: r.String()})
	}
	return cols
}

// ViewMsg is r as an arrow, labelled with its slot.
func (m *Model) ViewMsg(r replay.Ref[mp.Message]) viewer.Arrow {
	return viewer.Arrow{ID: r.ID, Text: mptrace.MessageLabel(r.Msg), Src: int(r.Msg.From), Dst: int(r.Msg.To), DupOf: r.DupOf}
}

// ViewStep is s as the page lists it.
func (m *Model) ViewStep(s *mptrace.Step) viewer.StepView {
	v := viewer.StepView{Step: s.Step, Action: s.Action, Node: int(s.Node)}
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s", s.Action, m.label(s.Node))
	if s.Msg != nil {
		fmt.Fprintf(&b, ": #%d %s from %s", s.Msg.ID, mptrace.MessageLabel(s.Msg.Message), m.label(s.Msg.From))
	}
	// The diagram shows the action's name at the node, so a mark says only
	// what the name does not: the slots chosen.
	var marks []string
	if s.Action == mptrace.EvInvoke && s.Op != nil && *s.Op < len(m.Ops) {
		c := m.Ops[*s.Op].Cmd
		fmt.Fprintf(&b, ": %s", c)
		v.Client = append(v.Client, viewer.ClientMsg{Client: int(c.Client), Text: c.String()})
	}
	if s.Persist != nil {
		fmt.Fprintf(&b, "; persist %s", durableText(*s.Persist))
	}
	for _, x := range s.Sent {
		fmt.Fprintf(&b, "; sent #%d %s to %s", x.ID, mptrace.MessageLabel(x.Message), m.label(x.To))
	}
	for _, e := range s.Learned {
		fmt.Fprintf(&b, "; chosen s%d %s", e.Slot, e.Cmd)
		marks = append(marks, fmt.Sprintf("s%d=%s", e.Slot, e.Cmd))
	}
	for _, a := range s.Applied {
		fmt.Fprintf(&b, "; applied s%d", a.Slot)
		if !a.Effect {
			b.WriteString(" (no effect)")
		}
	}
	for _, r := range s.Replies {
		fmt.Fprintf(&b, "; reply %s to c%d.%d", replyText(r), r.Client, r.Seq)
		v.Client = append(v.Client, viewer.ClientMsg{Client: int(r.Client), Reply: true, Text: "reply " + replyText(r)})
	}
	v.Text, v.Mark = b.String(), strings.Join(marks, ", ")
	return v
}

func durableText(d mp.Durable) string {
	return fmt.Sprintf("{maxBal=%s votes=%s round=%d}", d.MaxBal, votesText(d.Votes), d.Round)
}

// votesText is a vote log, one "s<slot>:<command>@<ballot>" a slot.
func votesText(votes []mp.SlotVote) string {
	var vs []string
	for _, v := range votes {
		vs = append(vs, fmt.Sprintf("s%d:%s@%s", v.Slot, v.Cmd, v.Bal))
	}
	return "[" + strings.Join(vs, " ") + "]"
}

func replyText(r mp.Reply) string {
	switch r.Op {
	case mp.OpGet:
		if !r.Found {
			return "absent"
		}
		return strconv.Quote(r.Value)
	case mp.OpCAS:
		return "cas " + strconv.FormatBool(r.OK)
	}
	return "ok"
}

func commands(cs []mp.Command) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return "[" + strings.Join(out, " ") + "]"
}

// ViewState renders every node of st, then the network.
func (m *Model) ViewState(st *graph.State[mp.NodeID, mp.Node, mp.Message, mp.Durable]) []viewer.NodeState {
	out := make([]viewer.NodeState, 0, len(st.Nodes)+1)
	for i := range st.Nodes {
		n := &st.Nodes[i]
		ns := viewer.NodeState{ID: "node-" + strconv.Itoa(int(n.ID)), Title: n.Role.String() + " " + strconv.Itoa(int(n.ID))}
		f := func(name, v string) { ns.Fields = append(ns.Fields, viewer.Field{Name: name, Value: v}) }
		status := "up"
		if n.Crashed {
			status = "crashed"
		}
		f("status", status)
		switch n.Role {
		case mp.RoleAcceptor:
			f("maxBal", n.Mem.MaxBal.String())
			f("votes", votesText(n.Mem.Votes))
			f("stored", durableText(st.Stored[i]))
		case mp.RoleProposer:
			f("ballot", n.Ballot().String())
			f("phase", n.Phase.String())
			var prom []string
			for a, id := range m.Config.Acceptors {
				if n.Promised&(1<<uint(a)) != 0 {
					prom = append(prom, m.label(id))
				}
			}
			f("promised", "{"+strings.Join(prom, ",")+"}")
			f("adopted votes", votesText(n.Reported))
			var props []string
			for _, p := range n.Props {
				s := fmt.Sprintf("s%d:%s", p.Slot, p.Cmd)
				if p.Sent {
					s += " sent"
				}
				props = append(props, s)
			}
			f("proposals", "["+strings.Join(props, ", ")+"]")
			f("waiting", commands(n.Waiting))
			f("next slot to apply", strconv.FormatUint(uint64(n.Rep.Next), 10))
			f("applied", commands(n.Rep.Applied))
			var kv []string
			for _, p := range n.Rep.KV.Pairs {
				kv = append(kv, p.Key+"="+p.Val)
			}
			f("store", "{"+strings.Join(kv, " ")+"}")
			f("nacked by", n.Seen.String())
			f("stored", fmt.Sprintf("round=%d", st.Stored[i].Round))
		}
		out = append(out, ns)
	}
	net := viewer.NodeState{ID: "node-net", Title: "network (in flight)"}
	for _, msg := range st.Net {
		net.Fields = append(net.Fields, viewer.Field{Name: m.label(msg.From) + "→" + m.label(msg.To), Value: mptrace.MessageLabel(msg)})
	}
	if len(net.Fields) == 0 {
		net.Fields = []viewer.Field{{Name: "empty", Value: "-"}}
	}
	return append(out, net)
}

// ViewOps reads the history (FromTrace's operations) for the table.
func (m *Model) ViewOps(ops []porcupine.Operation) []viewer.Op {
	var out []viewer.Op
	for _, op := range ops {
		c, o, sp := op.Input.(mp.Command), op.Output.(Output), op.Metadata.(Span)
		reply := ""
		if !o.Pending {
			reply = replyText(o.Reply)
		}
		out = append(out, viewer.Op{Client: op.ClientId, Value: c.String(), InvokeStep: sp.InvokeStep, ReturnStep: sp.ReturnStep, Reply: reply})
	}
	return out
}
