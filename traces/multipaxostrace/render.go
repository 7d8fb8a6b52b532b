package multipaxostrace

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/internal/english"
	"github.com/paxoscheck/paxoscheck/traces"
)

// TextOptions controls RenderText.
type TextOptions = traces.TextOptions

// MessageLabel renders a message as the diagrams show it, with its slot:
// "1a b=1.0 s≥1", "1b b=1.0 s≥1 [s1:c0.1:put(k=v)@1.0]", "2a b=1.0 s2 noop",
// "nack b=2.1", "decided s3 c1.2:get(k)".
func MessageLabel(m mp.Message) string {
	switch m.Type {
	case mp.Msg1a:
		return fmt.Sprintf("1a b=%s s≥%d", m.Bal, m.Slot)
	case mp.Msg1b:
		vs, _ := m.Votes.Votes() // validated
		var parts []string
		for _, v := range vs {
			parts = append(parts, fmt.Sprintf("s%d:%s@%s", v.Slot, v.Cmd, v.Bal))
		}
		return fmt.Sprintf("1b b=%s s≥%d [%s]", m.Bal, m.Slot, strings.Join(parts, " "))
	case mp.Msg2a, mp.Msg2b:
		return fmt.Sprintf("%s b=%s s%d %s", m.Type, m.Bal, m.Slot, m.Cmd)
	case mp.MsgNack:
		return "nack b=" + m.Bal.String()
	case mp.MsgDecided:
		return fmt.Sprintf("decided s%d %s", m.Slot, m.Cmd)
	}
	return m.Type.String()
}

func msgLabel(m *Msg) string { return "#" + strconv.Itoa(m.ID) + " " + MessageLabel(m.Message) }

// durableLabel renders a durable state by the role that owns it.
func durableLabel(r mp.Role, d mp.Durable) string {
	if r == mp.RoleProposer {
		return "round=" + strconv.FormatUint(uint64(d.Round), 10)
	}
	var parts []string
	for _, v := range d.Votes {
		parts = append(parts, fmt.Sprintf("s%d:%s@%s", v.Slot, v.Cmd, v.Bal))
	}
	return "maxBal=" + d.MaxBal.String() + " votes=[" + strings.Join(parts, " ") + "]"
}

// replyLabel renders what a client was told.
func replyLabel(r mp.Reply) string {
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

// Diagram is t as the sequence diagrams draw it: a lane per client session
// (C0..) and node (A0 acceptors, P3 proposers), each step in words, each
// message by MessageLabel (slots shown), each learned slot on its row. t
// is validated first.
func Diagram(t *Trace) (*traces.Diagram, error) {
	if err := Validate(t); err != nil {
		return nil, err
	}
	h := &t.Header
	cfg, _ := h.Config() // validated above
	g := &traces.Diagram{Violation: h.Violation}
	var sessions []mp.ClientID
	lane := map[mp.ClientID]int{}
	for _, op := range h.Ops {
		if _, ok := lane[op.Cmd.Client]; !ok {
			lane[op.Cmd.Client] = len(g.Lanes)
			sessions = append(sessions, op.Cmd.Client)
			g.Lanes = append(g.Lanes, traces.Lane{Name: "C" + strconv.Itoa(int(op.Cmd.Client)), What: "client"})
		}
	}
	index := map[mp.NodeID]int{}
	role := map[mp.NodeID]mp.Role{}
	for _, id := range cfg.Nodes() {
		r, _, _ := cfg.RoleOf(id)
		index[id], role[id] = len(g.Lanes), r
		g.Lanes = append(g.Lanes, traces.Lane{Name: NodeName(r, id), What: r.String()})
	}
	name := func(id mp.NodeID) string { return g.Lanes[index[id]].Name }
	g.Summary = fmt.Sprintf("trace: multipaxos, %s, %s, pipeline %d, %s, %s; %s",
		english.Count(len(h.Acceptors), "acceptor"), english.Count(len(h.Proposers), "proposer"), h.Pipeline,
		english.Count(len(sessions), "client"), english.Count(len(h.Ops), "operation"), english.Count(len(t.Steps), "step"))
	if len(h.Bugs) > 0 {
		g.Summary += "; bugs " + strings.Join(h.Bugs, ",")
	}
	if h.Source != "" {
		g.Summary += "; source " + h.Source
	}
	if h.Seed != nil {
		g.Summary += "; seed " + strconv.FormatUint(*h.Seed, 10)
	}
	if v := h.Violation; v != nil {
		g.ViolationText = v.Line()
	}
	durable := map[mp.NodeID]mp.Durable{}
	for i := range t.Steps {
		s := &t.Steps[i]
		nl := index[s.Node]
		var b strings.Builder
		b.WriteString(s.Action + " ")
		r := traces.Row{Step: s.Step, Lane: nl}
		switch s.Action {
		case EvPhase1a:
			b.WriteString(name(s.Node) + " timeout")
		case EvInvoke:
			c := h.Ops[*s.Op].Cmd
			fmt.Fprintf(&b, "C%d→%s %s", c.Client, name(s.Node), c)
			r.Mark, r.From, r.Label = traces.MarkInvoke, lane[c.Client], c.String()
		case EvDrop:
			fmt.Fprintf(&b, "%s %s→%s DROPPED", msgLabel(s.Msg), name(s.Msg.From), name(s.Msg.To))
			r.Mark, r.From, r.To, r.Label = traces.MarkDrop, index[s.Msg.From], index[s.Msg.To], "✗ "+msgLabel(s.Msg)+" dropped"
		case EvDuplicate:
			m := &s.Sent[0]
			fmt.Fprintf(&b, "%s %s→%s DUPLICATED as #%d", msgLabel(s.Msg), name(s.Msg.From), name(s.Msg.To), m.ID)
			r.Mark, r.From, r.To, r.Label = traces.MarkDup, index[s.Msg.From], index[s.Msg.To], msgLabel(m)+" (copy of #"+strconv.Itoa(m.DupOf)+")"
		case EvCrash:
			b.WriteString(name(s.Node) + " CRASHED")
			if s.Msg != nil {
				fmt.Fprintf(&b, " while handling %s from %s (before sending)", msgLabel(s.Msg), name(s.Msg.From))
			}
			r.Mark = traces.MarkCrash
		case EvRestart:
			b.WriteString(name(s.Node) + " RESTARTED from durable " + durableLabel(role[s.Node], durable[s.Node]))
			r.Mark = traces.MarkRestart
		default:
			fmt.Fprintf(&b, "%s ⇐ %s from %s", name(s.Node), msgLabel(s.Msg), name(s.Msg.From))
		}
		if s.Persist != nil {
			b.WriteString(" | persist " + durableLabel(role[s.Node], *s.Persist))
			durable[s.Node] = *s.Persist
		}
		for _, e := range s.Learned {
			fmt.Fprintf(&b, " | CHOSEN s%d %s", e.Slot, e.Cmd)
		}
		if len(s.Applied) > 0 {
			b.WriteString(" | applied " + slotsLabel(s.Applied))
		}
		if h.TimeUnit == traces.TimeNanos || s.Time != int64(s.Step) {
			fmt.Fprintf(&b, " | t=%d%s", s.Time, h.TimeUnit)
		}
		r.Text = b.String()
		if s.Action != EvDuplicate {
			for j := range s.Sent {
				m := &s.Sent[j]
				r.Arrows = append(r.Arrows, traces.Arrow{From: index[m.From], To: index[m.To], Label: msgLabel(m)})
			}
		}
		for _, rep := range s.Replies {
			r.Arrows = append(r.Arrows, traces.Arrow{From: nl, To: lane[rep.Client], Reply: true,
				Label: fmt.Sprintf("return C%d.%d %s", rep.Client, rep.Seq, replyLabel(rep)), Brief: "return " + replyLabel(rep)})
		}
		g.Rows = append(g.Rows, r)
	}
	return g, nil
}

// RenderText writes t as a sequence diagram for the terminal.
func RenderText(w io.Writer, t *Trace, opt TextOptions) error {
	g, err := Diagram(t)
	if err != nil {
		return err
	}
	return traces.RenderText(w, g, opt)
}

// RenderMermaid writes t as a Mermaid sequenceDiagram.
func RenderMermaid(w io.Writer, t *Trace) error {
	g, err := Diagram(t)
	if err != nil {
		return err
	}
	return traces.RenderMermaid(w, g)
}

// slotsLabel writes applied slots as "s1,s2": a slot whose command took
// no effect (a no-op, a command applied before) as "s1 (no effect)".
func slotsLabel(slots []mp.Applied) string {
	var b strings.Builder
	for i, a := range slots {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "s%d", a.Slot)
		if !a.Effect {
			b.WriteString(" (no effect)")
		}
	}
	return b.String()
}

// NodeName is a node's name in the diagrams, the viewer and trace
// validation: its role's initial, upper case, and its id (A0, P3).
func NodeName(r mp.Role, id mp.NodeID) string {
	return strings.ToUpper(r.String()[:1]) + strconv.Itoa(int(id))
}
